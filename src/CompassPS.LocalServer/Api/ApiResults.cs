using System.Buffers;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CompassPS.LocalServer.Api;

/// <summary>One field problem of a 422 answer, in the FastAPI shape the wire contract uses.</summary>
public sealed record FieldProblem(IReadOnlyList<object> Location, string Message, string Type);

/// <summary>Thrown by request parsing; the endpoint filter turns it into a 422 with every problem found.</summary>
public sealed class RequestValidationException(IReadOnlyList<FieldProblem> problems) : Exception("The request is not valid.")
{
    public IReadOnlyList<FieldProblem> Problems { get; } = problems;
}

/// <summary>Thrown anywhere below an endpoint to answer with a plain <c>{"detail","code"}</c> error.</summary>
public sealed class ApiException(int status, string code, string detail, JsonObject? extra = null) : Exception(detail)
{
    public int Status { get; } = status;
    public string Code { get; } = code;
    public JsonObject? Extra { get; } = extra;
}

public static class ApiResults
{
    /// <summary>Compact JSON that keeps non-ASCII text readable (JSON strings still escape quotes and control characters).</summary>
    public static readonly JsonWriterOptions WriterOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static IResult Json(JsonNode? body, int status = StatusCodes.Status200OK) => new JsonNodeResult(body, status);

    public static IResult Error(int status, string code, string detail, JsonObject? extra = null)
    {
        var body = new JsonObject { ["detail"] = detail, ["code"] = code };
        if (extra is not null)
            foreach (var (name, value) in extra)
                body[name] = value?.DeepClone();
        return new JsonNodeResult(body, status);
    }

    public static IResult Validation(IReadOnlyList<FieldProblem> problems)
    {
        var detail = new JsonArray();
        foreach (var problem in problems)
        {
            var loc = new JsonArray();
            foreach (var part in problem.Location)
                loc.Add(part is int index ? JsonValue.Create(index) : JsonValue.Create(part.ToString()));
            detail.Add(new JsonObject { ["loc"] = loc, ["msg"] = problem.Message, ["type"] = problem.Type });
        }
        return new JsonNodeResult(new JsonObject { ["detail"] = detail, ["code"] = "VALIDATION_ERROR" }, StatusCodes.Status422UnprocessableEntity);
    }

    public static IResult Page(IEnumerable<JsonNode> items, int total, int limit, int offset)
    {
        var array = new JsonArray();
        foreach (var item in items) array.Add(item);
        return Json(new JsonObject { ["items"] = array, ["total"] = total, ["limit"] = limit, ["offset"] = offset });
    }

    /// <summary>ISO-8601 UTC with microseconds, the way the Compass API writes times.</summary>
    public static string Timestamp(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    public static JsonNode? Timestamp(DateTimeOffset? value) => value is { } v ? JsonValue.Create(Timestamp(v)) : null;

    private sealed class JsonNodeResult(JsonNode? body, int status) : IResult
    {
        public async Task ExecuteAsync(HttpContext httpContext)
        {
            var response = httpContext.Response;
            response.StatusCode = status;
            response.ContentType = "application/json; charset=utf-8";
            // Written whole, then sent with its Content-Length, as Compass's own JSON answers are (not chunked):
            // clients read a declared length straight into place, and the answer goes out in one write.
            var buffer = new ArrayBufferWriter<byte>(1024);
            using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
            {
                if (body is null) writer.WriteNullValue();
                else body.WriteTo(writer);
            }
            response.ContentLength = buffer.WrittenCount;
            await response.Body.WriteAsync(buffer.WrittenMemory, httpContext.RequestAborted);
        }
    }
}
