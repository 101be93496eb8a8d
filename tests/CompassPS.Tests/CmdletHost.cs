using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace CompassPS.Tests;

/// <summary>A PowerShell runspace in this process with the built module imported from the test's output folder.</summary>
internal static class CmdletHost
{
    public static PowerShell Create()
    {
        var state = InitialSessionState.CreateDefault2();
        state.ImportPSModule(new[] { Path.Combine(AppContext.BaseDirectory, "CompassPS.psd1") });
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
