using CompassPS.Client;
using Microsoft.AspNetCore.Http;
using Xunit;

namespace CompassPS.Tests.Reliability;

/// <summary>
/// Redirects between two real servers (the Authorization header must never reach another origin), plain http to
/// a host other than loopback (refused before any traffic), and the key in no stream whatever fails.
/// </summary>
public sealed class TransportAndSecretsTests
{
    private static Dictionary<string, object?> Vars(ScriptedServer server) =>
        new() { ["url"] = server.BaseUrl.ToString(), ["key"] = TestData.Key };

    [Theory]
    [InlineData(301)]
    [InlineData(302)]
    [InlineData(303)]
    [InlineData(307)]
    [InlineData(308)]
    public async Task A_redirect_to_another_origin_is_reported_and_the_other_origin_never_sees_the_key(int status)
    {
        await using var origin = await ScriptedServer.StartAsync();
        await using var elsewhere = await ScriptedServer.StartAsync();
        elsewhere.Handle(c => ScriptedServer.Json(c, TestData.RunJson("r1", "completed")));
        origin.Handle(c =>
        {
            c.Response.StatusCode = status;
            c.Response.Headers.Location = new Uri(elsewhere.BaseUrl, c.Request.Path + c.Request.QueryString).ToString();
            return Task.CompletedTask;
        });

        var result = await PowerShellHost.RunAsync(
            "$ctx = Connect-Compass -BaseUrl $url -ApiKey $key -SkipCheck -PassThru\n" +
            "Get-CompassRun -Id r1 -Context $ctx\n" +
            "Start-CompassRun -DeploymentId d1 -InputData @{ topic = 'x' } -Context $ctx\n" +
            "Watch-CompassRun -Id r1 -Context $ctx -TimeoutSec 10",
            Vars(origin), TimeSpan.FromSeconds(40));

        Assert.Null(result.Thrown);
        Assert.Equal(3, result.Errors.Count);
        Assert.All(result.Errors, e =>
        {
            Assert.Equal("CompassPS.InvalidResponse", e.FullyQualifiedErrorId.Split(',')[0]);
            Assert.Contains($"HTTP {status}", e.Exception.Message);
            Assert.Contains("redirect", e.Exception.Message);
        });
        Assert.Equal(0, elsewhere.Count);
        Assert.All(origin.Requests, r => Assert.Equal("Bearer " + TestData.Key, r.Headers["Authorization"]));
    }

    [Theory]
    [InlineData("http://compass.example.invalid")]
    [InlineData("http://10.20.30.40:8080")]
    [InlineData("http://[2001:db8::1]/")]
    [InlineData("http://127.0.0.1.example.invalid")]
    public async Task Plain_http_to_a_host_other_than_loopback_is_refused_before_any_traffic(string baseUrl)
    {
        var result = await PowerShellHost.RunAsync(
            "try { Connect-Compass -BaseUrl $target -ApiKey k_secret_value_1 -ErrorAction Stop } catch { $_.FullyQualifiedErrorId.Split(',')[0]; $_.Exception.Message }\n" +
            "$ctx = Connect-Compass -BaseUrl $target -ApiKey k_secret_value_1 -AllowUnencryptedAuthentication -SkipCheck -PassThru\n" +
            "$ctx.AllowUnencryptedAuthentication\n" +
            // The environment path has no switch to allow it: refused too.
            "$env:COMPASS_BASE_URL = $target; $env:COMPASS_API_KEY = 'k_secret_value_1'\n" +
            "try { Disconnect-Compass; Get-CompassRun -Id r1 -ErrorAction Stop } catch { $_.FullyQualifiedErrorId.Split(',')[0] }\n" +
            "finally { Remove-Item env:COMPASS_BASE_URL, env:COMPASS_API_KEY }",
            new Dictionary<string, object?> { ["target"] = baseUrl }, TimeSpan.FromSeconds(30));

        Assert.Null(result.Thrown);
        var lines = result.Output.Select(o => o.BaseObject).ToList();
        Assert.Equal("CompassPS.InsecureTransport", lines[0]);
        Assert.Contains("-AllowUnencryptedAuthentication", (string)lines[1]);
        Assert.DoesNotContain("k_secret_value_1", (string)lines[1]);
        Assert.Equal(true, lines[2]);
        Assert.Equal("CompassPS.InsecureTransport", lines[3]);
    }

    [Fact]
    public async Task Loopback_names_may_use_plain_http()
    {
        await using var server = await ScriptedServer.StartAsync();
        server.Handle(c => ScriptedServer.Json(c, TestData.RunJson("r1", "completed")));
        var localhost = new UriBuilder(server.BaseUrl) { Host = "localhost" }.Uri.ToString();
        var result = await PowerShellHost.RunAsync(
            "(Get-CompassRun -Id r1 -Context (Connect-Compass -BaseUrl $url -ApiKey $key -SkipCheck -PassThru)).Status",
            new Dictionary<string, object?> { ["url"] = localhost, ["key"] = TestData.Key }, TimeSpan.FromSeconds(30));
        Assert.Empty(result.Errors);
        Assert.Equal("completed", Assert.Single(result.Output).BaseObject);
    }

    private const string EventLine = "id: {0}\nevent: output.delta\ndata: {{\"type\":\"output.delta\",\"run_id\":\"r1\",\"seq\":{0},\"text\":\"w\"}}\n\n";

    [Fact]
    public async Task The_key_appears_in_no_stream_exception_or_ToString_whatever_fails()
    {
        await using var server = await ScriptedServer.StartAsync();
        var streams = 0;
        server.Handle(async c =>
        {
            var path = c.Request.Path.Value ?? "";
            switch (path)
            {
                case "/v1/runs/unauthorized":
                    await ScriptedServer.Json(c, "{\"detail\":\"Invalid API key\",\"code\":\"AUTH_INVALID\"}", 401); return;
                case "/v1/runs/missing":
                    await ScriptedServer.Json(c, "{\"detail\":\"Run not found\",\"code\":\"NOT_FOUND\"}", 404); return;
                case "/v1/runs/broken":
                    await ScriptedServer.Json(c, "{\"detail\":\"Internal error\"}", 500); return;
                case "/v1/runs/busy":
                    c.Response.Headers.RetryAfter = "0";
                    await ScriptedServer.Json(c, "{\"detail\":\"busy\",\"code\":\"RATE_LIMITED\"}", 429); return;
                case "/v1/runs/echo":
                    // A server (or proxy) that echoes the request headers back in its error page.
                    await ScriptedServer.Json(c, "<html>" + c.Request.Headers.Authorization + "</html>", 502); return;
                case "/v1/runs/echo-detail":
                    // A server that repeats the key in its own error message.
                    await ScriptedServer.Json(c, $"{{\"detail\":\"Invalid API key '{c.Request.Headers.Authorization.ToString()[7..]}'\",\"code\":\"AUTH_INVALID\"}}", 401); return;
                case "/v1/streams/r1":
                    c.Response.ContentType = "text/event-stream";
                    var n = Interlocked.Increment(ref streams);
                    await c.Response.WriteAsync(string.Format(EventLine, n));
                    if (n >= 3) await c.Response.WriteAsync("id: 4\nevent: run.completed\ndata: {\"type\":\"run.completed\",\"run_id\":\"r1\",\"seq\":4}\n\n");
                    return;
                default:
                    await ScriptedServer.Json(c, TestData.RunJson("r1", "running")); return;
            }
        });

        var result = await PowerShellHost.RunAsync(
            "$VerbosePreference = 'Continue'; $DebugPreference = 'Continue'; $ErrorActionPreference = 'Continue'\n" +
            "$ctx = Connect-Compass -BaseUrl $url -ApiKey $key -MaxRetries 1 -RetryMaxDelaySec 0 -SkipCheck -PassThru -Verbose -Debug\n" +
            "$all = & {\n" +
            "  \"$ctx\"; $ctx | Format-List * -Force | Out-String; $ctx | ConvertTo-Json -Depth 3 -WarningAction SilentlyContinue\n" +
            "  foreach ($id in 'unauthorized', 'missing', 'broken', 'busy', 'echo', 'echo-detail') { Get-CompassRun -Id $id -Context $ctx -Verbose -Debug }\n" +
            "  Watch-CompassRun -Id r1 -Context $ctx -Verbose -Debug\n" +
            "  Get-CompassRun -Context $ctx -Verbose -Debug | Select-Object -First 1\n" +
            "} *>&1\n" +
            "$all | Out-String -Width 500\n" +
            "$Error | ForEach-Object { $_ | Format-List * -Force | Out-String -Width 500; $_.Exception.ToString(); $_.InvocationInfo | Out-String -Width 500 }",
            Vars(server), TimeSpan.FromSeconds(60));

        Assert.Null(result.Thrown);
        var everything = string.Join("\n", result.Output.Select(o => o.ToString()))
            + string.Join("\n", result.Errors.Select(e => e.ToString() + e.Exception))
            + string.Join("\n", result.Verbose) + string.Join("\n", result.Debug) + string.Join("\n", result.Warnings);
        // The session really did fail in every way, and said so.
        foreach (var expected in new[] { "CompassPS.Unauthorized", "CompassPS.NotFound", "CompassPS.ServerError", "CompassPS.RateLimited",
                     "CompassPS.InvalidResponse", "Authorization: Bearer ********", "resuming", "retry 1 of 1",
                     "<html>Bearer ********</html>", "Invalid API key '********'" })
        {
            Assert.Contains(expected, everything);
        }
        Assert.DoesNotContain(TestData.Key, everything);
        Assert.DoesNotContain(TestData.Key["cmp_".Length..], everything);
    }
}
