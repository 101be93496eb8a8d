using System.Globalization;

namespace CompassPS.LocalServer.Hosting;

/// <summary>The local server's command-line options (see docs/local-server.md).</summary>
public sealed class ServerOptions
{
    public string Urls { get; set; } = "http://127.0.0.1:5317";
    /// <summary>Folder for the SQLite database and the credential key; null keeps everything in memory.</summary>
    public string? DataDirectory { get; set; }
    public int MaxConcurrentRuns { get; set; } = 16;
    /// <summary>Multiplies the engine's simulated delays; 0 runs as fast as possible.</summary>
    public double DelayScale { get; set; } = 1.0;
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(15);
    public FaultOptions Faults { get; } = new();

    public bool InMemory => DataDirectory is null;

    /// <summary>Parses the arguments; throws <see cref="ArgumentException"/> with a message meant for the user.</summary>
    public static ServerOptions Parse(IReadOnlyList<string> args)
    {
        var options = new ServerOptions();
        var inMemory = false;
        for (var i = 0; i < args.Count; i++)
        {
            var (name, inlineValue) = SplitArgument(args[i]);
            string Value()
            {
                if (inlineValue is not null) return inlineValue;
                if (i + 1 >= args.Count) throw new ArgumentException($"Option {name} needs a value.");
                return args[++i];
            }
            switch (name)
            {
                case "--urls": options.Urls = Value(); break;
                case "--in-memory": inMemory = true; break;
                case "--data": options.DataDirectory = Value(); break;
                case "--max-concurrent-runs": options.MaxConcurrentRuns = ParseInt(name, Value(), min: 1); break;
                case "--delay-scale": options.DelayScale = ParseDouble(name, Value(), min: 0, max: 1000); break;
                case "--keepalive-sec": options.KeepAliveInterval = TimeSpan.FromSeconds(ParseDouble(name, Value(), min: 0.01, max: 3600)); break;
                case "--fault-429-rate": options.Faults.Rate429 = ParseDouble(name, Value(), 0, 1); break;
                case "--fault-503-rate": options.Faults.Rate503 = ParseDouble(name, Value(), 0, 1); break;
                case "--fault-retry-after": options.Faults.RetryAfterSeconds = ParseInt(name, Value(), min: 0); break;
                case "--fault-latency-ms": options.Faults.LatencyMs = ParseInt(name, Value(), min: 0); break;
                case "--fault-cut-stream-after": options.Faults.CutStreamAfterEvents = ParseInt(name, Value(), min: 1); break;
                case "--fault-reset-rate": options.Faults.ResetRate = ParseDouble(name, Value(), 0, 1); break;
                case "--fault-seed": options.Faults.Seed = ParseInt(name, Value(), min: int.MinValue); break;
                default: throw new ArgumentException($"Unknown option '{args[i]}'. See docs/local-server.md for the options.");
            }
        }
        if (inMemory && options.DataDirectory is not null)
            throw new ArgumentException("--in-memory and --data exclude each other.");
        if (options.Faults.Rate429 + options.Faults.Rate503 + options.Faults.ResetRate > 1)
            throw new ArgumentException("The fault rates (--fault-429-rate, --fault-503-rate, --fault-reset-rate) add up to more than 1.");
        return options;
    }

    private static (string Name, string? Value) SplitArgument(string arg)
    {
        var eq = arg.IndexOf('=');
        return arg.StartsWith("--", StringComparison.Ordinal) && eq > 0 ? (arg[..eq], arg[(eq + 1)..]) : (arg, null);
    }

    private static int ParseInt(string name, string text, int min) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= min
            ? value
            : throw new ArgumentException($"Option {name} needs a whole number of at least {min}, not '{text}'.");

    private static double ParseDouble(string name, string text, double min, double max) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw new ArgumentException($"Option {name} needs a number from {min} to {max}, not '{text}'.");
}

/// <summary>Fault injection for the module's reliability tests; every fault is off by default.</summary>
public sealed class FaultOptions
{
    public double Rate429 { get; set; }
    public double Rate503 { get; set; }
    public int RetryAfterSeconds { get; set; } = 1;
    public int LatencyMs { get; set; }
    /// <summary>Ends an SSE response after this many events on that connection; 0 = never.</summary>
    public int CutStreamAfterEvents { get; set; }
    public double ResetRate { get; set; }
    public int Seed { get; set; } = 12345;

    public bool AnyRequestFault => Rate429 > 0 || Rate503 > 0 || ResetRate > 0 || LatencyMs > 0;
}
