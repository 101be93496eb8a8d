using System.Text.Json.Nodes;

namespace CompassPS.LocalServer.Store;

// The stored objects. They are mutable and guarded by the owning DataStore's lock; each is persisted as one JSON
// document (see SqlitePersistence). The wire shapes are built from them in Api/ (WireMapper), never serialized directly.

public static class RunStatus
{
    public const string Pending = "pending";
    public const string Running = "running";
    public const string AwaitingApproval = "awaiting_approval";
    public const string Completed = "completed";
    public const string Failed = "failed";
    public const string Cancelled = "cancelled";

    public static readonly string[] All = [Pending, Running, AwaitingApproval, Completed, Failed, Cancelled];

    public static bool IsTerminal(string status) => status is Completed or Failed or Cancelled;
}

public sealed class RunEntity
{
    public string Id { get; set; } = "";
    public string ProjectId { get; set; } = "";
    public string WorkflowId { get; set; } = "";
    public string? DeploymentId { get; set; }
    public string? ConversationId { get; set; }
    /// <summary>Set on a sub-workflow run; such runs are reachable by id and through the parent's tree, not listed.</summary>
    public string? ParentRunId { get; set; }
    public string? ParentStepId { get; set; }
    public int? Version { get; set; }
    public string Status { get; set; } = RunStatus.Pending;
    public string Trigger { get; set; } = "manual";
    public JsonNode? InputData { get; set; }
    public JsonObject? Config { get; set; }
    public JsonNode? Output { get; set; }
    public string? Error { get; set; }
    public int TotalTokens { get; set; }
    public long? DurationMs { get; set; }
    public int StepCount { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? StartedAt { get; set; }
    public DateTimeOffset? CompletedAt { get; set; }
    /// <summary>Creation order, so that "newest first" is stable when two runs share a timestamp.</summary>
    public long Sequence { get; set; }
}

public sealed class StepEntity
{
    public string Id { get; set; } = "";
    public string RunId { get; set; } = "";
    public string? ParentStepId { get; set; }
    /// <summary>"node" or "tool_call".</summary>
    public string Kind { get; set; } = "node";
    public string NodeId { get; set; } = "";
    public string Name { get; set; } = "";
    public string Type { get; set; } = "";
    public string Status { get; set; } = "running";
    public string? Model { get; set; }
    public JsonNode? Input { get; set; }
    public JsonNode? Output { get; set; }
    public string? Error { get; set; }
    public int Tokens { get; set; }
    public DateTimeOffset StartedAt { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }
    public long? DurationMs { get; set; }
    /// <summary>The sub-workflow run this step started, nested under it in the tree.</summary>
    public string? ChildRunId { get; set; }
    public long Sequence { get; set; }
}

public sealed class WorkflowEntity
{
    public string Id { get; set; } = "";
    public string ProjectId { get; set; } = "";
    public string Name { get; set; } = "";
    public string Description { get; set; } = "";
    public string Type { get; set; } = "workflow";
    public string Definition { get; set; } = "";
    public int? LatestVersion { get; set; }
    public string? DeploymentId { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public long Sequence { get; set; }
}

/// <summary>An immutable version frozen by a deploy, with the versions of the workflows it calls pinned.</summary>
public sealed class WorkflowVersionEntity
{
    public string Id { get; set; } = "";
    public string WorkflowId { get; set; } = "";
    public string ProjectId { get; set; } = "";
    public int Version { get; set; }
    public string Definition { get; set; } = "";
    public Dictionary<string, int> PinnedVersions { get; set; } = [];
    public DateTimeOffset CreatedAt { get; set; }
}

public sealed class DeploymentEntity
{
    public string Id { get; set; } = "";
    public string ProjectId { get; set; } = "";
    public string WorkflowId { get; set; } = "";
    public string Name { get; set; } = "";
    public string Status { get; set; } = "active";
    public int LiveVersion { get; set; }
    public string Environment { get; set; } = "production";
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public long Sequence { get; set; }
}

public sealed class ConversationEntity
{
    public string Id { get; set; } = "";
    public string ProjectId { get; set; } = "";
    public string Title { get; set; } = "";
    public string? WorkflowId { get; set; }
    public string? DeploymentId { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public long Sequence { get; set; }
}

public sealed class ConnectionEntity
{
    public string Id { get; set; } = "";
    public string ProjectId { get; set; } = "";
    public string Name { get; set; } = "";
    public string Kind { get; set; } = "provider";
    public string Type { get; set; } = "";
    public JsonObject Configuration { get; set; } = [];
    /// <summary>AES-GCM ciphertext of the credentials object (see CredentialProtector); never sent back.</summary>
    public string? EncryptedCredentials { get; set; }
    public string Status { get; set; } = "connected";
    public string? DefaultModel { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public long Sequence { get; set; }
}

public sealed class ApprovalEntity
{
    public string Id { get; set; } = "";
    public string ProjectId { get; set; } = "";
    public string RunId { get; set; } = "";
    public string NodeId { get; set; } = "";
    public string Tool { get; set; } = "";
    public JsonNode? Args { get; set; }
    public string Status { get; set; } = "pending";
    public string? Comment { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? DecidedAt { get; set; }
    public long Sequence { get; set; }
}

/// <summary>Remembers which run an Idempotency-Key created, and from which body.</summary>
public sealed class IdempotencyEntity
{
    public string Id { get; set; } = "";
    public string ProjectId { get; set; } = "";
    public string Key { get; set; } = "";
    public string BodyHash { get; set; } = "";
    public string RunId { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }
}
