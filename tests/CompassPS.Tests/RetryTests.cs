using System.Net;
using System.Net.Sockets;
using CompassPS.Client;
using Xunit;

namespace CompassPS.Tests;

public sealed class RetryTests
{
    [Theory]
    [InlineData(429)]
    [InlineData(502)]
    [InlineData(503)]
    [InlineData(504)]
    public async Task Reads_retry_the_transient_statuses_and_succeed(int status)
    {
        await using var server = await ScriptedServer.StartAsync();
        server.Handle((c, n) => n < 2 ? ScriptedServer.Json(c, "{\"detail\":\"busy\"}", status) : ScriptedServer.Json(c, TestData.RunJson("r1")));
        var log = new RecordingLog();
        var run = await TestData.Client(server, log: log).GetRunAsync("r1", default);
        Assert.Equal("r1", run.Id);
        Assert.Equal(3, server.Count);
        Assert.Contains($"HTTP {status}; retry 1 of 3", log.All());
    }

    [Fact]
    public async Task Retry_after_in_seconds_is_honoured()
    {
        await using var server = await ScriptedServer.StartAsync();
        server.Handle((c, n) =>
        {
            if (n > 0) return ScriptedServer.Json(c, TestData.RunJson("r1"));
            c.Response.Headers["Retry-After"] = "1";
            return ScriptedServer.Json(c, "{\"detail\":\"slow down\"}", 429);
        });
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await TestData.Client(server, o => o.RetryMaxDelaySec = 5).GetRunAsync("r1", default);
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(0.9), $"retried after {clock.Elapsed}");
    }

    [Fact]
    public async Task Retry_after_as_an_http_date_is_honoured_and_capped_by_the_maximum_delay()
    {
        await using var server = await ScriptedServer.StartAsync();
        server.Handle((c, n) =>
        {
            if (n > 0) return ScriptedServer.Json(c, TestData.RunJson("r1"));
            c.Response.Headers["Retry-After"] = DateTimeOffset.UtcNow.AddHours(1).ToString("R");
            return ScriptedServer.Json(c, "{\"detail\":\"maintenance\"}", 503);
        });
        var log = new RecordingLog();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await TestData.Client(server, o => o.RetryMaxDelaySec = 0.2, log).GetRunAsync("r1", default);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30));
        Assert.Contains("in 0.2 s (Retry-After)", log.All());
    }

    [Fact]
    public void Backoff_grows_exponentially_with_jitter_and_stays_under_the_cap()
    {
        var options = new CompassClientOptions(new Uri("http://127.0.0.1"), "k") { RetryBaseDelaySec = 1, RetryMaxDelaySec = 10 };
        for (var i = 0; i < 50; i++)
        {
            var first = RetryPolicy.Delay(options, 1, null).TotalSeconds;
            var third = RetryPolicy.Delay(options, 3, null).TotalSeconds;
            var tenth = RetryPolicy.Delay(options, 10, null).TotalSeconds;
            Assert.InRange(first, 0.5, 1.0);
            Assert.InRange(third, 2.0, 4.0);
            Assert.InRange(tenth, 5.0, 10.0);
        }
        var distinct = Enumerable.Range(0, 20).Select(_ => RetryPolicy.Delay(options, 2, null).TotalSeconds).Distinct().Count();
        Assert.True(distinct > 1, "no jitter");
    }

    [Fact]
    public async Task After_the_last_retry_the_error_says_so()
    {
        await using var server = await ScriptedServer.StartAsync();
        server.Handle(c => ScriptedServer.Json(c, "{\"detail\":\"too many\",\"code\":\"RATE_LIMITED\"}", 429));
        var ex = await Assert.ThrowsAsync<CompassApiException>(() => TestData.Client(server, o => o.MaxRetries = 2).GetRunAsync("r1", default));
        Assert.Equal(CompassErrorKind.RateLimited, ex.Kind);
        Assert.Equal(3, server.Count);
        Assert.Contains("gave up after 3 attempts", ex.Message);
        Assert.Equal("too many", ex.ServerMessage);
    }

    [Fact]
    public async Task MaxRetries_zero_sends_once()
    {
        await using var server = await ScriptedServer.StartAsync();
        server.Handle(c => ScriptedServer.Json(c, "{\"detail\":\"down\"}", 503));
        var ex = await Assert.ThrowsAsync<CompassApiException>(() => TestData.Client(server, o => o.MaxRetries = 0).GetRunAsync("r1", default));
        Assert.Equal(CompassErrorKind.ServerError, ex.Kind);
        Assert.Equal(1, server.Count);
    }

    [Fact]
    public async Task A_500_is_not_retried()
    {
        await using var server = await ScriptedServer.StartAsync();
        server.Handle(c => ScriptedServer.Json(c, "{\"detail\":\"bug\"}", 500));
        var ex = await Assert.ThrowsAsync<CompassApiException>(() => TestData.Client(server).GetRunAsync("r1", default));
        Assert.Equal(CompassErrorKind.ServerError, ex.Kind);
        Assert.Equal(1, server.Count);
    }

    [Fact]
    public async Task A_dispatch_is_retried_with_the_same_idempotency_key()
    {
        await using var server = await ScriptedServer.StartAsync();
        server.Handle((c, n) => n switch
        {
            0 => ScriptedServer.Json(c, "{\"detail\":\"busy\"}", 503),
            1 => ScriptedServer.Json(c, "{\"detail\":\"gateway\"}", 502),
            _ => ScriptedServer.Json(c, TestData.RunJson("r1", "pending"), 201),
        });
        var dispatch = new RunDispatch { DeploymentId = "d" };
        await TestData.Client(server).CreateRunAsync(dispatch, default);
        var keys = server.Requests.Select(r => r.Headers["Idempotency-Key"]).Distinct().ToList();
        Assert.Equal(3, server.Count);
        Assert.Equal(new[] { dispatch.IdempotencyKey }, keys);
    }

    [Fact]
    public async Task Two_dispatches_have_different_keys()
    {
        await using var server = await ScriptedServer.StartAsync();
        server.Handle(c => ScriptedServer.Json(c, TestData.RunJson("r1", "pending"), 201));
        var client = TestData.Client(server);
        await client.CreateRunAsync(new RunDispatch { DeploymentId = "d" }, default);
        await client.CreateRunAsync(new RunDispatch { DeploymentId = "d" }, default);
        Assert.Equal(2, server.Requests.Select(r => r.Headers["Idempotency-Key"]).Distinct().Count());
    }

    [Fact]
    public async Task A_refused_connection_is_retried_then_reported()
    {
        var port = FreePort();
        var log = new RecordingLog();
        var client = TestData.Client(new Uri($"http://127.0.0.1:{port}"), o => o.MaxRetries = 2, log);
        var ex = await Assert.ThrowsAsync<CompassApiException>(() => client.GetRunAsync("r1", default));
        Assert.Equal(CompassErrorKind.ConnectionFailed, ex.Kind);
        Assert.Contains("retry 2 of 2", log.All());
        Assert.DoesNotContain(TestData.Key, ex.ToString());
    }

    [Fact]
    public async Task A_slow_answer_times_out_and_reads_are_retried()
    {
        await using var server = await ScriptedServer.StartAsync();
        server.Handle(async (c, n) =>
        {
            if (n == 0) await Task.Delay(TimeSpan.FromSeconds(10), c.RequestAborted).ContinueWith(_ => { });
            else await ScriptedServer.Json(c, TestData.RunJson("r1"));
        });
        var run = await TestData.Client(server, o => o.TimeoutSec = 1).GetRunAsync("r1", default);
        Assert.Equal("r1", run.Id);
        Assert.Equal(2, server.Count);
    }

    [Fact]
    public async Task A_timeout_after_every_retry_is_a_timeout_error()
    {
        await using var server = await ScriptedServer.StartAsync();
        server.Handle(async c => await Task.Delay(TimeSpan.FromSeconds(10), c.RequestAborted).ContinueWith(_ => { }));
        var ex = await Assert.ThrowsAsync<CompassApiException>(() => TestData.Client(server, o => { o.TimeoutSec = 1; o.MaxRetries = 1; }).GetRunAsync("r1", default));
        Assert.Equal(CompassErrorKind.Timeout, ex.Kind);
    }

    [Fact]
    public void Dispatch_safety_rules()
    {
        // A write without an idempotency key is retried only where the server cannot have acted on it.
        Assert.True(RetryPolicy.MayRetry(RequestSafety.Unsafe, FailureStage.NotSent));
        Assert.True(RetryPolicy.MayRetry(RequestSafety.Unsafe, FailureStage.RejectedBeforeProcessing));
        Assert.False(RetryPolicy.MayRetry(RequestSafety.Unsafe, FailureStage.Ambiguous));
        Assert.True(RetryPolicy.MayRetry(RequestSafety.IdempotentByKey, FailureStage.Ambiguous));
        Assert.False(RetryPolicy.MayRetry(RequestSafety.Idempotent, FailureStage.Permanent));
        Assert.Equal(FailureStage.NotSent, RetryPolicy.StageOf(new HttpRequestException("x", new SocketException((int)SocketError.ConnectionRefused))));
        Assert.Equal(FailureStage.Ambiguous, RetryPolicy.StageOf(new HttpRequestException("x", new SocketException((int)SocketError.ConnectionReset))));
        Assert.Equal(FailureStage.RejectedBeforeProcessing, RetryPolicy.StageOf(HttpStatusCode.TooManyRequests));
        Assert.Equal(FailureStage.Ambiguous, RetryPolicy.StageOf(HttpStatusCode.GatewayTimeout));
    }

    internal static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
