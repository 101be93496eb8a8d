using System.Management.Automation;
using System.Text;
using CompassPS.Client;
using Microsoft.AspNetCore.Http;
using Xunit;

namespace CompassPS.Tests.Reliability;

/// <summary>
/// A corpus of answers no Compass server should send but proxies, gateways and broken servers do. Each case runs a
/// cmdlet in-process against a scripted server on 127.0.0.1 and must end, within a bound, in exactly one ErrorRecord
/// (CompassPS.InvalidResponse with the HTTP status and the first bytes of the body, or the named other id), or in a
/// tolerant success this class documents; never an unhandled exception, a terminating error or a hang.
/// </summary>
public sealed class MalformedResponseCorpusTests
{
    private const string RunId = "r1";

    private const string GetRun = "Get-CompassRun -Id r1 -Context $ctx";
    private const string ListRuns = "Get-CompassRun -Context $ctx";
    private const string StartRun = "Start-CompassRun -DeploymentId d1 -InputData @{ topic = 'x' } -Context $ctx";
    private const string WatchRun = "Watch-CompassRun -Id r1 -Context $ctx -TimeoutSec 4";
    private const string ListDeployments = "Get-CompassDeployment -Context $ctx";

    /// <summary>What a case must end in.</summary>
    private abstract record Outcome;
    /// <summary>One CompassPS.InvalidResponse whose message holds the status and <paramref name="BodyStart"/>.</summary>
    private sealed record Invalid(int Status, string BodyStart) : Outcome;
    /// <summary>One error with another id (e.g. a timeout for a silent stream).</summary>
    private sealed record OtherError(string ErrorId) : Outcome;
    /// <summary>No error; the output is checked by <paramref name="Check"/>.</summary>
    private sealed record Tolerated(Action<IReadOnlyList<PSObject>> Check) : Outcome;

    private sealed record Case(string Script, Func<HttpContext, Task> Answer, Outcome Expected);

    private static string Run(string status = "running", string extra = "") => TestData.RunJson(RunId, status, extra: extra);

    private static string Event(long seq, string type, string extra = "") =>
        $"id: {seq}\nevent: {type}\ndata: {{\"type\":\"{type}\",\"run_id\":\"{RunId}\",\"seq\":{seq}{extra}}}\n\n";

    private static Func<HttpContext, Task> Body(int status, string contentType, string body) => async c =>
    {
        c.Response.StatusCode = status;
        if (contentType.Length > 0) c.Response.ContentType = contentType;
        await c.Response.WriteAsync(body);
    };

    private static Func<HttpContext, Task> Bytes(int status, string contentType, byte[] body) => async c =>
    {
        c.Response.StatusCode = status;
        c.Response.ContentType = contentType;
        await c.Response.Body.WriteAsync(body);
    };

    /// <summary>A stream endpoint answering <paramref name="stream"/>; the run itself reads as <paramref name="runStatus"/>.</summary>
    private static Func<HttpContext, Task> Stream(string stream, string runStatus = "running", string contentType = "text/event-stream") => async c =>
    {
        if (c.Request.Path.StartsWithSegments("/v1/runs")) { await ScriptedServer.Json(c, Run(runStatus)); return; }
        c.Response.ContentType = contentType;
        await c.Response.WriteAsync(stream);
    };

    private const string ProxyPage = "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1><p>nginx</p></body></html>";
    private const string LoginPage = "<html><body><form action=\"/sso/login\">Sign in to continue</form></body></html>";

    private static readonly Dictionary<string, Case> Cases = new()
    {
        // Pages from something in front of the server.
        ["html login page with 200 (get)"] = new(GetRun, Body(200, "text/html", LoginPage), new Invalid(200, "<html><body><form")),
        ["html login page with 200 (list)"] = new(ListRuns, Body(200, "text/html", LoginPage), new Invalid(200, "<html><body><form")),
        ["html login page with 200 (dispatch)"] = new(StartRun, Body(200, "text/html", LoginPage), new Invalid(200, "<html><body><form")),
        ["html 502 page from a proxy (get, retried)"] = new(GetRun, Body(502, "text/html", ProxyPage), new Invalid(502, "<!DOCTYPE html><html><head><title>502 Bad Gateway")),
        ["html 502 page from a proxy (dispatch)"] = new(StartRun, Body(502, "text/html", ProxyPage), new Invalid(502, "<!DOCTYPE html>")),
        ["html 503 page (list, retried)"] = new(ListDeployments, Body(503, "text/html", "<html>Service Unavailable</html>"), new Invalid(503, "<html>Service Unavailable")),
        ["html 404 page from a proxy"] = new(GetRun, Body(404, "text/html", "<html><h1>Not Found</h1></html>"), new Invalid(404, "<html><h1>Not Found")),
        ["html 418 page"] = new(GetRun, Body(418, "text/html", "<p>I'm a teapot</p>"), new Invalid(418, "<p>I'm a teapot")),
        ["plain text OK"] = new(GetRun, Body(200, "text/plain", "OK"), new Invalid(200, "OK")),

        // JSON that is not JSON.
        ["truncated json object"] = new(GetRun, Body(200, "application/json", "{\"id\":\"r1\",\"status\":"), new Invalid(200, "{\"id\":\"r1\",\"status\":")),
        ["truncated json list"] = new(ListRuns, Body(200, "application/json", "{\"items\":[{\"id\":\"r1\",\"status\":\"completed\"},{\"id\":\"r2\""), new Invalid(200, "{\"items\":[{\"id\":\"r1\"")),
        ["json with trailing garbage"] = new(GetRun, Body(200, "application/json", Run() + " xyz"), new Invalid(200, "{\"id\":\"r1\"")),
        ["single quotes"] = new(GetRun, Body(200, "application/json", "{'id':'r1','status':'running'}"), new Invalid(200, "{'id':'r1'")),
        ["binary garbage"] = new(GetRun, Bytes(200, "application/json", Enumerable.Range(0, 300).Select(i => (byte)(i * 37 % 256)).ToArray()), new Invalid(200, "")),
        ["nesting deeper than any answer"] = new(GetRun, Body(200, "application/json", new string('[', 5000) + new string(']', 5000)), new Invalid(200, "[[[[[[[[")),
        ["truncated error body with 500"] = new(GetRun, Body(500, "application/json", "{\"detail\":\"database"), new Invalid(500, "{\"detail\":\"database")),

        // Valid JSON of the wrong shape.
        ["status is a number"] = new(GetRun, Body(200, "application/json", "{\"id\":\"r1\",\"status\":5}"), new Invalid(200, "{\"id\":\"r1\",\"status\":5}")),
        ["id is an object"] = new(GetRun, Body(200, "application/json", "{\"id\":{\"a\":1},\"status\":\"running\"}"), new Invalid(200, "{\"id\":{\"a\":1}")),
        ["created_at is not a time"] = new(GetRun, Body(200, "application/json", Run().Replace("\"2026-01-01T00:00:00Z\"", "\"yesterday\"")), new Invalid(200, "{\"id\":\"r1\"")),
        ["total_tokens is a string"] = new(GetRun, Body(200, "application/json", Run().Replace("\"total_tokens\":0", "\"total_tokens\":\"many\"")), new Invalid(200, "{\"id\":\"r1\"")),
        ["a run without an id"] = new(GetRun, Body(200, "application/json", "{\"status\":\"running\"}"), new Invalid(200, "{\"status\":\"running\"}")),
        ["null"] = new(GetRun, Body(200, "application/json", "null"), new Invalid(200, "null")),
        ["a string where a run belongs"] = new(GetRun, Body(200, "application/json", "\"hello\""), new Invalid(200, "\"hello\"")),
        ["an array where a run belongs"] = new(GetRun, Body(200, "application/json", "[1,2]"), new Invalid(200, "[1,2]")),
        ["items is an object"] = new(ListRuns, Body(200, "application/json", "{\"items\":{\"id\":\"r1\"},\"total\":1}"), new Invalid(200, "{\"items\":{\"id\":\"r1\"}")),
        ["a list without items"] = new(ListRuns, Body(200, "application/json", "{\"total\":3}"), new Invalid(200, "{\"total\":3}")),
        ["a list item that is a number"] = new(ListRuns, Body(200, "application/json", $"{{\"items\":[{Run()},42],\"total\":2}}"), new Invalid(200, "{\"items\":[{\"id\":\"r1\"")),
        ["the dispatch answer has the wrong shape"] = new(StartRun, Body(201, "application/json", "{\"run\":\"created\"}"), new Invalid(201, "{\"run\":\"created\"}")),

        // Empty and huge bodies.
        ["empty body with 200 (get)"] = new(GetRun, Body(200, "application/json", ""), new Invalid(200, "(empty body)")),
        ["empty body with 200 (list)"] = new(ListRuns, Body(200, "application/json", ""), new Invalid(200, "(empty body)")),
        ["empty body with 201 (dispatch)"] = new(StartRun, Body(201, "", ""), new Invalid(201, "(empty body)")),
        ["204 where a run belongs"] = new(GetRun, c => { c.Response.StatusCode = 204; return Task.CompletedTask; }, new Invalid(204, "(empty body)")),
        ["a declared body of 10 GB"] = new(GetRun, c =>
        {
            c.Response.ContentType = "application/json";
            c.Response.ContentLength = 10L * 1024 * 1024 * 1024;
            return c.Response.WriteAsync("{\"id\":\"r1\"");
        }, new Invalid(200, "bytes CompassPS reads")),
        ["a streamed body beyond the 64 MB limit"] = new(ListRuns, async c =>
        {
            c.Response.ContentType = "application/json";
            var block = Encoding.ASCII.GetBytes("[" + new string(' ', 1024 * 1024 - 1));
            for (var i = 0; i < 66 && !c.RequestAborted.IsCancellationRequested; i++) await c.Response.Body.WriteAsync(block, c.RequestAborted);
        }, new Invalid(200, "bytes CompassPS reads")),

        // Streams.
        ["a stream of garbage data"] = new(WatchRun, Stream(Event(1, "run.started") + "id: 2\nevent: output.delta\ndata: <html>oops</html>\n\n"), new Invalid(200, "<html>oops</html>")),
        ["a stream event without seq or id"] = new(WatchRun, Stream("event: run.started\ndata: {\"type\":\"run.started\"}\n\n"), new Invalid(200, "{\"type\":\"run.started\"}")),
        ["a stream event whose data is an array"] = new(WatchRun, Stream("id: 1\ndata: [1,2,3]\n\n"), new Invalid(200, "[1,2,3]")),
        ["an html page where a stream belongs"] = new(WatchRun, Stream(LoginPage, contentType: "text/html"), new Invalid(200, "<html><body><form")),
        ["json where a stream belongs"] = new(WatchRun, Stream(Run(), contentType: "application/json"), new Invalid(200, "{\"id\":\"r1\"")),
        ["a stream that never sends an event"] = new(WatchRun, async c =>
        {
            if (c.Request.Path.StartsWithSegments("/v1/runs")) { await ScriptedServer.Json(c, Run("running")); return; }
            c.Response.ContentType = "text/event-stream";
            await c.Response.Body.FlushAsync();
            await Task.Delay(TimeSpan.FromSeconds(20), c.RequestAborted).ContinueWith(_ => { });
        }, new OtherError("CompassPS.Timeout")),

        // Tolerated on purpose (documented in docs/reliability.md).
        ["a bare array instead of the envelope"] = new(ListRuns, Body(200, "application/json", $"[{Run()},{TestData.RunJson("r2", "completed")}]"),
            new Tolerated(output => Assert.Equal(new[] { "r1", "r2" }, output.Select(o => o.Properties["Id"].Value))) ),
        ["a data envelope"] = new(ListRuns, Body(200, "application/json", $"{{\"data\":[{Run()}],\"has_more\":false}}"),
            new Tolerated(output => Assert.Equal("r1", Assert.Single(output).Properties["Id"].Value))),
        ["a results envelope"] = new(ListRuns, Body(200, "application/json", $"{{\"results\":[{Run()}]}}"),
            new Tolerated(output => Assert.Equal("r1", Assert.Single(output).Properties["Id"].Value))),
        ["an unknown status"] = new(GetRun, Body(200, "application/json", Run("paused_by_admin")),
            new Tolerated(output => Assert.Equal("paused_by_admin", Assert.Single(output).Properties["Status"].Value))),
        ["unknown extra fields"] = new(GetRun, Body(200, "application/json", Run(extra: ",\"cost_usd\":1.5,\"labels\":[\"a\"]")),
            new Tolerated(output => Assert.Equal("r1", Assert.Single(output).Properties["Id"].Value))),
        ["a good run served as text/html"] = new(GetRun, Body(200, "text/html", Run("completed")),
            new Tolerated(output => Assert.Equal("completed", Assert.Single(output).Properties["Status"].Value))),
        ["a stream with garbage lines, comments and an unknown event"] = new(WatchRun,
            Stream("garbage line\nmore:::\n\n: keepalive\n\n" + Event(1, "run.started") + "retry: abc\n\n" + Event(2, "custom.thing") + ": x\n" + Event(3, "run.completed")),
            new Tolerated(output => Assert.Equal(new object[] { 1L, 2L, 3L }, output.Select(o => o.Properties["Seq"].Value)))),
    };

    public static TheoryData<string> CaseNames()
    {
        var names = new TheoryData<string>();
        foreach (var name in Cases.Keys) names.Add(name);
        return names;
    }

    [Fact]
    public void The_corpus_has_at_least_30_malformed_answers()
    {
        Assert.True(Cases.Values.Count(c => c.Expected is not Tolerated) >= 30);
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public async Task Each_malformed_answer_ends_in_one_clear_error_or_a_documented_success(string name)
    {
        var @case = Cases[name];
        await using var server = await ScriptedServer.StartAsync();
        server.Handle(@case.Answer);
        var script = "$ctx = Connect-Compass -BaseUrl $url -ApiKey $key -MaxRetries 1 -RetryMaxDelaySec 0 -TimeoutSec 10 -SkipCheck -PassThru\n" + @case.Script;
        var result = await PowerShellHost.RunAsync(script, new Dictionary<string, object?> { ["url"] = server.BaseUrl.ToString(), ["key"] = TestData.Key },
            TimeSpan.FromSeconds(40));

        Assert.Null(result.Thrown);
        foreach (var error in result.Errors) Assert.DoesNotContain(TestData.Key, error.ToString());
        switch (@case.Expected)
        {
            case Invalid invalid:
                var error = Assert.Single(result.Errors);
                Assert.Equal("CompassPS.InvalidResponse", error.FullyQualifiedErrorId.Split(',')[0]);
                Assert.Equal(ErrorCategory.InvalidResult, error.CategoryInfo.Category);
                var exception = Assert.IsType<CompassApiException>(error.Exception);
                Assert.Equal(invalid.Status, (int?)exception.StatusCode);
                Assert.Contains($"HTTP {invalid.Status}", exception.Message);
                Assert.Contains(invalid.BodyStart, exception.Message);
                Assert.DoesNotContain(result.Output, o => o.BaseObject is Run);
                break;
            case OtherError other:
                Assert.Equal(other.ErrorId, Assert.Single(result.Errors).FullyQualifiedErrorId.Split(',')[0]);
                break;
            case Tolerated tolerated:
                Assert.Empty(result.Errors);
                tolerated.Check(result.Output);
                break;
        }
    }
}
