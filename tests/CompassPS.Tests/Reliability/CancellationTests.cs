using System.Collections.Concurrent;
using System.Diagnostics;
using System.Management.Automation;
using CompassPS.Client;
using CompassPS.LocalServer.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace CompassPS.Tests.Reliability;

/// <summary>Tests that count threads and connections: they must not share the process with other tests' traffic.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialReliabilityCollection
{
    public const string Name = "Reliability (serial)";
}

/// <summary>
/// Ctrl+C (PowerShell.Stop(), what the console does), Select-Object -First and -TimeoutSec on the waiting cmdlets.
/// A stopped command must return within a fraction of a second (bound: 3 s, machines are shared), close every
/// request it had open (the server sees them aborted) and send nothing more; a timeout must leave the run running.
/// </summary>
[Collection(SerialReliabilityCollection.Name)]
public sealed class CancellationTests
{
    private static readonly TimeSpan StopBound = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan SignalBound = TimeSpan.FromSeconds(30);

    /// <summary>What the server saw: requests still open, requests aborted by the client, and signals to wait on.</summary>
    private sealed class Watcher
    {
        private int _open;
        private int _total;
        public int Open => Volatile.Read(ref _open);
        public int Total => Volatile.Read(ref _total);
        public ConcurrentQueue<string> Aborted { get; } = new();
        public TaskCompletionSource Hanging { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Func<HttpContext, Task> Wrap(Func<HttpContext, Task> answer) => async c =>
        {
            Interlocked.Increment(ref _open);
            Interlocked.Increment(ref _total);
            try { await answer(c); }
            finally { Interlocked.Decrement(ref _open); }
        };

        /// <summary>Keeps the request open until the client goes away, and records that it did.</summary>
        public async Task HangAsync(HttpContext c, string what)
        {
            await c.Response.Body.FlushAsync();
            Hanging.TrySetResult();
            try { await Task.Delay(Timeout.Infinite, c.RequestAborted); }
            catch (OperationCanceledException) { Aborted.Enqueue(what); }
        }

        public async Task<bool> AllClosedWithin(TimeSpan bound)
        {
            var clock = Stopwatch.StartNew();
            while (Open > 0 && clock.Elapsed < bound) await Task.Delay(20);
            return Open == 0;
        }
    }

    private static string StreamEvent(long seq) =>
        $"id: {seq}\nevent: output.delta\ndata: {{\"type\":\"output.delta\",\"run_id\":\"r1\",\"seq\":{seq},\"text\":\"w{seq}\"}}\n\n";

    /// <summary>A server where r1 runs for ever: its stream sends two events then nothing, lists and gets say running.</summary>
    private static Func<HttpContext, Task> RunningForEver(Watcher watcher, bool hangOnSecondPage = false) => watcher.Wrap(async c =>
    {
        var path = c.Request.Path.Value ?? "";
        if (path.StartsWith("/v1/streams/", StringComparison.Ordinal))
        {
            c.Response.ContentType = "text/event-stream";
            await c.Response.WriteAsync(StreamEvent(1) + StreamEvent(2));
            await watcher.HangAsync(c, "stream");
            return;
        }
        if (HttpMethods.IsPost(c.Request.Method)) { await ScriptedServer.Json(c, TestData.RunJson("r1", "running"), 201); return; }
        if (path.TrimEnd('/') == "/v1/runs")
        {
            if (hangOnSecondPage && !c.Request.Query["offset"].ToString().Equals("0", StringComparison.Ordinal))
            {
                await watcher.HangAsync(c, "page 2");
                return;
            }
            var limit = int.Parse(c.Request.Query["limit"].ToString());
            var items = string.Join(",", Enumerable.Range(0, hangOnSecondPage ? limit : 1).Select(i => TestData.RunJson(i == 0 ? "r1" : $"r1-{i}", "running")));
            await ScriptedServer.Json(c, $"{{\"items\":[{items}],\"total\":{(hangOnSecondPage ? 100000 : 1)},\"limit\":{limit},\"offset\":0}}");
            if (!hangOnSecondPage && watcher.Total >= 3) watcher.Hanging.TrySetResult(); // polling has started
            return;
        }
        await ScriptedServer.Json(c, TestData.RunJson("r1", "running"));
        if (watcher.Total >= 3) watcher.Hanging.TrySetResult();
    });

    private sealed record Stopped(TimeSpan StopTook, List<PSObject> Output, List<ErrorRecord> Errors);

    /// <summary>Starts <paramref name="command"/>, waits until the server holds it, then stops it as Ctrl+C does.</summary>
    private static async Task<Stopped> StopWhileWaiting(ScriptedServer server, Watcher watcher, string command)
    {
        using var runspace = PowerShellHost.OpenRunspace();
        runspace.SessionStateProxy.SetVariable("url", server.BaseUrl.ToString());
        runspace.SessionStateProxy.SetVariable("key", TestData.Key);
        using var ps = PowerShell.Create(runspace);
        ps.AddScript("$ctx = Connect-Compass -BaseUrl $url -ApiKey $key -SkipCheck -PassThru\n" + command);
        var output = new PSDataCollection<PSObject>();
        var invocation = Task.Factory.FromAsync(ps.BeginInvoke<PSObject, PSObject>(null, output), _ => { });
        var signalled = await Task.WhenAny(watcher.Hanging.Task, invocation, Task.Delay(SignalBound));
        Assert.True(signalled == watcher.Hanging.Task, $"the command never reached the point where it waits ({ps.InvocationStateInfo.State}); requests: " +
            string.Join(", ", server.Requests.Select(r => r.Method + " " + r.Path)) + "; errors: " + string.Join("; ", ps.Streams.Error.ToArray().Select(e => e.ToString())));

        var clock = Stopwatch.StartNew();
        var stop = Task.Run(ps.Stop);
        Assert.True(await Task.WhenAny(stop, Task.Delay(SignalBound)) == stop, "Stop() did not return");
        try { await invocation; } catch (PipelineStoppedException) { }
        var took = clock.Elapsed;
        Assert.Equal(PSInvocationState.Stopped, ps.InvocationStateInfo.State);
        return new Stopped(took, output.ToList(), ps.Streams.Error.ToList());
    }

    private static async Task AssertNothingLeftRunning(Watcher watcher, string hung)
    {
        Assert.True(await watcher.AllClosedWithin(StopBound), $"{watcher.Open} request(s) still open after the stop");
        Assert.Contains(hung, watcher.Aborted);
        // Nothing in the background keeps polling or reconnecting.
        var after = watcher.Total;
        await Task.Delay(1000);
        Assert.Equal(after, watcher.Total);
    }

    [Theory]
    [InlineData("Watch-CompassRun -Id r1 -Context $ctx", "stream")]
    [InlineData("Start-CompassRun -DeploymentId d1 -InputData @{ topic = 'x' } -Follow -Context $ctx", "stream")]
    public async Task Ctrl_C_stops_a_stream_at_once_and_closes_its_connection(string command, string hung)
    {
        await using var server = await ScriptedServer.StartAsync();
        var watcher = new Watcher();
        server.Handle(RunningForEver(watcher));

        var stopped = await StopWhileWaiting(server, watcher, command);

        Assert.True(stopped.StopTook < StopBound, $"stopping took {stopped.StopTook}");
        await AssertNothingLeftRunning(watcher, hung);
    }

    [Theory]
    [InlineData("Wait-CompassRun -Id r1 -Context $ctx")]
    [InlineData("Start-CompassRun -DeploymentId d1 -InputData @{ topic = 'x' } -Wait -Context $ctx")]
    [InlineData("1..5 | ForEach-Object { @{ topic = \"t$_\" } } | Start-CompassRun -DeploymentId d1 -Wait -Context $ctx")]
    public async Task Ctrl_C_stops_a_wait_at_once_and_polling_stops_with_it(string command)
    {
        await using var server = await ScriptedServer.StartAsync();
        var watcher = new Watcher();
        server.Handle(RunningForEver(watcher));

        var stopped = await StopWhileWaiting(server, watcher, command);

        Assert.True(stopped.StopTook < StopBound, $"stopping took {stopped.StopTook}");
        Assert.True(await watcher.AllClosedWithin(StopBound), $"{watcher.Open} request(s) still open after the stop");
        // A poll sent just before the stop may reach the server a moment after it: count from when the line is quiet.
        await Task.Delay(300);
        var after = watcher.Total;
        await Task.Delay(1500);
        Assert.Equal(after, watcher.Total);
        Assert.DoesNotContain(stopped.Output, o => o.BaseObject is Run);
    }

    [Fact]
    public async Task Ctrl_C_stops_a_list_waiting_for_its_next_page()
    {
        await using var server = await ScriptedServer.StartAsync();
        var watcher = new Watcher();
        server.Handle(RunningForEver(watcher, hangOnSecondPage: true));

        var stopped = await StopWhileWaiting(server, watcher, "Get-CompassRun -Context $ctx");

        Assert.True(stopped.StopTook < StopBound, $"stopping took {stopped.StopTook}");
        Assert.Equal(100, stopped.Output.Count);
        await AssertNothingLeftRunning(watcher, "page 2");
    }

    [Fact]
    public async Task Select_Object_First_ends_a_stream_and_a_list_without_reading_further()
    {
        await using var server = await ScriptedServer.StartAsync();
        var watcher = new Watcher();
        server.Handle(RunningForEver(watcher, hangOnSecondPage: true));

        var result = await PowerShellHost.RunAsync(
            "$ctx = Connect-Compass -BaseUrl $url -ApiKey $key -SkipCheck -PassThru\n" +
            "$events = @(Watch-CompassRun -Id r1 -Context $ctx | Select-Object -First 1)\n" +
            "$runs = @(Get-CompassRun -Context $ctx | Select-Object -First 3)\n" +
            "$events.Count; $runs.Count",
            new Dictionary<string, object?> { ["url"] = server.BaseUrl.ToString(), ["key"] = TestData.Key }, TimeSpan.FromSeconds(20));

        Assert.Null(result.Thrown);
        Assert.Empty(result.Errors);
        Assert.Equal(new object[] { 1, 3 }, result.Output.Select(o => o.BaseObject));
        Assert.True(await watcher.AllClosedWithin(StopBound));
        Assert.Contains("stream", watcher.Aborted);
        Assert.Equal(1, server.Requests.Count(r => r.Path.TrimEnd('/') == "/v1/runs")); // page 2 was never asked for
    }

    [Fact]
    public async Task Stopping_again_and_again_leaves_no_thread_behind()
    {
        await using var server = await ScriptedServer.StartAsync();
        async Task StopOnce()
        {
            var watcher = new Watcher();
            server.Handle(RunningForEver(watcher));
            await StopWhileWaiting(server, watcher, "Watch-CompassRun -Id r1 -Context $ctx");
            Assert.True(await watcher.AllClosedWithin(StopBound));
        }

        await StopOnce(); // warm up: the runspace, the module and the thread pool
        await Task.Delay(500);
        var baseline = Process.GetCurrentProcess().Threads.Count;
        const int Rounds = 15;
        for (var i = 0; i < Rounds; i++) await StopOnce();

        // A thread kept by each stopped command would add Rounds threads; idle pool threads come and go.
        var clock = Stopwatch.StartNew();
        int now;
        do
        {
            await Task.Delay(250);
            now = Process.GetCurrentProcess().Threads.Count;
        }
        while (now > baseline + Rounds / 2 && clock.Elapsed < TimeSpan.FromSeconds(30));
        Assert.True(now <= baseline + Rounds / 2, $"threads: {baseline} before, {now} after {Rounds} stopped commands");
    }

    // ---- -TimeoutSec against the real local server: the run is left running -------------------------------

    private const string Deployment = "33333333-3333-4333-8333-333333333333";

    private static async Task<(WebApplication App, Uri BaseUrl)> StartSlowLocalServer()
    {
        // Runs take about a minute: far longer than the timeouts below.
        var app = LocalServerApp.Build(new[] { "--urls", "http://127.0.0.1:0", "--in-memory", "--delay-scale", "40" });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return (app, new Uri(address));
    }

    [Theory]
    [InlineData("Watch-CompassRun -Id $run.Id -TimeoutSec 2")]
    [InlineData("Wait-CompassRun -Id $run.Id -TimeoutSec 2")]
    [InlineData("$run | Wait-CompassRun -TimeoutSec 2")]
    [InlineData("Start-CompassRun -DeploymentId $deployment -InputData @{ topic = 'late' } -Wait -TimeoutSec 2")]
    [InlineData("Start-CompassRun -DeploymentId $deployment -InputData @{ topic = 'late' } -Follow -TimeoutSec 2")]
    public async Task TimeoutSec_ends_with_a_timeout_error_and_leaves_the_run_running(string command)
    {
        var (app, baseUrl) = await StartSlowLocalServer();
        await using var _ = app;
        var result = await PowerShellHost.RunAsync(
            "Connect-Compass -BaseUrl $url -ApiKey cmp_local_project_key\n" +
            "$run = Start-CompassRun -DeploymentId $deployment -InputData @{ topic = 'slow' }\n" +
            "$clock = [Diagnostics.Stopwatch]::StartNew()\n" +
            command + "\n" +
            "[pscustomobject]@{ Seconds = $clock.Elapsed.TotalSeconds }",
            new Dictionary<string, object?> { ["url"] = baseUrl.ToString(), ["deployment"] = Deployment }, TimeSpan.FromSeconds(60));

        Assert.Null(result.Thrown);
        var error = Assert.Single(result.Errors);
        Assert.Equal("CompassPS.Timeout", error.FullyQualifiedErrorId.Split(',')[0]);
        Assert.Equal(ErrorCategory.OperationTimeout, error.CategoryInfo.Category);
        Assert.Contains("-TimeoutSec", error.Exception.Message);
        var seconds = (double)result.Output.Last().Properties["Seconds"].Value;
        Assert.InRange(seconds, 1.5, 15);

        // Every run on the server is still going: a timeout never cancels anything.
        var runs = new List<Run>();
        await foreach (var page in ListAsLocalKey(baseUrl)) runs.AddRange(page.Items);
        Assert.NotEmpty(runs);
        Assert.All(runs, r => Assert.Contains(r.Status, new[] { "pending", "running" }));
    }

    private static IAsyncEnumerable<ListPage<Run>> ListAsLocalKey(Uri baseUrl)
    {
        var options = new CompassClientOptions(baseUrl, "cmp_local_project_key");
        return new CompassClient(new CompassTransport(options)).ListRunsAsync(new RunFilter(), 0, null, CancellationToken.None);
    }
}
