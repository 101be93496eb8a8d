using System.Text.Json.Nodes;

namespace CompassPS.LocalServer.Engine.Execution;

/// <summary>What every node of one run shares: the request, the host's seams, the options and the token total.</summary>
public sealed class RunContext(RunRequest run, IRunSink sink, IEngineCatalog catalog, EngineOptions options)
{
    private int _totalTokens;

    public RunRequest Run { get; } = run;
    public IRunSink Sink { get; } = sink;
    public IEngineCatalog Catalog { get; } = catalog;
    public EngineOptions Options { get; } = options;
    public int TotalTokens => _totalTokens;

    public void AddTokens(int tokens) => Interlocked.Add(ref _totalTokens, tokens);

    public Task EmitAsync(string type, JsonObject fields, CancellationToken cancellationToken) => Sink.EmitAsync(type, fields, cancellationToken);

    /// <summary>A simulated delay, scaled by <see cref="EngineOptions.DelayScale"/> (none at 0).</summary>
    public Task DelayAsync(int milliseconds, CancellationToken cancellationToken) =>
        Options.DelayScale > 0 ? Task.Delay(TimeSpan.FromMilliseconds(milliseconds * Options.DelayScale), cancellationToken) : Task.CompletedTask;

    /// <summary>Runs a workflow as a child run, at the version pinned at deploy time when there is one. Its tokens count towards this run.</summary>
    public async Task<ChildRunResult> RunChildAsync(string workflowId, JsonNode? input, string parentStepId, CancellationToken cancellationToken)
    {
        int? version = Run.PinnedVersions.TryGetValue(workflowId, out var pinned) ? pinned : null;
        var child = await Sink.RunChildAsync(workflowId, version, input, parentStepId, cancellationToken);
        AddTokens(child.TotalTokens);
        return child;
    }
}
