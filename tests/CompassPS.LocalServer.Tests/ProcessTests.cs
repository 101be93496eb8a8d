using System.Net;
using System.Net.Sockets;

namespace CompassPS.LocalServer.Tests;

/// <summary>compass-local as a process: what a user or Start-CompassLocalServer sees on its standard streams and exit code.</summary>
public sealed class ProcessTests
{
    [Fact]
    public async Task Help_prints_the_options_and_exits_0_without_listening()
    {
        var (exitCode, output) = await ServerProcess.RunAsync(["--help"], untilListening: false);

        Assert.Equal(0, exitCode);
        Assert.Contains("--model-script FILE", output);
        Assert.Contains("--allow-remote", output);
        Assert.DoesNotContain("Now listening", output);
    }

    [Fact]
    public async Task A_port_in_use_is_one_line_and_exit_code_3_not_a_stack_trace()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;

        var (exitCode, output) = await ServerProcess.RunAsync(["--urls", $"http://127.0.0.1:{port}", "--in-memory"], untilListening: false);

        Assert.Equal(3, exitCode);
        Assert.Contains($"compass-local: cannot listen on http://127.0.0.1:{port}:", output);
        Assert.DoesNotContain("   at ", output);
    }
}
