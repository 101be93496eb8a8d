using CompassPS.LocalServer.Hosting;

namespace CompassPS.LocalServer.Tests;

public sealed class OptionsTests
{
    [Fact]
    public void Every_option_is_read()
    {
        var options = ServerOptions.Parse([
            "--urls", "http://127.0.0.1:0", "--data", "/tmp/x", "--max-concurrent-runs", "3", "--delay-scale", "0",
            "--keepalive-sec", "2.5", "--fault-429-rate", "0.1", "--fault-503-rate=0.2", "--fault-retry-after", "4",
            "--fault-latency-ms", "50", "--fault-cut-stream-after", "9", "--fault-reset-rate", "0.05", "--fault-seed", "99",
        ]);
        Assert.Equal("http://127.0.0.1:0", options.Urls);
        Assert.Equal("/tmp/x", options.DataDirectory);
        Assert.Equal(3, options.MaxConcurrentRuns);
        Assert.Equal(0, options.DelayScale);
        Assert.Equal(TimeSpan.FromSeconds(2.5), options.KeepAliveInterval);
        Assert.Equal(0.1, options.Faults.Rate429);
        Assert.Equal(0.2, options.Faults.Rate503);
        Assert.Equal(4, options.Faults.RetryAfterSeconds);
        Assert.Equal(50, options.Faults.LatencyMs);
        Assert.Equal(9, options.Faults.CutStreamAfterEvents);
        Assert.Equal(0.05, options.Faults.ResetRate);
        Assert.Equal(99, options.Faults.Seed);
    }

    [Fact]
    public void Defaults_are_in_memory_with_no_faults_and_a_15_second_keepalive()
    {
        var options = ServerOptions.Parse(["--in-memory"]);
        Assert.True(options.InMemory);
        Assert.Equal(TimeSpan.FromSeconds(15), options.KeepAliveInterval);
        Assert.Equal(1.0, options.DelayScale);
        Assert.False(options.Faults.AnyRequestFault);
        Assert.Equal(0, options.Faults.CutStreamAfterEvents);
    }

    [Theory]
    [InlineData("--bogus")]
    [InlineData("--max-concurrent-runs", "0")]
    [InlineData("--fault-503-rate", "1.5")]
    [InlineData("--delay-scale", "fast")]
    [InlineData("--data")]
    [InlineData("--in-memory", "--data", "/tmp/x")]
    [InlineData("--fault-429-rate", "0.6", "--fault-503-rate", "0.6")]
    public void Bad_options_are_refused_with_a_message_naming_the_problem(params string[] args)
    {
        var ex = Assert.Throws<ArgumentException>(() => ServerOptions.Parse(args));
        Assert.False(string.IsNullOrWhiteSpace(ex.Message));
        Assert.Contains("-", ex.Message);
    }

    [Fact]
    public void Help_lists_every_option_the_server_accepts()
    {
        // Each option with a value it accepts: Parse takes them all, and --help names each one.
        var accepted = new (string Option, string? Value)[]
        {
            ("--urls", "http://127.0.0.1:0"), ("--in-memory", null), ("--model-script", "rules.yaml"), ("--seed", "seed.yaml"),
            ("--max-concurrent-runs", "2"), ("--delay-scale", "0"), ("--keepalive-sec", "1"), ("--fault-429-rate", "0.1"),
            ("--fault-503-rate", "0.1"), ("--fault-retry-after", "1"), ("--fault-latency-ms", "1"), ("--fault-cut-stream-after", "3"),
            ("--fault-reset-rate", "0.1"), ("--fault-seed", "1"), ("--allow-remote", null), ("--keys-file", "keys.yaml"),
            ("--stop-when-stdin-closes", null), ("--version", null), ("--help", null),
        };
        foreach (var (option, value) in accepted)
        {
            ServerOptions.Parse(value is null ? [option] : [option, value]);
            Assert.Contains(option, ServerOptions.Usage);
        }
        Assert.Contains("--data DIR", ServerOptions.Usage);
        Assert.True(ServerOptions.Parse(["-h"]).ShowHelp);
    }
}
