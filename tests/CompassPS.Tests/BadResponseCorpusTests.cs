using System.Net;
using System.Text;
using CompassPS.Client;
using Microsoft.AspNetCore.Http;
using Xunit;

namespace CompassPS.Tests;

/// <summary>
/// What a server, a proxy or a broken network may send instead of a Compass answer. Each case must end in one
/// CompassApiException of the expected kind (InvalidResponse unless the status says otherwise), carrying the status
/// and the first bytes of the body — never another exception type, never a hang.
/// </summary>
public sealed class BadResponseCorpusTests
{
    public sealed record Case(string Name, int Status, string ContentType, byte[] Body, CompassErrorKind Expected, string Call = "run")
    {
        public override string ToString() => Name;
    }

    private static Case Text(string name, int status, string contentType, string body, CompassErrorKind expected = CompassErrorKind.InvalidResponse, string call = "run") =>
        new(name, status, contentType, Encoding.UTF8.GetBytes(body), expected, call);

    private static readonly string Run = TestData.RunJson("r1");

    public static readonly Case[] Cases =
    {
        Text("html 200 page", 200, "text/html", "<!DOCTYPE html><html><body>Welcome to nginx!</body></html>"),
        Text("html 502 from a proxy", 502, "text/html", "<html><head><title>502 Bad Gateway</title></head></html>"),
        Text("html 503 maintenance page", 503, "text/html", "<html><body>Down for maintenance</body></html>"),
        Text("html 404 from a wrong base url", 404, "text/html", "<html><body>Not Found</body></html>"),
        Text("html 401 login page", 401, "text/html", "<html><form action=/login></form></html>"),
        Text("plain text 500", 500, "text/plain", "Internal error: NullReferenceException at line 12"),
        Text("truncated object", 200, "application/json", Run[..(Run.Length / 2)]),
        Text("truncated after a key", 200, "application/json", "{\"id\":"),
        Text("trailing garbage", 200, "application/json", Run + "}}}"),
        Text("two objects", 200, "application/json", Run + Run),
        Text("single quotes", 200, "application/json", "{'id':'r1','status':'running'}"),
        Text("unquoted keys", 200, "application/json", "{id:\"r1\",status:\"running\"}"),
        Text("NaN value", 200, "application/json", "{\"id\":\"r1\",\"status\":\"running\",\"total_tokens\":NaN}"),
        Text("comment in json", 200, "application/json", "{/* c */\"id\":\"r1\",\"status\":\"running\"}"),
        Text("empty body 200", 200, "application/json", ""),
        Text("whitespace body", 200, "application/json", "   \n\t "),
        Text("json null", 200, "application/json", "null"),
        Text("json number", 200, "application/json", "42"),
        Text("json string", 200, "application/json", "\"ok\""),
        Text("array instead of object", 200, "application/json", "[" + Run + "]"),
        Text("status is a number", 200, "application/json", "{\"id\":\"r1\",\"status\":3}"),
        Text("id is an object", 200, "application/json", "{\"id\":{\"v\":1},\"status\":\"running\"}"),
        Text("tokens is a string", 200, "application/json", "{\"id\":\"r1\",\"status\":\"running\",\"total_tokens\":\"12\"}"),
        Text("created_at not a date", 200, "application/json", "{\"id\":\"r1\",\"status\":\"running\",\"created_at\":\"soon\"}"),
        Text("created_at a number", 200, "application/json", "{\"id\":\"r1\",\"status\":\"running\",\"created_at\":1700000000}"),
        Text("missing id", 200, "application/json", "{\"status\":\"running\"}"),
        Text("missing status", 200, "application/json", "{\"id\":\"r1\"}"),
        new("invalid utf-8", 200, "application/json", Encoding.UTF8.GetBytes("{\"id\":\"r1\",\"status\":\"").Concat(new byte[] { 0xFF, 0xFE }).Concat(Encoding.UTF8.GetBytes("\"}")).ToArray(), CompassErrorKind.InvalidResponse),
        new("binary garbage", 200, "application/octet-stream", new byte[] { 0x00, 0xFF, 0x13, 0x37, 0xC3, 0x28, 0x89 }, CompassErrorKind.InvalidResponse),
        new("gzip header without gzip", 200, "application/json", new byte[] { 0x1F, 0x8B, 0x08, 0x00, 0x00 }, CompassErrorKind.InvalidResponse),
        Text("deeply nested", 200, "application/json", new string('[', 5000) + new string(']', 5000)),
        Text("list: items not an array", 200, "application/json", "{\"items\":{\"a\":1},\"total\":1}", call: "list"),
        Text("list: no items field", 200, "application/json", "{\"runs\":[]}", call: "list"),
        Text("list: a string", 200, "application/json", "\"items\"", call: "list"),
        Text("list: item of wrong type", 200, "application/json", "{\"items\":[1,2,3],\"total\":3}", call: "list"),
        Text("list: total a string", 200, "application/json", "{\"items\":[],\"total\":\"many\"}", call: "list"),
        Text("list: html", 200, "text/html", "<html>list</html>", call: "list"),
        Text("error body not json, 422", 422, "text/plain", "Unprocessable"),
        Text("error body array of numbers", 400, "application/json", "[1,2]"),
        Text("redirect 301", 301, "text/html", "<a href=/elsewhere>moved</a>"),
        Text("redirect 308 without location", 308, "text/plain", ""),
        Text("1xx-like odd status 299", 299, "application/json", "{nope"),
        Text("stream: json instead of events", 200, "application/json", "{\"events\":[]}", call: "stream"),
        Text("stream: html instead of events", 200, "text/html", "<html>events</html>", call: "stream"),
        Text("stream: garbage data", 200, "text/event-stream", "id: 1\nevent: run.started\ndata: not json\n\n", call: "stream"),
        Text("stream: event data an array", 200, "text/event-stream", "id: 1\nevent: run.started\ndata: [1]\n\n", call: "stream"),
        Text("stream: event without seq or id", 200, "text/event-stream", "event: run.started\ndata: {\"type\":\"run.started\"}\n\n", call: "stream"),
        Text("stream: seq a string", 200, "text/event-stream", "id: 1\ndata: {\"type\":\"run.started\",\"seq\":\"one\"}\n\n", call: "stream"),
        Text("stream: truncated json", 200, "text/event-stream", "id: 1\nevent: run.started\ndata: {\"type\":\"run.st\n\n", call: "stream"),
    };

    public static IEnumerable<object[]> CaseData => Cases.Select(c => new object[] { c });

    [Fact]
    public void The_corpus_has_at_least_30_cases() => Assert.True(Cases.Length >= 30, $"{Cases.Length} cases");

    [Theory]
    [MemberData(nameof(CaseData))]
    public async Task Each_bad_response_is_one_clear_error(Case bad)
    {
        await using var server = await ScriptedServer.StartAsync();
        server.Handle(async c =>
        {
            c.Response.StatusCode = bad.Status;
            c.Response.ContentType = bad.ContentType;
            if (bad.Status is 301 or 308 && bad.Name.Contains("301")) c.Response.Headers.Location = "http://127.0.0.1:1/elsewhere";
            await c.Response.Body.WriteAsync(bad.Body);
        });
        var client = TestData.Client(server, o => { o.MaxRetries = 1; o.TimeoutSec = 5; });
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        Func<Task> call = bad.Call switch
        {
            "list" => async () => { await foreach (var _ in client.ListRunsAsync(new RunFilter(), 0, null, limit.Token)) { } },
            "stream" => async () => { await foreach (var _ in client.StreamRunEventsAsync("r1", 0, limit.Token)) { } },
            _ => () => client.GetRunAsync("r1", limit.Token),
        };

        var ex = await Assert.ThrowsAsync<CompassApiException>(call);
        Assert.False(limit.IsCancellationRequested, "the call hung");
        Assert.Equal(bad.Expected, ex.Kind);
        Assert.Equal((HttpStatusCode)bad.Status, ex.StatusCode);
        Assert.Contains($"HTTP {bad.Status}", ex.Message);
        if (bad.Body.Length > 0 && bad.Status < 300 && bad.Call != "stream") Assert.False(string.IsNullOrEmpty(ex.BodyPreview));
        Assert.DoesNotContain(TestData.Key, ex.ToString());
    }
}
