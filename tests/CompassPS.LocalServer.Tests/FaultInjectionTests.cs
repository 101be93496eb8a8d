using System.Diagnostics;
using System.Net;
using CompassPS.LocalServer.Store;

namespace CompassPS.LocalServer.Tests;

public sealed class FaultInjectionTests
{
    [Theory]
    [InlineData("--fault-429-rate", 429, "RATE_LIMITED")]
    [InlineData("--fault-503-rate", 503, "SERVICE_UNAVAILABLE")]
    public async Task Refused_requests_carry_retry_after_and_a_refused_dispatch_creates_no_run(string option, int status, string code)
    {
        await using var server = await TestServer.StartAsync(option, "1", "--fault-retry-after", "7", "--delay-scale", "0");
        var client = server.Client();

        var (response, body) = await client.PostJsonAsync("v1/runs/", new { deployment_id = TestServer.DemoDeploymentId, input_data = new { topic = "x" } });
        Http.AssertError(response, body, status, code);
        Assert.Equal(TimeSpan.FromSeconds(7), response.Headers.RetryAfter?.Delta);
        lock (server.Service<DataStore>().Gate) Assert.Empty(server.Service<DataStore>().Runs);

        // The OpenAPI document is never faulted, so tools can always discover the server.
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("v1/openapi.json")).StatusCode);
    }

    [Fact]
    public async Task Partial_rates_refuse_some_requests_and_serve_the_rest()
    {
        await using var server = await TestServer.StartAsync("--fault-503-rate", "0.5", "--fault-seed", "7", "--delay-scale", "0");
        var client = server.Client();
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 40; i++) statuses.Add((await client.GetAsync("v1/deployments/")).StatusCode);
        Assert.Contains(HttpStatusCode.ServiceUnavailable, statuses);
        Assert.Contains(HttpStatusCode.OK, statuses);
        Assert.All(statuses, s => Assert.True(s is HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable));
    }

    [Fact]
    public async Task A_reset_dispatch_has_created_its_run_and_a_retry_with_the_same_key_makes_no_second_run()
    {
        await using var server = await TestServer.StartAsync("--fault-reset-rate", "1", "--delay-scale", "0");
        var store = server.Service<DataStore>();
        var client = server.Client();
        var key = Guid.NewGuid().ToString();
        var body = new { deployment_id = TestServer.DemoDeploymentId, input_data = new { topic = "reset" } };

        await Assert.ThrowsAsync<HttpRequestException>(() =>
            client.SendAsync(HttpMethod.Post, "v1/runs/", body, r => r.Headers.Add("Idempotency-Key", key)));
        string createdId;
        lock (store.Gate) createdId = Assert.Single(store.Runs.Values, r => r.ParentRunId is null).Id;

        // Every other request is reset before it is handled.
        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync($"v1/runs/{createdId}"));
        await Assert.ThrowsAsync<HttpRequestException>(() =>
            client.SendAsync(HttpMethod.Post, "v1/runs/", body, r => r.Headers.Add("Idempotency-Key", key)));
        lock (store.Gate) Assert.Single(store.Runs.Values, r => r.ParentRunId is null);
    }

    [Fact]
    public async Task A_stream_cut_after_n_events_resumes_with_last_event_id_without_loss_or_repeat()
    {
        await using var server = await TestServer.StartAsync("--fault-cut-stream-after", "2", "--delay-scale", "0");
        var client = server.Client();
        var runId = (string)(await client.StartDemoRunAsync("cut"))["id"]!;
        await client.WaitForRunAsync(runId);

        var collected = new List<SseFrame>();
        string? lastId = null;
        for (var connection = 0; connection < 100; connection++)
        {
            var (_, frames) = await SseReader.ReadAllAsync(client, $"v1/streams/{runId}", lastEventId: lastId);
            var events = frames.Events();
            Assert.True(events.Count <= 2);
            collected.AddRange(events);
            if (events.Count == 0 || events[^1].Event == "run.completed") break;
            lastId = events[^1].Id;
        }
        Assert.Equal("run.completed", collected[^1].Event);
        Assert.Equal(Enumerable.Range(1, collected.Count).Select(i => i.ToString()), collected.Select(e => e.Id));
    }

    [Fact]
    public async Task Added_latency_delays_every_request()
    {
        await using var server = await TestServer.StartAsync("--fault-latency-ms", "300", "--delay-scale", "0");
        var client = server.Client();
        var clock = Stopwatch.StartNew();
        var response = await client.GetAsync("v1/deployments/");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(clock.ElapsedMilliseconds >= 290, $"took {clock.ElapsedMilliseconds} ms");
    }
}
