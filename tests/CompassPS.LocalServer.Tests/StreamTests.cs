using System.Net;

namespace CompassPS.LocalServer.Tests;

[Collection(SharedServerCollection.Name)]
public sealed class StreamTests(SharedServer shared)
{
    private TestServer Server => shared.Server;

    [Fact]
    public async Task A_stream_frames_every_event_with_id_type_and_json_data_then_closes_after_the_terminal_event()
    {
        var client = Server.Client();
        var run = await client.StartDemoRunAsync("streams");
        var runId = (string)run["id"]!;

        var (response, frames) = await SseReader.ReadAllAsync(client, $"v1/streams/{runId}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var events = frames.Events();
        Assert.NotEmpty(events);
        for (var i = 0; i < events.Count; i++)
        {
            var json = events[i].Json;
            Assert.Equal((i + 1).ToString(), events[i].Id);
            Assert.Equal(i + 1, (int)json["seq"]!);
            Assert.Equal(events[i].Event, (string?)json["type"]);
            Assert.Equal(runId, (string?)json["run_id"]);
            Assert.EndsWith("Z", (string?)json["ts"]);
        }
        Assert.Equal("run.started", events[0].Event);
        Assert.Equal("run.completed", events[^1].Event);
        var completed = events[^1].Json;
        Assert.NotNull(completed["output"]);
        Assert.True((int)completed["total_tokens"]! > 0);
        Assert.NotNull(completed["duration_ms"]);
        foreach (var type in new[] { "node.started", "node.completed", "tool_call.started", "tool_call.completed", "output.delta" })
            Assert.Contains(events, e => e.Event == type);
        Assert.True(events.Count(e => e.Event == "output.delta") > 1, "the answer should arrive in pieces");
    }

    [Fact]
    public async Task Last_event_id_and_after_replay_from_the_next_event()
    {
        var client = Server.Client();
        var runId = (string)(await client.StartDemoRunAsync("replay"))["id"]!;
        var (_, all) = await SseReader.ReadAllAsync(client, $"v1/streams/{runId}");
        var events = all.Events();
        Assert.True(events.Count >= 4);

        var (_, fromHeader) = await SseReader.ReadAllAsync(client, $"v1/streams/{runId}", lastEventId: "2");
        Assert.Equal(events.Skip(2).Select(e => e.Data), fromHeader.Events().Select(e => e.Data));

        var (_, fromQuery) = await SseReader.ReadAllAsync(client, $"v1/streams/{runId}?after=3");
        Assert.Equal(events.Skip(3).Select(e => e.Id), fromQuery.Events().Select(e => e.Id));

        // Resuming after the last event of a finished run: nothing more, and the stream closes at once.
        var (_, none) = await SseReader.ReadAllAsync(client, $"v1/streams/{runId}", lastEventId: events[^1].Id);
        Assert.Empty(none.Events());
    }

    [Fact]
    public async Task A_bad_last_event_id_is_422()
    {
        var client = Server.Client();
        var runId = (string)(await client.StartDemoRunAsync())["id"]!;
        var (response, _) = await SseReader.ReadAllAsync(client, $"v1/streams/{runId}", lastEventId: "seven");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
    }

    [Fact]
    public async Task A_failed_run_streams_run_failed_with_its_error()
    {
        var client = Server.Client();
        var (_, created) = await client.PostJsonAsync("v1/runs/", new { deployment_id = TestServer.DemoDeploymentId, input_data = new { } });
        var (_, frames) = await SseReader.ReadAllAsync(client, $"v1/streams/{created!["id"]}");
        var last = frames.Events()[^1];
        Assert.Equal("run.failed", last.Event);
        Assert.Contains("topic", (string?)last.Json["error"]);
    }

    [Fact]
    public async Task Many_readers_of_one_run_see_the_same_events()
    {
        var client = Server.Client();
        var runId = (string)(await client.StartDemoRunAsync("fan out"))["id"]!;
        var reads = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => SseReader.ReadAllAsync(client, $"v1/streams/{runId}")));
        var first = reads[0].Frames.Events().Select(e => e.Data).ToList();
        Assert.All(reads, r => Assert.Equal(first, r.Frames.Events().Select(e => e.Data)));
    }
}

/// <summary>Streams of runs that take real time: live delivery, keepalives while quiet, and cancellation.</summary>
public sealed class LiveStreamTests : IAsyncLifetime
{
    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync("--delay-scale", "20", "--keepalive-sec", "0.2");

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task A_quiet_stream_sends_keepalive_comments_and_a_cancelled_run_ends_it_with_run_cancelled()
    {
        var client = _server.Client();
        var runId = (string)(await client.StartDemoRunAsync("slow"))["id"]!;
        var reading = SseReader.ReadAllAsync(client, $"v1/streams/{runId}");

        // Wait until a keepalive has certainly been due a few times, then cancel.
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            await Task.Delay(300);
            var (_, so_far) = await client.GetJsonAsync($"v1/runs/{runId}");
            if ((string?)so_far!["status"] == "running") break;
        }
        await Task.Delay(1000);
        var (cancel, cancelled) = await client.PostJsonAsync($"v1/runs/{runId}/cancel");
        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        Assert.Equal("cancelled", (string?)cancelled!["status"]);

        var (_, frames) = await reading;
        Assert.Contains(frames, f => f.Comment == "keepalive");
        var events = frames.Events();
        Assert.Equal("run.started", events[0].Event);
        Assert.Equal("run.cancelled", events[^1].Event);
        Assert.Single(events, e => e.Event!.StartsWith("run.") && e.Event != "run.started");

        var (again, againBody) = await client.PostJsonAsync($"v1/runs/{runId}/cancel");
        Http.AssertError(again, againBody, 409, "RUN_ALREADY_FINISHED");
    }

    [Fact]
    public async Task The_first_event_arrives_while_the_run_is_still_going()
    {
        var client = _server.Client();
        var runId = (string)(await client.StartDemoRunAsync("live"))["id"]!;
        var (_, frames) = await SseReader.ReadAllAsync(client, $"v1/streams/{runId}", stopAfter: f => f.Event == "run.started");
        Assert.Equal("run.started", frames.Events()[0].Event);
        var (_, run) = await client.GetJsonAsync($"v1/runs/{runId}");
        Assert.Equal("running", (string?)run!["status"]);
        await client.PostJsonAsync($"v1/runs/{runId}/cancel");
    }

    [Fact]
    public async Task Stopping_the_server_ends_open_streams_instead_of_waiting_for_them()
    {
        var server = await TestServer.StartAsync("--delay-scale", "50");
        // A client of its own: the server's clients are disposed with it, which would end the read from this side.
        using var client = new HttpClient { BaseAddress = server.BaseUrl };
        client.DefaultRequestHeaders.Authorization = new("Bearer", TestServer.ProjectKey);
        var runId = (string)(await client.StartDemoRunAsync("open stream"))["id"]!;
        var reading = SseReader.ReadAllAsync(client, $"v1/streams/{runId}", timeout: TimeSpan.FromSeconds(60));
        await client.WaitForRunAsync(runId, untilStatuses: "running");

        var clock = System.Diagnostics.Stopwatch.StartNew();
        await server.DisposeAsync();
        // Generous bound: without ending the streams, shutdown waits out ASP.NET Core's 30 s timeout.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"stopping took {clock.Elapsed}");
        var (_, frames) = await reading;
        Assert.DoesNotContain(frames.Events(), e => e.Event is "run.completed" or "run.failed" or "run.cancelled");
    }
}
