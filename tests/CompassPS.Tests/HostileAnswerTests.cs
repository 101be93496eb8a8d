using System.Net;
using System.Text;
using CompassPS.Client;
using CompassPS.Tests.Reliability;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Xunit;

namespace CompassPS.Tests;

/// <summary>
/// Issue 15: the key echoed outside the body (reason phrase, X-Request-Id, Location, Retry-After, error code) and
/// in its encodings (base64 of the Authorization header, another case, JSON and HTML escapes, percent-encoding);
/// one overall deadline per call; error bodies bounded; a context serialized without its key.
/// </summary>
public sealed class HostileAnswerTests
{
    private static readonly string Key = TestData.Key;
    private static readonly string Bearer64 = Convert.ToBase64String(Encoding.UTF8.GetBytes("Bearer " + Key));
    private static readonly string Header64 = Convert.ToBase64String(Encoding.UTF8.GetBytes("Authorization: Bearer " + Key));
    private static readonly string JsonEscaped = string.Concat(Key.Select(ch => $"\\u{(int)ch:x4}"));
    private static readonly string HtmlDecimal = string.Concat(Key.Select(ch => $"&#{(int)ch};"));
    private static readonly string HtmlMixed = Key.Replace("_", "&lowbar;").Replace("c", "&#x63;");
    private static readonly string Percent = Key.Replace("_", "%5F");

    /// <summary>Every form of the key this test sends; none may come back in anything the module shows.</summary>
    private static readonly string[] Forms =
    {
        Key, Key.ToUpperInvariant(), Key["cmp_".Length..], Bearer64, Header64, Bearer64.TrimEnd('=').Replace('+', '-').Replace('/', '_'),
        JsonEscaped, HtmlDecimal, HtmlMixed, Percent,
    };

    private static void AssertNoKey(string shown)
    {
        foreach (var form in Forms) Assert.DoesNotContain(form, shown, StringComparison.OrdinalIgnoreCase);
        // Base64 of the key at any alignment, as it would sit inside a longer encoded header.
        foreach (var core in SecretMask.Base64Forms(Key)) Assert.DoesNotContain(core, shown);
    }

    private static string Everything(CompassApiException ex, RecordingLog log) =>
        string.Join("\n", ex.ToString(), ex.Message, ex.RequestId, ex.BodyPreview, ex.ServerMessage, ex.CompassCode, ex.Request, log.All());

    private static void ReasonPhrase(HttpContext c, string phrase) => c.Features.Get<IHttpResponseFeature>()!.ReasonPhrase = phrase;

    [Fact]
    public async Task A_reason_phrase_and_request_id_echoing_the_key_are_masked_in_the_error_and_the_debug_log()
    {
        await using var server = await ScriptedServer.StartAsync();
        server.Handle(async c =>
        {
            c.Response.StatusCode = 404;
            ReasonPhrase(c, "Bad " + Key);
            c.Response.Headers["X-Request-Id"] = "req-" + Key;
            c.Response.ContentType = "text/plain";
            await c.Response.WriteAsync("no such thing");
        });
        var log = new RecordingLog();
        var ex = await Assert.ThrowsAsync<CompassApiException>(() => TestData.Client(server, log: log).GetRunAsync("r1", default));

        Assert.Equal(CompassErrorKind.InvalidResponse, ex.Kind);
        Assert.Equal("req-********", ex.RequestId);
        Assert.Contains("404 Bad ********", ex.Message);
        Assert.Contains("HTTP 404 Bad ********", log.All());
        Assert.Contains("request id req-********", log.All());
        AssertNoKey(Everything(ex, log));
    }

    [Fact]
    public async Task A_reason_phrase_with_the_key_and_an_empty_body_is_masked()
    {
        await using var server = await ScriptedServer.StartAsync();
        server.Handle(c =>
        {
            c.Response.StatusCode = 404;
            ReasonPhrase(c, "Bad " + Key.ToUpperInvariant());
            return Task.CompletedTask;
        });
        var log = new RecordingLog();
        var ex = await Assert.ThrowsAsync<CompassApiException>(() => TestData.Client(server, log: log).GetRunAsync("r1", default));
        Assert.Equal(CompassErrorKind.NotFound, ex.Kind);
        Assert.Contains("Bad ********", ex.Message);
        AssertNoKey(Everything(ex, log));
    }

    [Fact]
    public async Task A_redirect_whose_location_carries_the_key_is_reported_masked()
    {
        await using var server = await ScriptedServer.StartAsync();
        server.Handle(c =>
        {
            c.Response.StatusCode = 302;
            c.Response.Headers.Location = "https://elsewhere.invalid/login?token=" + Key + "&b64=" + Bearer64;
            c.Response.Headers["X-Correlation-Id"] = Percent;
            return Task.CompletedTask;
        });
        var log = new RecordingLog();
        var ex = await Assert.ThrowsAsync<CompassApiException>(() => TestData.Client(server, log: log).GetRunAsync("r1", default));
        Assert.Equal(CompassErrorKind.InvalidResponse, ex.Kind);
        Assert.Contains("redirects to https://elsewhere.invalid/login?token=********", ex.Message);
        AssertNoKey(Everything(ex, log));
    }

    [Fact]
    public async Task Encoded_echoes_of_the_key_in_a_body_are_masked_in_the_preview()
    {
        var page = $"<html><pre>Authorization: {Bearer64}\n{Header64}\n{Key.ToUpperInvariant()}\n\"{JsonEscaped}\"\n{HtmlDecimal}\n{HtmlMixed}\n{Percent}</pre></html>";
        await using var server = await ScriptedServer.StartAsync();
        server.Handle(async c =>
        {
            c.Response.StatusCode = 502;
            c.Response.ContentType = "text/html";
            c.Response.Headers.RetryAfter = Key; // not a number: ignored, and shown nowhere
            await c.Response.WriteAsync(page);
        });
        var log = new RecordingLog();
        var ex = await Assert.ThrowsAsync<CompassApiException>(() => TestData.Client(server, o => o.MaxRetries = 1, log).GetRunAsync("r1", default));
        Assert.Equal(CompassErrorKind.InvalidResponse, ex.Kind);
        Assert.Contains("Authorization: ********", ex.BodyPreview);
        AssertNoKey(Everything(ex, log));
    }

    [Fact]
    public async Task A_json_error_whose_message_and_code_escape_the_key_is_masked()
    {
        await using var server = await ScriptedServer.StartAsync();
        server.Handle(c => ScriptedServer.Json(c, $"{{\"detail\":\"key {JsonEscaped} / {HtmlMixed} refused\",\"code\":\"BAD_{Key}\"}}", 401));
        var log = new RecordingLog();
        var ex = await Assert.ThrowsAsync<CompassApiException>(() => TestData.Client(server, log: log).GetRunAsync("r1", default));
        Assert.Equal(CompassErrorKind.Unauthorized, ex.Kind);
        Assert.Contains("key ******** / ******** refused", ex.Message);
        Assert.Equal("BAD_********", ex.CompassCode);
        AssertNoKey(Everything(ex, log));
    }

    [Fact]
    public void The_mask_leaves_text_without_the_key_alone_and_short_keys_exact()
    {
        Assert.Equal("GET /v1/runs/r1 (HTTP 404): &amp; \\u0041 %41 QmVhcmVy", SecretMask.Apply("GET /v1/runs/r1 (HTTP 404): &amp; \\u0041 %41 QmVhcmVy", Key));
        Assert.Equal("a ******** b K", SecretMask.Apply("a k b K", "k"));
    }

    // ---- one deadline per call -----------------------------------------------------------------------

    [Fact]
    public async Task Retries_stop_at_the_total_limit_and_the_error_names_it()
    {
        await using var server = await ScriptedServer.StartAsync();
        server.Handle(c => ScriptedServer.Json(c, "{\"detail\":\"busy\"}", 503));
        var ex = await Assert.ThrowsAsync<CompassApiException>(() => TestData.Client(server, o =>
        {
            o.MaxRetries = 100;
            o.RetryBaseDelaySec = 0.3;
            o.RetryMaxDelaySec = 0.3;
            o.TotalTimeoutSec = 1;
        }).GetRunAsync("r1", default));
        // Either the next wait would pass the limit (the last answer's kind, ServerError) or the limit cut the
        // last attempt short (Timeout); both say which limit ended the call.
        Assert.Contains(ex.Kind, new[] { CompassErrorKind.ServerError, CompassErrorKind.Timeout });
        Assert.Contains("TotalTimeoutSec", ex.Message);
        // Waits of at least 0.15 s within one second: far fewer than the 101 attempts MaxRetries allows.
        Assert.InRange(server.Count, 1, 20);
    }

    [Fact]
    public async Task An_attempt_cut_by_the_total_limit_is_a_timeout_naming_it_not_the_per_attempt_limit()
    {
        await using var server = await ScriptedServer.StartAsync();
        server.Handle(c => Task.Delay(TimeSpan.FromSeconds(30), c.RequestAborted).ContinueWith(_ => { }));
        var ex = await Assert.ThrowsAsync<CompassApiException>(() => TestData.Client(server, o =>
        {
            o.TimeoutSec = 60;
            o.TotalTimeoutSec = 1;
        }).GetRunAsync("r1", default));
        Assert.Equal(CompassErrorKind.Timeout, ex.Kind);
        Assert.Contains("all attempts of one call may take together (TotalTimeoutSec)", ex.Message);
        Assert.Equal(1, server.Count);

        var perAttempt = await Assert.ThrowsAsync<CompassApiException>(() => TestData.Client(server, o =>
        {
            o.TimeoutSec = 1;
            o.MaxRetries = 0;
            o.TotalTimeoutSec = 0;
        }).GetRunAsync("r1", default));
        Assert.Equal(CompassErrorKind.Timeout, perAttempt.Kind);
        Assert.Contains("(TimeoutSec, the limit of one attempt)", perAttempt.Message);
    }

    // ---- what the server decides the module holds ------------------------------------------------------

    [Fact]
    public async Task An_endless_error_body_is_read_only_up_to_its_bound_and_the_status_still_decides()
    {
        await using var server = await ScriptedServer.StartAsync();
        server.Handle(async (c, n) =>
        {
            if (n > 0) { await ScriptedServer.Json(c, TestData.RunJson("r1")); return; }
            c.Response.StatusCode = 503;
            c.Response.ContentType = "text/html";
            var chunk = Encoding.ASCII.GetBytes(new string('x', 64 * 1024));
            try
            {
                // Up to 4 GiB, lazily: the client must hang up long before.
                for (long sent = 0; sent < 4L << 30; sent += chunk.Length) await c.Response.Body.WriteAsync(chunk, c.RequestAborted);
            }
            catch (Exception) { }
        });
        // The 503 is retried as a 503 (not refused as a body too large), and the retry succeeds.
        var run = await TestData.Client(server).GetRunAsync("r1", default);
        Assert.Equal("r1", run.Id);
        Assert.Equal(2, server.Count);
    }

    // ---- a context serializes without its key -----------------------------------------------------------

    [Fact]
    public async Task A_context_serializes_without_its_key()
    {
        var path = Path.Combine(Path.GetTempPath(), "compassps-context-" + Guid.NewGuid().ToString("N") + ".xml");
        try
        {
            var result = await PowerShellHost.RunAsync(
                "$ctx = Connect-Compass -BaseUrl 'http://127.0.0.1:1' -ApiKey $key -TotalTimeoutSec 42 -PassThru -SkipCheck\n" +
                "$ctx | Export-Clixml -Path $path -Depth 5\n" +
                "Get-CompassContext | Export-Clixml -Path ($path + '.default') -Depth 5\n" +
                "[System.Management.Automation.PSSerializer]::Serialize($ctx, 5)\n" +
                "$ctx | ConvertTo-Json -Depth 5 -WarningAction SilentlyContinue\n" +
                "Get-Content -Raw -Path $path\nGet-Content -Raw -Path ($path + '.default')\n" +
                "$back = Import-Clixml -Path $path; 'BaseUrl=' + $back.BaseUrl; 'TotalTimeoutSec=' + $back.TotalTimeoutSec\n" +
                "$ctx | Format-List * -Force | Out-String",
                new Dictionary<string, object?> { ["key"] = Key, ["path"] = path });
            Assert.Null(result.Thrown);
            Assert.Empty(result.Errors);
            var all = string.Join("\n", result.Output.Select(o => o.ToString()));
            Assert.Contains("BaseUrl=http://127.0.0.1:1", all);
            Assert.Contains("TotalTimeoutSec=42", all);
            Assert.DoesNotContain("<SS", all);
            Assert.DoesNotContain("ApiKey", all);
            AssertNoKey(all);
            // The UTF-16 hex a SecureString becomes in CliXml on Linux and macOS.
            var hex = string.Concat(Encoding.Unicode.GetBytes(Key).Select(b => b.ToString("x2")));
            Assert.DoesNotContain(hex, all, StringComparison.OrdinalIgnoreCase);

            // A context read back from the file cannot be used, and says why.
            var reuse = await PowerShellHost.RunAsync("Get-CompassRun -Id r1 -Context (Import-Clixml -Path $path)",
                new Dictionary<string, object?> { ["path"] = path });
            var error = Assert.Single(reuse.Errors);
            Assert.StartsWith("ParameterArgumentTransformationError", error.FullyQualifiedErrorId);
            Assert.Contains("carries no API key", error.Exception.Message);
        }
        finally
        {
            File.Delete(path);
            File.Delete(path + ".default");
        }
    }
}

/// <summary>What the runtime bounds for the module: response headers (64 KiB on .NET and .NET Framework alike).</summary>
public sealed class HostileHeaderTests
{
    [Fact]
    public async Task A_header_block_past_the_runtime_limit_is_one_connection_error_not_a_buffer_without_end()
    {
        await using var server = await ScriptedServer.StartAsync();
        server.Handle(c =>
        {
            for (var i = 0; i < 16; i++) c.Response.Headers["X-Padding-" + i] = new string('p', 8 * 1024);
            return ScriptedServer.Json(c, TestData.RunJson("r1"));
        });
        var ex = await Assert.ThrowsAsync<CompassApiException>(() => TestData.Client(server, o => o.MaxRetries = 0).GetRunAsync("r1", default));
        Assert.Equal(CompassErrorKind.ConnectionFailed, ex.Kind);
        Assert.Contains("65536", ex.Message);
    }
}

public sealed class HostileLinkTests
{
    [Fact]
    public async Task A_next_link_carrying_the_key_is_followed_but_masked_in_the_debug_log_and_the_error()
    {
        await using var server = await ScriptedServer.StartAsync();
        var items = "[" + TestData.RunJson("r0") + "]";
        server.Handle((c, n) => n == 0
            ? ScriptedServer.Json(c, $"{{\"items\":{items},\"next\":\"/v1/runs/{TestData.Key}/?token={TestData.Key}\"}}")
            : ScriptedServer.Json(c, "{\"detail\":\"gone\"}", 410));
        var log = new RecordingLog();
        var ex = await Assert.ThrowsAsync<CompassApiException>(async () =>
        {
            await foreach (var _ in TestData.Client(server, log: log).ListRunsAsync(new RunFilter(), 0, null, default)) { }
        });
        Assert.Equal(2, server.Count);
        Assert.Contains("/v1/runs/********/?token=********", log.All());
        var shown = string.Join("\n", ex.ToString(), ex.Request, log.All());
        Assert.DoesNotContain(TestData.Key, shown);
        Assert.Contains("GET /v1/runs/********/", ex.Request);
    }
}

public sealed class HostileListCmdletTests
{
    /// <summary>Get-CompassRun against a pager without end: the page's runs once, then exactly one error record.</summary>
    [Fact]
    public async Task Get_CompassRun_against_the_same_page_for_ever_writes_its_runs_once_and_one_InvalidResponse()
    {
        await using var server = await ScriptedServer.StartAsync();
        var page = "{\"items\":[" + string.Join(",", Enumerable.Range(0, 100).Select(i => TestData.RunJson("r" + i))) + "],\"has_more\":true,\"total\":1000000000000}";
        server.Handle(c => ScriptedServer.Json(c, page));
        var result = await PowerShellHost.RunAsync(
            "Connect-Compass -BaseUrl $url -ApiKey $key -SkipCheck\nGet-CompassRun -ErrorAction Continue",
            new Dictionary<string, object?> { ["url"] = server.BaseUrl.ToString(), ["key"] = TestData.Key }, TimeSpan.FromSeconds(60));
        Assert.Null(result.Thrown);
        Assert.Equal(100, result.Output.Count);
        Assert.Equal(100, result.Output.Select(o => o.Properties["Id"].Value).Distinct().Count());
        var error = Assert.Single(result.Errors);
        Assert.StartsWith("CompassPS.InvalidResponse", error.FullyQualifiedErrorId);
        Assert.Equal(2, server.Count);
    }
}
