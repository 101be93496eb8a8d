using System.Net;
using System.Text;
using CompassPS.Client;
using Microsoft.AspNetCore.Http;
using Xunit;

namespace CompassPS.Tests;

public sealed class ErrorDecodingTests
{
    private static async Task<CompassApiException> Fail(int status, string body, string contentType = "application/json", Action<Microsoft.AspNetCore.Http.HttpContext>? headers = null)
    {
        await using var server = await ScriptedServer.StartAsync();
        server.Handle(async c =>
        {
            headers?.Invoke(c);
            c.Response.StatusCode = status;
            c.Response.ContentType = contentType;
            await c.Response.WriteAsync(body);
        });
        return await Assert.ThrowsAsync<CompassApiException>(() => TestData.Client(server, o => o.MaxRetries = 0).GetRunAsync("r1", default));
    }

    [Theory]
    [InlineData(401, CompassErrorKind.Unauthorized, "UNAUTHORIZED")]
    [InlineData(403, CompassErrorKind.AdminKeyRequired, "ADMIN_KEY_REQUIRED")]
    [InlineData(403, CompassErrorKind.Forbidden, "FORBIDDEN")]
    [InlineData(404, CompassErrorKind.NotFound, "RUN_NOT_FOUND")]
    [InlineData(409, CompassErrorKind.Conflict, "CONFLICT")]
    [InlineData(400, CompassErrorKind.ValidationFailed, "BAD")]
    [InlineData(418, CompassErrorKind.RequestRejected, "TEAPOT")]
    [InlineData(500, CompassErrorKind.ServerError, "INTERNAL")]
    public async Task Statuses_and_codes_map_to_kinds(int status, CompassErrorKind kind, string code)
    {
        var ex = await Fail(status, $"{{\"detail\":\"the server says no\",\"code\":\"{code}\"}}", headers: c => c.Response.Headers["X-Request-Id"] = "req-42");
        Assert.Equal(kind, ex.Kind);
        Assert.Equal((HttpStatusCode)status, ex.StatusCode);
        Assert.Equal(code, ex.CompassCode);
        Assert.Equal("the server says no", ex.ServerMessage);
        Assert.Equal("req-42", ex.RequestId);
        Assert.Contains("the server says no", ex.Message);
        Assert.Contains("GET /v1/runs/r1", ex.Message);
    }

    [Fact]
    public async Task A_422_list_of_field_problems_is_one_readable_message()
    {
        var ex = await Fail(422, """{"detail":[{"loc":["body","input_data","topic"],"msg":"field required","type":"missing"},{"loc":["body","deployment_id"],"msg":"bad id","type":"x"}],"code":"VALIDATION_ERROR"}""");
        Assert.Equal(CompassErrorKind.ValidationFailed, ex.Kind);
        Assert.Equal("body.input_data.topic: field required; body.deployment_id: bad id", ex.ServerMessage);
    }

    [Theory]
    [InlineData("""{"message":"plain message"}""", "plain message")]
    [InlineData("""{"error":{"message":"nested","code":"E1"}}""", "nested")]
    [InlineData("""{"error":"just text"}""", "just text")]
    [InlineData("\"bare string\"", "bare string")]
    public async Task Other_error_shapes_are_read(string body, string message)
    {
        var ex = await Fail(404, body);
        Assert.Equal(CompassErrorKind.NotFound, ex.Kind);
        Assert.Equal(message, ex.ServerMessage);
    }

    [Fact]
    public async Task An_html_error_page_is_an_invalid_response_with_status_and_first_bytes()
    {
        var ex = await Fail(502, "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>", "text/html");
        Assert.Equal(CompassErrorKind.InvalidResponse, ex.Kind);
        Assert.Equal(HttpStatusCode.BadGateway, ex.StatusCode);
        Assert.Contains("502 Bad Gateway", ex.BodyPreview);
        Assert.Contains("HTTP 502", ex.Message);
    }

    [Fact]
    public async Task An_empty_error_body_maps_by_status()
    {
        var ex = await Fail(404, "");
        Assert.Equal(CompassErrorKind.NotFound, ex.Kind);
    }

    [Fact]
    public async Task A_redirect_is_never_followed()
    {
        await using var target = await ScriptedServer.StartAsync();
        target.Handle(c => ScriptedServer.Json(c, TestData.RunJson("r1")));
        await using var server = await ScriptedServer.StartAsync();
        server.Handle(c => { c.Response.StatusCode = 307; c.Response.Headers.Location = new Uri(target.BaseUrl, "/v1/runs/r1").ToString(); return Task.CompletedTask; });

        var ex = await Assert.ThrowsAsync<CompassApiException>(() => TestData.Client(server).GetRunAsync("r1", default));
        Assert.Equal(CompassErrorKind.InvalidResponse, ex.Kind);
        Assert.Contains("never follows a redirect", ex.Message);
        Assert.Equal(0, target.Count);
        Assert.Equal(1, server.Count);
    }

    [Fact]
    public async Task A_body_larger_than_the_limit_is_refused_without_reading_it_all()
    {
        await using var server = await ScriptedServer.StartAsync();
        server.Handle(async c =>
        {
            c.Response.ContentType = "application/json";
            var chunk = Encoding.UTF8.GetBytes(new string(' ', 64 * 1024));
            for (var i = 0; i < 64 && !c.RequestAborted.IsCancellationRequested; i++) await c.Response.Body.WriteAsync(chunk);
        });
        var ex = await Assert.ThrowsAsync<CompassApiException>(() => TestData.Client(server, o => o.MaxResponseBytes = 1024 * 1024).GetRunAsync("r1", default));
        Assert.Equal(CompassErrorKind.InvalidResponse, ex.Kind);
        Assert.Contains("larger than", ex.Message);
    }
}
