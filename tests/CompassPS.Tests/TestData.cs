using CompassPS.Client;

namespace CompassPS.Tests;

internal static class TestData
{
    public const string Key = "cmp_test_secret_key_7f3a9";

    public static string RunJson(string id, string status = "running", string? createdAt = "2026-01-01T00:00:00Z", string extra = "") =>
        $$"""{"id":"{{id}}","workflow_id":"wf-1","deployment_id":"dep-1","conversation_id":null,"version":1,"status":"{{status}}","trigger":"manual","input_data":{"topic":"Q3"},"output":null,"error":null,"total_tokens":0,"duration_ms":null,"step_count":0,"created_at":{{(createdAt is null ? "null" : "\"" + createdAt + "\"")}},"started_at":null,"completed_at":null{{extra}}}""";

    public static CompassClient Client(ScriptedServer server, Action<CompassClientOptions>? configure = null, ICompassLog? log = null) =>
        Client(server.BaseUrl, configure, log);

    public static CompassClient Client(Uri baseUrl, Action<CompassClientOptions>? configure = null, ICompassLog? log = null)
    {
        var options = new CompassClientOptions(baseUrl, Key)
        {
            RetryBaseDelaySec = 0.01,
            RetryMaxDelaySec = 0.05,
            MaxRetries = 3,
            TimeoutSec = 10,
            UserAgent = "CompassPS/0.1.0 (PowerShell test; Core)",
        };
        configure?.Invoke(options);
        return new CompassClient(new CompassTransport(options), log);
    }
}

/// <summary>A log that keeps every message, for asserting on what -Verbose and -Debug would show.</summary>
internal sealed class RecordingLog : ICompassLog
{
    public List<string> Messages { get; } = new();
    public bool IsVerboseEnabled => true;
    public bool IsDebugEnabled => true;
    public void Verbose(string message) { lock (Messages) Messages.Add("VERBOSE: " + message); }
    public void Debug(string message) { lock (Messages) Messages.Add("DEBUG: " + message); }
    public void Warning(string message) { lock (Messages) Messages.Add("WARNING: " + message); }
    public string All() { lock (Messages) return string.Join("\n", Messages); }
}
