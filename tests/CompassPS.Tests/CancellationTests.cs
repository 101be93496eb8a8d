using System.Diagnostics;
using System.Management.Automation;
using Microsoft.AspNetCore.Http;
using Xunit;

namespace CompassPS.Tests;

/// <summary>
/// Ctrl+C (PowerShell.Stop) and Select-Object -First end Watch-, Wait-, Start-CompassRun -Wait and list cmdlets at
/// once, and the server sees the connection go: nothing is left running.
/// </summary>
public sealed class CancellationTests
{
    /// <summary>Generous: the promise is a fraction of a second, the machines are shared and noisy.</summary>
    private static readonly TimeSpan Prompt = TimeSpan.FromSeconds(3);

    /// <summary>A server whose runs never end: streams send one event and hang, lists and gets say running.</summary>
    private static async Task<(ScriptedServer Server, TaskCompletionSource Aborted)> HangingServerAsync(bool hangLists = false)
    {
        var server = await ScriptedServer.StartAsync();
        var aborted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        server.Handle(async c =>
        {
            c.RequestAborted.Register(() => aborted.TrySetResult());
            var path = c.Request.Path.Value ?? "";
            if (path.StartsWith("/v1/streams/"))
            {
                c.Response.ContentType = "text/event-stream";
                await c.Response.WriteAsync(SseTests.Event(1, "run.started").Replace("run-1", "r1"));
                await c.Response.Body.FlushAsync();
                await Task.Delay(Timeout.Infinite, c.RequestAborted).ContinueWith(_ => { });
                return;
            }
            if (c.Request.Method == "POST")
            {
                await ScriptedServer.Json(c, TestData.RunJson("r1", "pending"), 201);
                return;
            }
            if (path == "/v1/runs/" && hangLists)
            {
                await Task.Delay(Timeout.Infinite, c.RequestAborted).ContinueWith(_ => { });
                return;
            }
            if (path == "/v1/runs/")
            {
                await ScriptedServer.Json(c, "{\"items\":[" + TestData.RunJson("r1") + "," + TestData.RunJson("r2") + "],\"total\":2}");
                return;
            }
            await ScriptedServer.Json(c, TestData.RunJson(path.Split('/').Last()));
        });
        return (server, aborted);
    }

    private static string Connect(ScriptedServer server) => $"Connect-Compass -BaseUrl '{server.BaseUrl}' -ApiKey '{TestData.Key}' -SkipCheck; ";

    /// <param name="requestInFlight">
    /// Whether a request is open when the stop comes (a stream, a page): the server must then see it aborted.
    /// Otherwise (polling) the server must see no request after the stop.
    /// </param>
    private static async Task AssertStopsPromptly(string scriptAfterConnect, bool hangLists = false, bool waitsForOutput = true, bool requestInFlight = true)
    {
        var (server, aborted) = await HangingServerAsync(hangLists);
        await using var serverScope = server;
        using var ps = CmdletHost.Create();
        IAsyncResult invocation;
        if (waitsForOutput)
        {
            (invocation, _) = await CmdletHost.StartAsync(ps, Connect(server) + scriptAfterConnect, TimeSpan.FromSeconds(20));
        }
        else
        {
            ps.AddScript(Connect(server) + scriptAfterConnect);
            invocation = ps.BeginInvoke();
            Assert.True(SpinWait.SpinUntil(() => server.Count > 0 && ps.InvocationStateInfo.State == PSInvocationState.Running, TimeSpan.FromSeconds(20)));
            await Task.Delay(300);
        }

        var clock = Stopwatch.StartNew();
        ps.Stop();
        var stopped = clock.Elapsed;
        Assert.Equal(PSInvocationState.Stopped, ps.InvocationStateInfo.State);
        Assert.True(stopped < Prompt, $"Stop took {stopped}");
        if (requestInFlight)
        {
            // The server sees the request go away: no connection is left open behind the stopped command.
            Assert.Same(aborted.Task, await Task.WhenAny(aborted.Task, Task.Delay(Prompt)));
        }
        else
        {
            // No polling goes on in the background.
            await Task.Delay(500);
            var after = server.Count;
            await Task.Delay(TimeSpan.FromSeconds(2.5));
            Assert.Equal(after, server.Count);
        }
        Assert.Throws<PipelineStoppedException>(() => ps.EndInvoke(invocation));
    }

    [Fact]
    public Task Watch_stops_at_once() => AssertStopsPromptly("Watch-CompassRun -Id r1");

    [Fact]
    public Task Wait_stops_at_once() => AssertStopsPromptly("Wait-CompassRun -Id r1", waitsForOutput: false, requestInFlight: false);

    [Fact]
    public Task Start_with_wait_stops_at_once() => AssertStopsPromptly("'x' | Start-CompassRun -DeploymentId d -Wait", waitsForOutput: false, requestInFlight: false);

    [Fact]
    public Task Start_with_follow_stops_at_once() => AssertStopsPromptly("Start-CompassRun -DeploymentId d -InputData @{ a = 1 } -Follow -InformationAction Continue; 'unreachable'", waitsForOutput: false);

    [Fact]
    public Task A_list_waiting_for_its_page_stops_at_once() => AssertStopsPromptly("Get-CompassRun", hangLists: true, waitsForOutput: false);

    [Fact]
    public async Task Select_first_ends_a_stream_and_closes_its_connection()
    {
        var (server, aborted) = await HangingServerAsync();
        await using var serverScope = server;
        using var ps = CmdletHost.Create();
        ps.AddScript(Connect(server) + "Watch-CompassRun -Id r1 | Select-Object -First 1");
        var clock = Stopwatch.StartNew();
        var result = await Task.Run(() => ps.Invoke());
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"took {clock.Elapsed}");
        Assert.Equal("run.started", Assert.Single(result).Properties["Type"].Value);
        Assert.Same(aborted.Task, await Task.WhenAny(aborted.Task, Task.Delay(Prompt)));
    }

    [Fact]
    public async Task Watch_timeout_is_a_timeout_error_and_closes_the_stream()
    {
        var (server, aborted) = await HangingServerAsync();
        await using var serverScope = server;
        using var ps = CmdletHost.Create();
        // Long enough for the first event to arrive first even on a loaded machine; the server then sends nothing more.
        ps.AddScript(Connect(server) + "Watch-CompassRun -Id r1 -TimeoutSec 4");
        var output = await Task.Run(() => ps.Invoke());
        Assert.Single(output);
        var error = Assert.Single(ps.Streams.Error);
        Assert.StartsWith("CompassPS.Timeout,", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.OperationTimeout, error.CategoryInfo.Category);
        Assert.Same(aborted.Task, await Task.WhenAny(aborted.Task, Task.Delay(Prompt)));
    }
}
