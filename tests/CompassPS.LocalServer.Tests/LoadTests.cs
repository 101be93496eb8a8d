using System.Net;

namespace CompassPS.LocalServer.Tests;

public sealed class LoadTests
{
    [Fact]
    public async Task A_burst_of_1000_runs_all_complete_and_their_streams_read_concurrently()
    {
        await using var server = await TestServer.StartAsync("--delay-scale", "0", "--max-concurrent-runs", "16");
        var client = server.Client();
        const int count = 1000;

        // Every run is dispatched in one burst and its stream opened at once, so the streams are read while the runs
        // wait for a slot and execute (at most 16 at a time).
        var eventCounts = new int[count];
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = count }, async (i, _) =>
        {
            var (response, body) = await client.PostJsonAsync("v1/runs/", new { deployment_id = TestServer.DemoDeploymentId, input_data = new { topic = $"burst {i}" } });
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            var (streamResponse, frames) = await SseReader.ReadAllAsync(client, $"v1/streams/{body!["id"]}", timeout: TimeSpan.FromSeconds(120));
            Assert.Equal(HttpStatusCode.OK, streamResponse.StatusCode);
            var events = frames.Events();
            Assert.Equal("run.started", events[0].Event);
            Assert.Equal("run.completed", events[^1].Event);
            eventCounts[i] = events.Count;
        });
        Assert.All(eventCounts, n => Assert.True(n > 2));

        var (_, completed) = await client.GetJsonAsync("v1/runs/?status=completed&limit=1");
        Assert.Equal(count, (int)completed!["total"]!);
    }

    [Fact]
    public async Task A_run_of_tens_of_thousands_of_events_streams_completely_and_in_order_live_and_replayed()
    {
        await using var server = await TestServer.StartAsync("--delay-scale", "0");
        var client = server.Client();
        // The local model answers word by word from its prompt: a long topic makes a long stream.
        var topic = string.Join(' ', Enumerable.Range(0, 20_000).Select(i => $"w{i}"));
        var runId = (string)(await client.StartDemoRunAsync(topic))["id"]!;

        var (_, live) = await SseReader.ReadAllAsync(client, $"v1/streams/{runId}", timeout: TimeSpan.FromSeconds(120));
        var events = live.Events();
        Assert.True(events.Count > 20_000, $"only {events.Count} events");
        Assert.Equal("run.completed", events[^1].Event);
        for (var i = 0; i < events.Count; i++) Assert.Equal((i + 1).ToString(), events[i].Id);

        var (_, replayed) = await SseReader.ReadAllAsync(client, $"v1/streams/{runId}", lastEventId: "10000", timeout: TimeSpan.FromSeconds(120));
        Assert.Equal(events.Skip(10_000).Select(e => e.Data), replayed.Events().Select(e => e.Data));
    }
}
