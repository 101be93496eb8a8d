using System.Globalization;
using System.Net;

namespace CompassPS.LocalServer.Hosting;

/// <summary>The local server's command-line options (see docs/local-server.md and <see cref="Usage"/>).</summary>
public sealed class ServerOptions
{
    public string Urls { get; set; } = "http://127.0.0.1:5317";
    /// <summary>--help or -h: print <see cref="Usage"/> and exit 0 without starting.</summary>
    public bool ShowHelp { get; set; }
    public bool ShowVersion { get; set; }
    /// <summary>Scripted answers of the built-in model (YAML or JSON rules); null: the deterministic echo model only.</summary>
    public string? ModelScriptPath { get; set; }
    /// <summary>Fixtures (workflows, deployments, connections) created at start.</summary>
    public string? SeedPath { get; set; }
    /// <summary>Listening beyond loopback is allowed, and then only own keys (a keys file or the environment) are accepted.</summary>
    public bool AllowRemote { get; set; }
    public string? KeysFilePath { get; set; }
    /// <summary>
    /// Stop when standard input reaches its end. A parent that starts the server with a pipe as its input (the
    /// Start-CompassLocalServer cmdlet) stops it by closing that pipe, and the server also goes when the parent dies.
    /// </summary>
    public bool StopWhenStdinCloses { get; set; }
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
                case "--help" or "-h" or "-?": options.ShowHelp = true; break;
                case "--version": options.ShowVersion = true; break;
                case "--urls": options.Urls = Value(); break;
                case "--model-script": options.ModelScriptPath = Value(); break;
                case "--seed": options.SeedPath = Value(); break;
                case "--allow-remote": options.AllowRemote = true; break;
                case "--keys-file": options.KeysFilePath = Value(); break;
                case "--stop-when-stdin-closes": options.StopWhenStdinCloses = true; break;
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
                default: throw new ArgumentException($"Unknown option '{args[i]}'. 'compass-local --help' lists the options.");
            }
        }
        if (options.ShowHelp || options.ShowVersion) return options;
        if (inMemory && options.DataDirectory is not null)
            throw new ArgumentException("--in-memory and --data exclude each other.");
        if (options.Faults.Rate429 + options.Faults.Rate503 + options.Faults.ResetRate > 1)
            throw new ArgumentException("The fault rates (--fault-429-rate, --fault-503-rate, --fault-reset-rate) add up to more than 1.");
        foreach (var url in options.Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            // Checked before anything binds: without --allow-remote the server never listens beyond this machine.
            if (!options.AllowRemote && !IsLoopbackUrl(url))
                throw new ArgumentException(
                    $"{url} is not a loopback address. The development keys are public: listening there needs --allow-remote, " +
                    "and then keys of your own from --keys-file or the environment (see 'Running it for a team' in docs/local-server.md).");
        }
        return options;
    }

    /// <summary>Whether a --urls entry listens on this machine only (127.0.0.0/8, ::1, localhost); '*', '+' and 0.0.0.0 do not.</summary>
    public static bool IsLoopbackUrl(string url)
    {
        var schemeEnd = url.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd < 0) return false;
        var rest = url[(schemeEnd + 3)..];
        var hostEnd = rest.StartsWith('[') ? rest.IndexOf(']') + 1 : rest.IndexOfAny([':', '/']);
        var host = (hostEnd <= 0 ? rest : rest[..hostEnd]).Trim('[', ']');
        if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)) return true;
        return IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address);
    }

    /// <summary>What --help prints: every option, one line each.</summary>
    public const string Usage = """
        compass-local: a local Compass server for offline development and tests (docs/local-server.md).

        Usage: compass-local [options]

          --urls URL                   where to listen (default http://127.0.0.1:5317; port 0 picks a free port)
          --in-memory                  keep everything in memory (the default)
          --data DIR                   keep everything in SQLite in DIR (survives a restart)
          --model-script FILE          scripted answers of the built-in model: YAML or JSON rules {match, reply, tool_calls}
          --seed FILE                  workflows, deployments and connections to create at start (YAML or JSON)
          --max-concurrent-runs N      runs executing at once (default 16)
          --delay-scale X              multiplies the simulated delays; 0 = as fast as possible (default 1)
          --keepalive-sec N            seconds of stream silence before a keepalive comment (default 15)
          --fault-429-rate R           share (0..1) of /v1 requests answered 429 with Retry-After
          --fault-503-rate R           share of /v1 requests answered 503 with Retry-After
          --fault-retry-after SEC      the Retry-After of injected 429/503 answers (default 1)
          --fault-latency-ms MS        delay added before every /v1 request
          --fault-cut-stream-after N   end every event stream after N events of that connection
          --fault-reset-rate R         share of /v1 requests whose connection is aborted
          --fault-seed N               seed of the fault dice (default 12345)
          --allow-remote               allow a non-loopback --urls; the public development keys are then refused
          --keys-file FILE             API keys to accept instead of the development keys (YAML or JSON entries
                                       {id, project, role, key}); also COMPASS_LOCAL_KEY_MEMBER, COMPASS_LOCAL_KEY_ADMIN,
                                       COMPASS_LOCAL_KEY_OTHER
          --stop-when-stdin-closes     stop when standard input ends (for tools that start the server)
          --version                    print the version and exit
          --help, -h                   print this help and exit

        Options may also be written --name=value.
        """;

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
