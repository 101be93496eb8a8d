using System.Text.Json.Nodes;

namespace CompassPS.LocalServer.Engine;

// The seam between the server's run host (Api/, Store/, Streams/: persistence, HTTP, SSE) and the workflow
// engine (Engine/: definition schema, validation, bindings, node execution, model providers).
// The host owns runs, events, steps, approvals and child runs; the engine owns what a definition means.

/// <summary>Parses, validates and executes workflow definitions written in Compass's schema.</summary>
public interface IWorkflowEngine
{
    /// <summary>Validates a definition (YAML or JSON text). Never throws for bad input: problems are issues.</summary>
    ValidationResult Validate(string definitionText, string workflowType, string projectId, IEngineCatalog catalog);

    /// <summary>
    /// The first cost bound the text breaks (length, nesting depth, YAML alias expansion), checked without building
    /// the definition; null when it is within them. The host refuses to store a definition that breaks one.
    /// </summary>
    ValidationIssue? CheckBounds(string definitionText);

    /// <summary>
    /// Workflow ids this definition calls (workflow nodes and workflow:/agent: tools), so that a deploy can pin
    /// their live versions. Empty for a definition that does not parse.
    /// </summary>
    IReadOnlyList<string> GetDependencies(string definitionText);

    /// <summary>
    /// Runs the definition to the end and returns the run's output. Reports progress through <paramref name="sink"/>.
    /// Throws <see cref="RunFailedException"/> for a failure that belongs to the run (bad input, a node error);
    /// <see cref="OperationCanceledException"/> when <paramref name="cancellationToken"/> is cancelled.
    /// </summary>
    Task<RunResult> ExecuteAsync(RunRequest run, IRunSink sink, IEngineCatalog catalog, CancellationToken cancellationToken);
}

public sealed record ValidationIssue(string Code, string Message, string? NodeId);

public sealed record ValidationResult(bool Valid, IReadOnlyList<ValidationIssue> Errors, IReadOnlyList<ValidationIssue> Warnings);

public sealed record RunResult(JsonNode? Output, int TotalTokens);

/// <summary>A failure of the run itself (as opposed to a bug in the server): becomes the run's <c>error</c>.</summary>
public sealed class RunFailedException(string message, string? nodeId = null) : Exception(message)
{
    public string? NodeId { get; } = nodeId;
}

public sealed class RunRequest
{
    public required string RunId { get; init; }
    public required string ProjectId { get; init; }
    public required string WorkflowId { get; init; }
    /// <summary>The frozen version being run; null for a draft (workflow_id) run.</summary>
    public int? Version { get; init; }
    public required string DefinitionText { get; init; }
    public JsonNode? Input { get; init; }
    public JsonObject? Config { get; init; }
    public string? ConversationId { get; init; }
    /// <summary>Earlier turns of the conversation, oldest first (for agents with conversation_history).</summary>
    public IReadOnlyList<ConversationTurn> History { get; init; } = [];
    /// <summary>Workflow id to the version pinned at deploy time; a workflow not listed runs its live version or draft.</summary>
    public IReadOnlyDictionary<string, int> PinnedVersions { get; init; } = new Dictionary<string, int>();
}

public sealed record ConversationTurn(JsonNode? Input, JsonNode? Output);

/// <summary>Everything the engine reports while running; the host persists it and streams it.</summary>
public interface IRunSink
{
    /// <summary>Appends an event. The host adds <c>type</c>, <c>run_id</c>, <c>seq</c> and <c>ts</c> to <paramref name="fields"/>.</summary>
    Task EmitAsync(string type, JsonObject fields, CancellationToken cancellationToken);

    /// <summary>Records the start of a step (a node, or an agent's tool call) and returns its id.</summary>
    Task<string> StepStartedAsync(StepStart step, CancellationToken cancellationToken);

    Task StepFinishedAsync(string stepId, StepEnd end, CancellationToken cancellationToken);

    /// <summary>
    /// Pauses the run in status <c>awaiting_approval</c> until a user approves or rejects the tool call.
    /// The host creates the approval and emits <c>approval.requested</c>.
    /// </summary>
    Task<ApprovalDecision> RequestApprovalAsync(ApprovalRequest request, CancellationToken cancellationToken);

    /// <summary>Runs another workflow as a child run nested under <paramref name="parentStepId"/> in the tree.</summary>
    Task<ChildRunResult> RunChildAsync(string workflowId, int? version, JsonNode? input, string parentStepId, CancellationToken cancellationToken);
}

/// <summary><paramref name="Kind"/>: "node" or "tool_call". <paramref name="Type"/>: the node type or component type, or the tool name.</summary>
public sealed record StepStart(string Kind, string NodeId, string Name, string Type, string? ParentStepId, JsonNode? Input, string? Model);

public sealed record StepEnd(string Status, JsonNode? Output, string? Error, int Tokens);

public sealed record ApprovalRequest(string NodeId, string Tool, JsonNode? Args);

public sealed record ApprovalDecision(bool Approved, string? Comment);

public sealed record ChildRunResult(string RunId, string Status, JsonNode? Output, string? Error, int TotalTokens);

/// <summary>Read-only lookups the engine needs from the project's store.</summary>
public interface IEngineCatalog
{
    ConnectionRecord? FindConnection(string projectId, string connectionId);
    WorkflowRecord? FindWorkflow(string projectId, string workflowId);
}

/// <summary>A connection as the engine sees it, credentials decrypted.</summary>
public sealed record ConnectionRecord(
    string Id, string Name, string Kind, string Type, string Status, string? DefaultModel,
    JsonObject Configuration, JsonObject Credentials);

/// <summary>A workflow as the engine sees it: its draft, and whether it has a live deployed version.</summary>
public sealed record WorkflowRecord(string Id, string Name, string Type, string DraftDefinition, int? LiveVersion, string? DeploymentId);
