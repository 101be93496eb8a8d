using System.Collections.Concurrent;
using CompassPS.LocalServer.Engine.Definitions;
using CompassPS.LocalServer.Engine.Execution;

namespace CompassPS.LocalServer.Engine;

/// <summary>The local server's workflow engine: Compass's definition schema, validation and execution.</summary>
public sealed class WorkflowEngine : IWorkflowEngine
{
    private const int PreparedCapacity = 64;
    private readonly EngineOptions _options;
    private readonly ConcurrentDictionary<string, (ParsedDefinition Parsed, IReadOnlyList<ValidationIssue> Errors)> _prepared = new(StringComparer.Ordinal);

    public WorkflowEngine(EngineOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.DelayScale < 0 || double.IsNaN(options.DelayScale) || double.IsInfinity(options.DelayScale))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.DelayScale, "DelayScale must be a finite number of zero or more");
        }

        _options = options.Http is null ? new EngineOptions { DelayScale = options.DelayScale, Http = new HttpClient(), ModelScript = options.ModelScript } : options;
    }

    public ValidationResult Validate(string definitionText, string workflowType, string projectId, IEngineCatalog catalog) =>
        DefinitionValidator.Validate(definitionText, workflowType, projectId, catalog);

    public ValidationIssue? CheckBounds(string definitionText) => DefinitionBounds.Check(definitionText);

    public IReadOnlyList<string> GetDependencies(string definitionText)
    {
        if (DefinitionParser.Parse(definitionText).Definition is not { } definition)
        {
            return [];
        }

        var called = new List<string>();
        foreach (var node in definition.Nodes)
        {
            if (node.Type == NodeTypes.Workflow && node.WorkflowId is { } workflowId)
            {
                called.Add(workflowId);
            }

            if (node.Type == NodeTypes.Agent && node.AgentId is { } agentId)
            {
                called.Add(agentId);
            }

            called.AddRange(node.Tools.Where(tool => tool.CallsWorkflow).Select(tool => tool.TargetId));
        }

        return called.Distinct(StringComparer.Ordinal).ToList();
    }

    public async Task<RunResult> ExecuteAsync(RunRequest run, IRunSink sink, IEngineCatalog catalog, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        var (parsed, errors) = Prepare(run.DefinitionText);
        if (errors.Count > 0 || parsed.Definition is null)
        {
            var first = errors[0];
            var more = errors.Count > 1 ? $" (and {errors.Count - 1} more; validate the workflow for the full list)" : "";
            throw new RunFailedException($"the definition cannot run: {first.Code}: {first.Message}{more}", first.NodeId);
        }

        var context = new RunContext(run, sink, catalog, _options);
        return await new RunExecution(context, parsed.Definition).RunAsync(cancellationToken);
    }

    /// <summary>
    /// The parsed definition and its build errors, parsed once per definition text: a deployment's runs all share one
    /// frozen text, so bulk dispatch would otherwise parse the same YAML for every run. A parsed definition is only
    /// read while it runs (values taken from it are cloned), so runs can share it.
    /// </summary>
    private (ParsedDefinition Parsed, IReadOnlyList<ValidationIssue> Errors) Prepare(string definitionText)
    {
        if (_prepared.TryGetValue(definitionText, out var prepared)) return prepared;
        var parsed = DefinitionParser.Parse(definitionText);
        prepared = (parsed, DefinitionValidator.BuildErrors(parsed));
        // Drafts change with every edit; a bound keeps texts nobody runs any more from piling up.
        if (_prepared.Count >= PreparedCapacity) _prepared.Clear();
        _prepared[definitionText] = prepared;
        return prepared;
    }
}
