using System.Text.Json;
using System.Text.Json.Nodes;

namespace CompassPS.LocalServer.Api;

/// <summary>
/// Reads a JSON request body field by field and collects every problem, so that one 422 answer lists them all.
/// </summary>
public sealed class RequestBody
{
    private readonly List<FieldProblem> _problems = [];

    private RequestBody(JsonObject fields) => Fields = fields;

    public JsonObject Fields { get; }

    /// <summary>Parses the body as a JSON object; an empty body counts as <c>{}</c> when <paramref name="allowEmpty"/>.</summary>
    public static async Task<RequestBody> ReadAsync(HttpContext context, bool allowEmpty = false)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
        if (buffer.Length == 0)
        {
            if (allowEmpty) return new RequestBody([]);
            throw Problem(["body"], "A JSON object body is required.", "missing");
        }
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(buffer.ToArray());
        }
        catch (JsonException ex)
        {
            throw Problem(["body"], $"The body is not valid JSON: {ex.Message}", "json_invalid");
        }
        return node is JsonObject obj ? new RequestBody(obj) : throw Problem(["body"], "The body must be a JSON object.", "object_type");
    }

    public bool Has(string name) => Fields.ContainsKey(name);

    public string? String(string name, bool required = false, IReadOnlyCollection<string>? allowed = null)
    {
        if (!Fields.TryGetPropertyValue(name, out var node) || node is null)
        {
            if (required) Add(name, "Field required", "missing");
            return null;
        }
        if (node.GetValueKind() != JsonValueKind.String)
        {
            Add(name, "Input should be a valid string", "string_type");
            return null;
        }
        var value = node.GetValue<string>();
        if (required && string.IsNullOrWhiteSpace(value))
        {
            Add(name, "Field must not be empty", "string_too_short");
            return null;
        }
        if (allowed is not null && !allowed.Contains(value))
        {
            Add(name, $"Input should be one of: {string.Join(", ", allowed.Select(a => $"'{a}'"))}", "enum");
            return null;
        }
        return value;
    }

    public JsonObject? Object(string name)
    {
        if (!Fields.TryGetPropertyValue(name, out var node) || node is null) return null;
        if (node is JsonObject obj) return (JsonObject)obj.DeepClone();
        Add(name, "Input should be a valid object", "dict_type");
        return null;
    }

    public int? Integer(string name)
    {
        if (!Fields.TryGetPropertyValue(name, out var node) || node is null) return null;
        if (node is JsonValue value && value.TryGetValue<int>(out var number)) return number;
        if (node is JsonValue d && d.TryGetValue<double>(out var real) && real == Math.Floor(real) && real is >= int.MinValue and <= int.MaxValue) return (int)real;
        Add(name, "Input should be a valid integer", "int_type");
        return null;
    }

    public JsonNode? Raw(string name) => Fields.TryGetPropertyValue(name, out var node) ? node?.DeepClone() : null;

    public void Add(string field, string message, string type) => _problems.Add(new FieldProblem(["body", field], message, type));

    public void ThrowIfProblems()
    {
        if (_problems.Count > 0) throw new RequestValidationException(_problems.ToArray());
    }

    private static RequestValidationException Problem(object[] loc, string message, string type) =>
        new([new FieldProblem(loc, message, type)]);
}

/// <summary>limit/offset of a list request, with the wire contract's bounds.</summary>
public readonly record struct Paging(int Limit, int Offset)
{
    public static Paging From(HttpRequest request)
    {
        var problems = new List<FieldProblem>();
        var limit = Read(request, "limit", 50, 1, 200, problems);
        var offset = Read(request, "offset", 0, 0, int.MaxValue, problems);
        if (problems.Count > 0) throw new RequestValidationException(problems);
        return new Paging(limit, offset);
    }

    private static int Read(HttpRequest request, string name, int fallback, int min, int max, List<FieldProblem> problems)
    {
        var text = request.Query[name].ToString();
        if (text.Length == 0) return fallback;
        if (int.TryParse(text, out var value) && value >= min && value <= max) return value;
        problems.Add(new FieldProblem(["query", name], $"Input should be a whole number from {min} to {max}", "int_range"));
        return fallback;
    }

    /// <summary>The page of <paramref name="all"/> (already newest first), mapping only the items it returns.</summary>
    public IResult Answer<T>(IReadOnlyList<T> all, Func<T, JsonNode> toWire) =>
        ApiResults.Page(all.Skip(Offset).Take(Limit).Select(toWire), all.Count, Limit, Offset);
}
