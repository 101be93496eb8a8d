using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace CompassPS.Tests.Reliability;

/// <summary>
/// The module's cmdlets hosted in-process (Microsoft.PowerShell.SDK), the way a user meets them: a script runs in
/// its own runspace with the module imported, and what comes back is what the user would see on each stream.
/// </summary>
internal static class PowerShellHost
{
    private static readonly Lazy<InitialSessionState> State = new(() =>
    {
        var state = InitialSessionState.CreateDefault2();
        state.ImportPSModule(new[] { typeof(Commands.ConnectCompassCommand).Assembly.Location });
        return state;
    });

    public static Runspace OpenRunspace()
    {
        var runspace = RunspaceFactory.CreateRunspace(State.Value);
        runspace.Open();
        return runspace;
    }

    /// <summary>
    /// Runs <paramref name="script"/> in a fresh runspace with <paramref name="variables"/> set, within
    /// <paramref name="limit"/> (stopped and reported as a hang otherwise).
    /// </summary>
    public static async Task<ScriptResult> RunAsync(string script, IDictionary<string, object?>? variables = null, TimeSpan? limit = null)
    {
        using var runspace = OpenRunspace();
        foreach (var (name, value) in variables ?? new Dictionary<string, object?>()) runspace.SessionStateProxy.SetVariable(name, value);
        using var ps = PowerShell.Create(runspace);
        ps.AddScript(script);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var invocation = Task.Factory.FromAsync(ps.BeginInvoke(), ps.EndInvoke);
        var bound = limit ?? TimeSpan.FromSeconds(30);
        if (await Task.WhenAny(invocation, Task.Delay(bound)) != invocation)
        {
            ps.Stop();
            throw new TimeoutException($"The script did not end within {bound.TotalSeconds} s (a hang): {script}");
        }
        Exception? thrown = null;
        IReadOnlyList<PSObject> output;
        try
        {
            output = (await invocation).ToList();
        }
        catch (Exception ex)
        {
            thrown = ex;
            output = Array.Empty<PSObject>();
        }
        return new ScriptResult(output, ps.Streams.Error.ToList(), ps.Streams.Warning.Select(w => w.Message).ToList(),
            ps.Streams.Verbose.Select(v => v.Message).ToList(), ps.Streams.Debug.Select(d => d.Message).ToList(), thrown, clock.Elapsed);
    }
}

internal sealed record ScriptResult(
    IReadOnlyList<PSObject> Output,
    List<ErrorRecord> Errors,
    List<string> Warnings,
    List<string> Verbose,
    List<string> Debug,
    Exception? Thrown,
    TimeSpan Elapsed);
