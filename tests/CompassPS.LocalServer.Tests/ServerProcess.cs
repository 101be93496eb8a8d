using System.Diagnostics;

namespace CompassPS.LocalServer.Tests;

/// <summary>The built compass-local run as its own process, as users and Start-CompassLocalServer run it.</summary>
public static class ServerProcess
{
    /// <summary>Runs the built compass-local in its own process; returns its exit code (or -1 when stopped) and all its output.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(string[] arguments, bool untilListening)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "compass-local.dll"));
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        info.ArgumentList.Add("--stop-when-stdin-closes");
        foreach (var variable in new[] { "COMPASS_LOCAL_KEY_MEMBER", "COMPASS_LOCAL_KEY_ADMIN", "COMPASS_LOCAL_KEY_OTHER" }) info.Environment.Remove(variable);
        using var process = Process.Start(info)!;
        var output = new System.Text.StringBuilder();
        var banner = new TaskCompletionSource();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (output) output.AppendLine(e.Data);
            if (e.Data.Contains("Seeded in the default project:")) banner.TrySetResult();
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null) lock (output) output.AppendLine(e.Data);
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            if (untilListening)
            {
                await Task.WhenAny(banner.Task, process.WaitForExitAsync(deadline.Token));
                process.StandardInput.Close(); // a graceful stop, as Stop-CompassLocalServer does it
            }
            await process.WaitForExitAsync(deadline.Token);
        }
        finally
        {
            if (!process.HasExited) process.Kill();
        }
        process.WaitForExit();
        lock (output) return (process.ExitCode, output.ToString());
    }
}
