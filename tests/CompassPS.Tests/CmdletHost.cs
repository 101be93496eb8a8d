using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace CompassPS.Tests;

/// <summary>
/// A PowerShell runspace in this process with the module's assembly (the net8.0 build, which the test project
/// references) and its views imported from the test's output folder. The shipped manifest and its loader are
/// exercised by the Pester suites, which import the laid-out module.
/// </summary>
internal static class CmdletHost
{
    public static PowerShell Create()
    {
        var state = InitialSessionState.CreateDefault2();
        state.ImportPSModule(new[] { Path.Combine(AppContext.BaseDirectory, "CompassPS.dll") });
        foreach (var view in Directory.GetFiles(AppContext.BaseDirectory, "CompassPS*.format.ps1xml"))
        {
            state.Formats.Add(new SessionStateFormatEntry(view));
        }
        var runspace = RunspaceFactory.CreateRunspace(state);
        runspace.Open();
        var ps = PowerShell.Create();
        ps.Runspace = runspace;
        return ps;
    }

    /// <summary>Starts a script asynchronously and returns once it has written its first object.</summary>
    public static async Task<(IAsyncResult Invocation, PSDataCollection<PSObject> Output)> StartAsync(PowerShell ps, string script, TimeSpan firstOutputWithin)
    {
        var output = new PSDataCollection<PSObject>();
        var first = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        output.DataAdded += (_, _) => first.TrySetResult();
        ps.AddScript(script);
        var invocation = ps.BeginInvoke<PSObject, PSObject>(null, output);
        var finished = await Task.WhenAny(first.Task, Task.Delay(firstOutputWithin));
        if (finished != first.Task)
        {
            var errors = string.Join("; ", ps.Streams.Error.Select(e => e.ToString()));
            throw new TimeoutException($"No output within {firstOutputWithin}; state {ps.InvocationStateInfo.State}; errors: {errors}");
        }
        return (invocation, output);
    }
}
