using System.Text;
using CompassPS.Client;
using Microsoft.AspNetCore.Http;
using Xunit;

namespace CompassPS.Tests.Reliability;

/// <summary>
/// Resuming streams against a server that cuts every connection after a few events, the way the local server's
/// --fault-cut-stream-after does: the run usually ends while the client is between connections.
/// </summary>
public sealed class StreamResumeTests
{
    private const string RunId = "run-cut";

    private static string Event(long seq, string type, string extra = "") =>
        $"id: {seq}\nevent: {type}\ndata: {{\"type\":\"{type}\",\"run_id\":\"{RunId}\",\"seq\":{seq}{extra}}}\n\n";

    private static readonly string[] Events = Enumerable.Range(1, 11)
        .Select(i => i == 1 ? Event(1, "run.started")
            : i == 11 ? Event(11, "run.completed", ",\"output\":\"done\"")
            : Event(i, "output.delta", $",\"text\":\"w{i} \""))
        .ToArray();

    [Fact]
    public async Task A_stream_cut_after_the_run_ended_is_resumed_with_every_real_event_not_a_made_up_end()
    {
        await using var server = await ScriptedServer.StartAsync();
        server.Handle(async c =>
        {
            // The run is over; each connection replays from Last-Event-ID and is cut after 3 events.
            if (c.Request.Path.StartsWithSegments("/v1/runs")) { await ScriptedServer.Json(c, TestData.RunJson(RunId, "completed")); return; }
            var last = long.TryParse(c.Request.Headers["Last-Event-ID"].ToString(), out var l) ? l : 0;
            c.Response.ContentType = "text/event-stream";
            foreach (var e in Events.Skip((int)last).Take(3)) await c.Response.WriteAsync(e);
        });
        var log = new RecordingLog();
        var client = TestData.Client(server, log: log);

        var events = new List<RunEvent>();
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await foreach (var e in client.StreamRunEventsAsync(RunId, 0, limit.Token)) events.Add(e);

        Assert.Equal(Enumerable.Range(1, 11).Select(i => (long)i), events.Select(e => e.Seq));
        Assert.Equal(string.Concat(Enumerable.Range(2, 9).Select(i => $"w{i} ")), string.Concat(events.Select(e => e.Text)));
        Assert.Equal("done", events[^1].Output);
        Assert.DoesNotContain("WARNING", log.All());
        Assert.Contains("the stream closed after event 3; resuming", log.All());
        Assert.Equal(4, server.Requests.Count(r => r.Path.StartsWith("/v1/streams")));
    }
}
