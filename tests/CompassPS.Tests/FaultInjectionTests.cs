using System.Collections.Concurrent;
using System.Text;
using CompassPS.Client;
using Xunit;
using Xunit.Abstractions;

namespace CompassPS.Tests;

/// <summary>
/// The module's promise under a hostile network, against the real local server with its fault injection on:
/// 20% of requests answered 503 (Retry-After), 5% of connections reset (a dispatch's reset comes after the run was
/// created), every stream cut after 5 events.
/// </summary>
public sealed class FaultInjectionTests
{
    private readonly ITestOutputHelper _output;

    public FaultInjectionTests(ITestOutputHelper output) => _output = output;

    private static CompassClient Client(LocalServer server, ICompassLog? log = null) =>
        new(new CompassTransport(new CompassClientOptions(server.BaseUrl, LocalServer.ProjectKey)
        {
            MaxRetries = 12,
            RetryBaseDelaySec = 0.01,
            RetryMaxDelaySec = 0.05,
            TimeoutSec = 30,
        }), log);

    [Fact]
    public async Task Five_hundred_runs_are_created_once_each_and_every_event_arrives_once_in_order()
    {
        const int runCount = 500;
        await using var server = await LocalServer.StartAsync("--delay-scale", "0", "--max-concurrent-runs", "32",
            "--fault-503-rate", "0.2", "--fault-reset-rate", "0.05", "--fault-cut-stream-after", "5");
        var log = new CountingLog();
        var client = Client(server, log);
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var created = new ConcurrentBag<Run>();
        await Parallel.ForEachAsync(Enumerable.Range(0, runCount), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
        {
            var dispatch = new RunDispatch { DeploymentId = LocalServer.DemoDeploymentId, InputJson = Encoding.UTF8.GetBytes($"{{\"topic\":\"topic {i}\"}}") };
            created.Add(await client.CreateRunAsync(dispatch, ct));
        });
        Assert.Equal(runCount, created.Select(r => r.Id).Distinct().Count());
        var dispatchSeconds = clock.Elapsed.TotalSeconds;

        var streamed = new ConcurrentDictionary<string, List<RunEvent>>();
        await Parallel.ForEachAsync(created, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (run, ct) =>
        {
            var events = new List<RunEvent>();
            await foreach (var e in client.StreamRunEventsAsync(run.Id, 0, ct)) events.Add(e);
            streamed[run.Id] = events;
        });

        foreach (var run in created)
        {
            var events = streamed[run.Id];
            Assert.Equal(Enumerable.Range(1, events.Count).Select(i => (long)i), events.Select(e => e.Seq));
            Assert.Equal("run.completed", events[^1].Type);
            Assert.All(events, e => Assert.Equal(run.Id, e.RunId));
            // Nothing lost in the middle either: the pieces of the answer make up the run's output.
            var answer = string.Concat(events.Where(e => e.Type == "output.delta").Select(e => e.Text));
            Assert.Equal(events[^1].Output as string ?? (await client.GetRunAsync(run.Id, default)).Output as string, answer);
        }

        var listed = new List<Run>();
        await foreach (var page in client.ListRunsAsync(new RunFilter(), 0, null, default)) listed.AddRange(page.Items);
        Assert.Equal(runCount, listed.Count);
        Assert.Equal(created.Select(r => r.Id).OrderBy(x => x), listed.Select(r => r.Id).OrderBy(x => x));
        Assert.True(log.Retries > 100, $"only {log.Retries} retries: were faults injected?");
        Assert.True(log.Reconnects > runCount, $"only {log.Reconnects} reconnects: were streams cut?");
        Assert.Equal(0, log.Warnings);
        _output.WriteLine($"{runCount} runs: dispatched in {dispatchSeconds:0.0} s, all streamed by {clock.Elapsed.TotalSeconds:0.0} s; {log.Retries} retries, {log.Reconnects} reconnects, {log.Warnings} warnings.");
    }

    [Fact]
    public async Task Dispatches_whose_answers_are_lost_after_creation_make_no_second_run()
    {
        // Half of all connections are reset; on POST /v1/runs/ the reset comes after the run was created, so each
        // such dispatch is retried with its Idempotency-Key and must not create a second run.
        await using var server = await LocalServer.StartAsync("--delay-scale", "0", "--fault-reset-rate", "0.5");
        var log = new CountingLog();
        var client = Client(server, log);
        var ids = new List<string>();
        for (var i = 0; i < 20; i++)
        {
            var run = await client.CreateRunAsync(new RunDispatch { DeploymentId = LocalServer.DemoDeploymentId, InputJson = Encoding.UTF8.GetBytes($"{{\"topic\":\"{i}\"}}") }, default);
            ids.Add(run.Id);
        }
        var listed = new List<Run>();
        await foreach (var page in client.ListRunsAsync(new RunFilter(), 0, null, default)) listed.AddRange(page.Items);
        Assert.Equal(ids.OrderBy(x => x), listed.Select(r => r.Id).OrderBy(x => x));
        Assert.True(log.Retries >= 5, $"only {log.Retries} retries: were connections reset?");
    }

    [Fact]
    public async Task The_same_idempotency_key_returns_the_first_run()
    {
        await using var server = await LocalServer.StartAsync("--delay-scale", "0");
        var client = Client(server);
        var dispatch = new RunDispatch { DeploymentId = LocalServer.DemoDeploymentId, InputJson = "{\"topic\":\"once\"}"u8.ToArray() };
        var first = await client.CreateRunAsync(dispatch, default);
        var again = await client.CreateRunAsync(dispatch, default);
        Assert.Equal(first.Id, again.Id);
        var listed = new List<Run>();
        await foreach (var page in client.ListRunsAsync(new RunFilter(), 0, null, default)) listed.AddRange(page.Items);
        Assert.Single(listed);
    }

    private sealed class CountingLog : ICompassLog
    {
        private int _retries;
        private int _reconnects;
        private int _warnings;
        public int Retries => _retries;
        public int Reconnects => _reconnects;
        public int Warnings => _warnings;
        public bool IsVerboseEnabled => true;
        public bool IsDebugEnabled => false;
        public void Verbose(string message)
        {
            if (message.Contains("; retry ")) Interlocked.Increment(ref _retries);
            if (message.Contains("reconnecting") || message.Contains("resuming")) Interlocked.Increment(ref _reconnects);
        }
        public void Debug(string message) { }
        public void Warning(string message) => Interlocked.Increment(ref _warnings);
    }
}
