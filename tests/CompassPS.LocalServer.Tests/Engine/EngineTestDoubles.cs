using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using CompassPS.LocalServer.Engine;
using Xunit;

namespace CompassPS.LocalServer.Tests.Engine;

/// <summary>An in-memory project catalog: the connections and workflows a test puts in it.</summary>
public sealed class InMemoryCatalog : IEngineCatalog
{
    public const string ProjectId = "00000000-0000-4000-8000-000000000001";

    private readonly ConcurrentDictionary<string, ConnectionRecord> _connections = new();
    private readonly ConcurrentDictionary<string, WorkflowRecord> _workflows = new();

    /// <summary>A catalog holding what the host seeds: the local provider and the two demo workflows, deployed at v1.</summary>
    public static InMemoryCatalog Seeded()
    {
        var catalog = new InMemoryCatalog();
        catalog.Add(new ConnectionRecord(SeedWorkflows.LocalProviderConnectionId, "local", "provider", "local", "connected",
            SeedWorkflows.LocalModel, [], []));
        catalog.Add(new WorkflowRecord(SeedWorkflows.DemoLookupId, SeedWorkflows.DemoLookupName, "workflow",
            SeedWorkflows.DemoLookupDefinition, 1, SeedWorkflows.DemoLookupDeploymentId));
        catalog.Add(new WorkflowRecord(SeedWorkflows.DemoResearchId, SeedWorkflows.DemoResearchName, "workflow",
            SeedWorkflows.DemoResearchDefinition, 1, SeedWorkflows.DemoResearchDeploymentId));
        return catalog;
    }

    public void Add(ConnectionRecord connection) => _connections[connection.Id] = connection;

    public void Add(WorkflowRecord workflow) => _workflows[workflow.Id] = workflow;

    public ConnectionRecord? FindConnection(string projectId, string connectionId) =>
        projectId == ProjectId && _connections.TryGetValue(connectionId, out var connection) ? connection : null;

    public WorkflowRecord? FindWorkflow(string projectId, string workflowId) =>
        projectId == ProjectId && _workflows.TryGetValue(workflowId, out var workflow) ? workflow : null;
}

public sealed record RecordedEvent(string RunId, string Type, JsonObject Fields);

public sealed record RecordedStep(string Id, string RunId, StepStart Start)
{
    public StepEnd? End { get; set; }
}

public sealed record RecordedChildRun(string RunId, string WorkflowId, int? Version, JsonNode? Input, string ParentStepId);

/// <summary>
/// Stands in for the host's side of the seam: records events and steps in order, answers approvals with a
/// test's decision, and runs child runs through the same engine (as the host does), recording them.
/// </summary>
public sealed class RecordingSink : IRunSink
{
    private readonly object _gate = new();
    private readonly WorkflowEngine _engine;
    private readonly IEngineCatalog _catalog;
    private readonly string _runId;
    private readonly RecordingSink? _root;
    private readonly List<RecordedEvent> _events = [];
    private readonly List<RecordedStep> _steps = [];
    private readonly List<RecordedChildRun> _children = [];
    private readonly List<ApprovalRequest> _approvals = [];

    public RecordingSink(WorkflowEngine engine, IEngineCatalog catalog, string runId = "run-root")
    {
        _engine = engine;
        _catalog = catalog;
        _runId = runId;
    }

    private RecordingSink(RecordingSink root, string runId) : this(root._engine, root._catalog, runId) => _root = root;

    /// <summary>How approvals are answered (approve everything unless a test says otherwise).</summary>
    public Func<ApprovalRequest, ApprovalDecision> Decide { get; set; } = _ => new ApprovalDecision(true, null);

    private RecordingSink Root => _root ?? this;

    public IReadOnlyList<RecordedEvent> Events { get { lock (Root._gate) { return Root._events.ToList(); } } }
    public IReadOnlyList<RecordedStep> Steps { get { lock (Root._gate) { return Root._steps.ToList(); } } }
    public IReadOnlyList<RecordedChildRun> Children { get { lock (Root._gate) { return Root._children.ToList(); } } }
    public IReadOnlyList<ApprovalRequest> Approvals { get { lock (Root._gate) { return Root._approvals.ToList(); } } }

    /// <summary>The events of the root run only (child runs have their own streams).</summary>
    public IReadOnlyList<RecordedEvent> RootEvents => Events.Where(recorded => recorded.RunId == "run-root").ToList();

    public Task EmitAsync(string type, JsonObject fields, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (Root._gate)
        {
            Root._events.Add(new RecordedEvent(_runId, type, fields));
        }

        return Task.CompletedTask;
    }

    public Task<string> StepStartedAsync(StepStart step, CancellationToken cancellationToken)
    {
        var id = $"step-{Guid.NewGuid():N}";
        lock (Root._gate)
        {
            Root._steps.Add(new RecordedStep(id, _runId, step));
        }

        return Task.FromResult(id);
    }

    public Task StepFinishedAsync(string stepId, StepEnd end, CancellationToken cancellationToken)
    {
        lock (Root._gate)
        {
            var step = Root._steps.Single(recorded => recorded.Id == stepId);
            Assert.Null(step.End); // a step finishes once
            step.End = end;
        }

        return Task.CompletedTask;
    }

    public Task<ApprovalDecision> RequestApprovalAsync(ApprovalRequest request, CancellationToken cancellationToken)
    {
        lock (Root._gate)
        {
            Root._approvals.Add(request);
        }

        return Task.FromResult(Root.Decide(request));
    }

    public async Task<ChildRunResult> RunChildAsync(string workflowId, int? version, JsonNode? input, string parentStepId, CancellationToken cancellationToken)
    {
        var childRunId = $"run-{Guid.NewGuid():N}";
        lock (Root._gate)
        {
            Root._children.Add(new RecordedChildRun(childRunId, workflowId, version, input?.DeepClone(), parentStepId));
        }

        var workflow = _catalog.FindWorkflow(InMemoryCatalog.ProjectId, workflowId);
        if (workflow is null)
        {
            return new ChildRunResult(childRunId, "failed", null, $"workflow {workflowId} not found", 0);
        }

        var request = new RunRequest
        {
            RunId = childRunId,
            ProjectId = InMemoryCatalog.ProjectId,
            WorkflowId = workflowId,
            Version = version,
            DefinitionText = workflow.DraftDefinition,
            Input = input,
        };
        try
        {
            var result = await _engine.ExecuteAsync(request, new RecordingSink(Root, childRunId), _catalog, cancellationToken);
            return new ChildRunResult(childRunId, "completed", result.Output, null, result.TotalTokens);
        }
        catch (RunFailedException failure)
        {
            return new ChildRunResult(childRunId, "failed", null, failure.Message, 0);
        }
    }
}

/// <summary>Runs definitions through a fresh engine and catalog with recording, for one test.</summary>
public sealed class EngineHarness
{
    public EngineHarness(double delayScale = 0, HttpClient? http = null, InMemoryCatalog? catalog = null)
    {
        Engine = new WorkflowEngine(new EngineOptions { DelayScale = delayScale, Http = http ?? SharedHttp });
        Catalog = catalog ?? InMemoryCatalog.Seeded();
        Sink = new RecordingSink(Engine, Catalog);
    }

    public static HttpClient SharedHttp { get; } = new();

    public WorkflowEngine Engine { get; }
    public InMemoryCatalog Catalog { get; }
    public RecordingSink Sink { get; }

    public Task<RunResult> RunAsync(
        string definition,
        JsonNode? input,
        JsonObject? config = null,
        IReadOnlyList<ConversationTurn>? history = null,
        IReadOnlyDictionary<string, int>? pinned = null,
        CancellationToken cancellationToken = default) =>
        Engine.ExecuteAsync(new RunRequest
        {
            RunId = "run-root",
            ProjectId = InMemoryCatalog.ProjectId,
            WorkflowId = "wf-under-test",
            DefinitionText = definition,
            Input = input,
            Config = config,
            History = history ?? [],
            PinnedVersions = pinned ?? new Dictionary<string, int>(),
        }, Sink, Catalog, cancellationToken);

    public ValidationResult Validate(string definition, string workflowType = "workflow") =>
        Engine.Validate(definition, workflowType, InMemoryCatalog.ProjectId, Catalog);
}
