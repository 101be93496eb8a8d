using System.Text;
using CompassPS.Client;
using Microsoft.AspNetCore.Http;
using Xunit;

namespace CompassPS.Tests;

public sealed class SseTests
{
    private const string RunId = "run-1";

    internal static string Event(long seq, string type, string extra = "") =>
        $"id: {seq}\nevent: {type}\ndata: {{\"type\":\"{type}\",\"run_id\":\"{RunId}\",\"seq\":{seq},\"ts\":\"2026-01-01T00:00:0{seq % 10}Z\"{extra}}}\n\n";

    /// <summary>The events of a whole run: started, 3 deltas, completed.</summary>
    internal static readonly string[] RunEvents =
    {
        Event(1, "run.started"),
        Event(2, "output.delta", ",\"node_id\":\"agent\",\"text\":\"Hel\""),
        Event(3, "output.delta", ",\"node_id\":\"agent\",\"text\":\"lo \""),
        Event(4, "output.delta", ",\"node_id\":\"agent\",\"text\":\"world\""),
        Event(5, "run.completed", ",\"output\":{\"answer\":\"Hello world\"},\"total_tokens\":12,\"duration_ms\":40"),
    };

    private static async Task WriteStream(HttpContext c, IEnumerable<string> chunks, bool flushEach = true)
    {
        c.Response.StatusCode = 200;
        c.Response.ContentType = "text/event-stream";
        foreach (var chunk in chunks)
        {
            await c.Response.WriteAsync(chunk);
            if (flushEach) await c.Response.Body.FlushAsync();
        }
    }

    /// <summary>
    /// Drops the connection once what was written has reached the client (an abort right after a write can
    /// reset the connection before the client reads it, which would test nothing).
    /// </summary>
    private static async Task AbortAfterDelivery(HttpContext c)
    {
        await Task.Delay(100);
        c.Abort();
    }

    /// <summary>Events after Last-Event-ID, as the contract says.</summary>
    private static IEnumerable<string> After(HttpContext c, IEnumerable<string> events)
    {
        var last = long.TryParse(c.Request.Headers["Last-Event-ID"].ToString(), out var l) ? l : 0;
        return events.Where(e => long.Parse(e.Split('\n')[0][4..]) > last);
    }

    private static async Task<List<RunEvent>> Collect(CompassClient client, CancellationToken token = default)
    {
        var list = new List<RunEvent>();
        await foreach (var e in client.StreamRunEventsAsync(RunId, 0, token)) list.Add(e);
        return list;
    }

    [Fact]
    public async Task Events_are_typed_keepalives_never_surface_and_the_stream_ends_at_the_terminal_event()
    {
        await using var server = await ScriptedServer.StartAsync();
        server.Handle(c => WriteStream(c, new[] { ": keepalive\n\n", RunEvents[0], ": keepalive\n\n", RunEvents[1], RunEvents[2], RunEvents[3], RunEvents[4], Event(6, "ignored.after.end") }));
        var events = await Collect(TestData.Client(server));

        Assert.Equal(new long[] { 1, 2, 3, 4, 5 }, events.Select(e => e.Seq));
        Assert.Equal("run.started", events[0].Type);
        Assert.Equal("Hello world", string.Concat(events.Where(e => e.Type == "output.delta").Select(e => e.Text)));
        Assert.Equal("agent", events[1].NodeId);
        Assert.Equal(12, events[4].TotalTokens);
        var seen = Assert.Single(server.Requests);
        Assert.Equal("/v1/streams/" + RunId, seen.Path);
        Assert.Equal("text/event-stream", seen.Headers["Accept"]);
        Assert.False(seen.Headers.ContainsKey("Last-Event-ID"));
    }

    [Fact]
    public async Task A_cut_stream_resumes_from_the_last_event_with_nothing_lost_or_repeated()
    {
        await using var server = await ScriptedServer.StartAsync();
        var streams = 0;
        server.Handle(async c =>
        {
            if (c.Request.Path.StartsWithSegments("/v1/runs")) { await ScriptedServer.Json(c, TestData.RunJson(RunId, "running")); return; }
            if (Interlocked.Increment(ref streams) == 1) { await WriteStream(c, RunEvents.Take(2)); await AbortAfterDelivery(c); return; }
            // The second connection replays one event too many on purpose: the client must skip it.
            var last = long.Parse(c.Request.Headers["Last-Event-ID"].ToString());
            await WriteStream(c, RunEvents.Skip((int)last - 1));
        });
        var log = new RecordingLog();
        var events = await Collect(TestData.Client(server, log: log));

        Assert.Equal(new long[] { 1, 2, 3, 4, 5 }, events.Select(e => e.Seq));
        Assert.Equal("2", server.Requests.Last(r => r.Path.StartsWith("/v1/streams")).Headers["Last-Event-ID"]);
        Assert.Contains("reconnecting", log.All());
    }

    [Fact]
    public async Task A_stream_cut_every_event_still_delivers_each_event_once_in_order()
    {
        await using var server = await ScriptedServer.StartAsync();
        server.Handle(async c =>
        {
            if (c.Request.Path.StartsWithSegments("/v1/runs")) { await ScriptedServer.Json(c, TestData.RunJson(RunId, "running")); return; }
            var next = After(c, RunEvents).Take(1).ToList();
            await WriteStream(c, next);
            if (!next.Any(e => e.Contains("run.completed"))) await AbortAfterDelivery(c);
        });
        var log = new RecordingLog();
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        List<RunEvent> events;
        try { events = await Collect(TestData.Client(server, o => o.MaxRetries = 2, log), limit.Token); }
        catch (OperationCanceledException) { throw new Exception(log.All()); }
        Assert.Equal(new long[] { 1, 2, 3, 4, 5 }, events.Select(e => e.Seq));
        Assert.Equal(5, server.Requests.Count(r => r.Path.StartsWith("/v1/streams")));
    }

    [Fact]
    public async Task When_streaming_keeps_failing_the_run_is_polled_and_its_stream_replayed_once_it_ends()
    {
        await using var server = await ScriptedServer.StartAsync();
        var polls = 0;
        server.Handle(async c =>
        {
            if (c.Request.Path.StartsWithSegments("/v1/runs"))
            {
                var done = Interlocked.Increment(ref polls) >= 2;
                await ScriptedServer.Json(c, TestData.RunJson(RunId, done ? "completed" : "running"));
                return;
            }
            if (polls < 2) { await ScriptedServer.Json(c, "{\"detail\":\"stream broken\"}", 502); return; }
            await WriteStream(c, After(c, RunEvents));
        });
        var log = new RecordingLog();
        var events = await Collect(TestData.Client(server, o => o.MaxRetries = 1, log));

        Assert.Equal(new long[] { 1, 2, 3, 4, 5 }, events.Select(e => e.Seq));
        Assert.Contains("polling the run", log.All());
        Assert.True(polls >= 2);
    }

    [Fact]
    public async Task When_the_final_replay_fails_too_the_terminal_event_comes_from_the_run()
    {
        await using var server = await ScriptedServer.StartAsync();
        server.Handle(async c =>
        {
            if (c.Request.Path.StartsWithSegments("/v1/runs")) { await ScriptedServer.Json(c, TestData.RunJson(RunId, "failed").Replace("\"error\":null", "\"error\":\"boom\"")); return; }
            await ScriptedServer.Json(c, "{\"detail\":\"unavailable\"}", 503);
        });
        var log = new RecordingLog();
        var events = await Collect(TestData.Client(server, o => o.MaxRetries = 1, log));

        var last = Assert.Single(events);
        Assert.Equal("run.failed", last.Type);
        Assert.Equal("boom", last.Error);
        Assert.Contains("WARNING", log.All());
    }

    [Fact]
    public async Task A_stream_closed_without_a_terminal_event_for_a_finished_run_ends_with_the_runs_state()
    {
        await using var server = await ScriptedServer.StartAsync();
        server.Handle(async c =>
        {
            if (c.Request.Path.StartsWithSegments("/v1/runs")) { await ScriptedServer.Json(c, TestData.RunJson(RunId, "completed")); return; }
            await WriteStream(c, RunEvents.Take(2));
        });
        var events = await Collect(TestData.Client(server));
        Assert.Equal(new[] { "run.started", "output.delta", "run.completed" }, events.Select(e => e.Type));
        Assert.Equal(3, events[2].Seq);
    }

    [Fact]
    public async Task Garbage_data_is_an_invalid_response_with_the_first_bytes()
    {
        await using var server = await ScriptedServer.StartAsync();
        server.Handle(c => WriteStream(c, new[] { RunEvents[0], "id: 2\nevent: output.delta\ndata: <html>oops</html>\n\n" }));
        var ex = await Assert.ThrowsAsync<CompassApiException>(() => Collect(TestData.Client(server)));
        Assert.Equal(CompassErrorKind.InvalidResponse, ex.Kind);
        Assert.Contains("<html>oops", ex.Message);
    }

    [Fact]
    public async Task Lines_without_a_field_the_parser_knows_are_ignored()
    {
        await using var server = await ScriptedServer.StartAsync();
        server.Handle(c => WriteStream(c, new[] { "garbage line\nmore:::\n\n", RunEvents[0], "\n\n\n", RunEvents[4] }));
        var events = await Collect(TestData.Client(server));
        Assert.Equal(new long[] { 1, 5 }, events.Select(e => e.Seq));
    }

    [Fact]
    public async Task A_json_answer_where_a_stream_was_expected_is_an_invalid_response()
    {
        await using var server = await ScriptedServer.StartAsync();
        server.Handle(c => ScriptedServer.Json(c, "{\"hello\":1}"));
        var ex = await Assert.ThrowsAsync<CompassApiException>(() => Collect(TestData.Client(server)));
        Assert.Equal(CompassErrorKind.InvalidResponse, ex.Kind);
        Assert.Contains("text/event-stream", ex.Message);
    }

    [Fact]
    public async Task A_silent_stream_counts_as_dropped_after_the_idle_limit()
    {
        await using var server = await ScriptedServer.StartAsync();
        server.Handle(async (c, n) =>
        {
            if (n == 0)
            {
                await WriteStream(c, RunEvents.Take(1));
                await Task.Delay(TimeSpan.FromSeconds(30), c.RequestAborted).ContinueWith(_ => { });
                return;
            }
            await WriteStream(c, After(c, RunEvents));
        });
        var events = await Collect(TestData.Client(server, o => o.StreamIdleSec = 1));
        Assert.Equal(new long[] { 1, 2, 3, 4, 5 }, events.Select(e => e.Seq));
        Assert.Equal("1", server.Requests.Last().Headers["Last-Event-ID"]);
    }

    [Fact]
    public async Task Cancelling_ends_a_waiting_stream_promptly()
    {
        await using var server = await ScriptedServer.StartAsync();
        server.Handle(async c =>
        {
            await WriteStream(c, RunEvents.Take(1));
            await Task.Delay(TimeSpan.FromSeconds(30), c.RequestAborted).ContinueWith(_ => { });
        });
        using var cts = new CancellationTokenSource();
        var client = TestData.Client(server);
        var enumerator = client.StreamRunEventsAsync(RunId, 0, cts.Token).GetAsyncEnumerator();
        Assert.True(await enumerator.MoveNextAsync());
        var pending = enumerator.MoveNextAsync().AsTask();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
        await enumerator.DisposeAsync();
    }
}
