using System;
using System.Collections.Generic;
using System.Text.Json;
using CompassPS.Client;

namespace CompassPS
{
    /// <summary>A run of a workflow or deployment (PSTypeName CompassPS.Run).</summary>
    public sealed class Run : CompassObject
    {
        private static readonly HashSet<string> Known = new HashSet<string>
        {
            "id", "workflow_id", "deployment_id", "conversation_id", "version", "status", "trigger", "input_data",
            "output", "error", "total_tokens", "duration_ms", "step_count", "created_at", "started_at", "completed_at",
        };

        public string Id { get; private set; } = "";
        public string Status { get; private set; } = "";
        public string? WorkflowId { get; private set; }
        public string? DeploymentId { get; private set; }
        public string? ConversationId { get; private set; }
        public long? Version { get; private set; }
        public string? Trigger { get; private set; }
        /// <summary>The input as sent: a PSCustomObject for an object, or a string for a chat input.</summary>
        public object? InputData { get; private set; }
        /// <summary>The output node's value, any JSON shape.</summary>
        public object? Output { get; private set; }
        /// <summary>The error, usually a message string; null unless the run failed.</summary>
        public object? Error { get; private set; }
        public long? TotalTokens { get; private set; }
        public long? DurationMs { get; private set; }
        public long? StepCount { get; private set; }
        public DateTimeOffset? CreatedAt { get; private set; }
        public DateTimeOffset? StartedAt { get; private set; }
        public DateTimeOffset? CompletedAt { get; private set; }

        /// <summary>True for completed, failed and cancelled; any status the module does not know is not terminal.</summary>
        public bool IsTerminal => RunStatus.IsTerminal(Status);

        public static Run FromJson(JsonElement json)
        {
            JsonShape.RequireObject(json, "run");
            var run = new Run
            {
                Id = JsonShape.Id(json, "id") ?? throw new JsonShapeException("A run has no 'id'."),
                Status = JsonShape.String(json, "status") ?? throw new JsonShapeException("A run has no 'status'."),
                WorkflowId = JsonShape.Id(json, "workflow_id"),
                DeploymentId = JsonShape.Id(json, "deployment_id"),
                ConversationId = JsonShape.Id(json, "conversation_id"),
                Version = JsonShape.Int64(json, "version"),
                Trigger = JsonShape.String(json, "trigger"),
                InputData = Value(json, "input_data"),
                Output = Value(json, "output"),
                Error = Value(json, "error"),
                TotalTokens = JsonShape.Int64(json, "total_tokens"),
                DurationMs = JsonShape.Int64(json, "duration_ms"),
                StepCount = JsonShape.Int64(json, "step_count"),
                CreatedAt = JsonShape.Time(json, "created_at"),
                StartedAt = JsonShape.Time(json, "started_at"),
                CompletedAt = JsonShape.Time(json, "completed_at"),
            };
            run.KeepUnknownFields(json, Known);
            return run;
        }

        /// <summary>A run known only by id (e.g. a string piped to Wait-CompassRun); its state is fetched before use.</summary>
        internal static Run Placeholder(string id) => new Run { Id = id };

        internal static object? Value(JsonElement json, string name) =>
            JsonShape.Property(json, name) is JsonElement value ? JsonValues.ToPowerShell(value) : null;

        public override string ToString() => Id;
    }

    /// <summary>The run statuses of the wire contract.</summary>
    public static class RunStatus
    {
        public const string Pending = "pending";
        public const string Running = "running";
        public const string AwaitingApproval = "awaiting_approval";
        public const string Completed = "completed";
        public const string Failed = "failed";
        public const string Cancelled = "cancelled";

        public static bool IsTerminal(string? status) =>
            string.Equals(status, Completed, StringComparison.OrdinalIgnoreCase)
            || string.Equals(status, Failed, StringComparison.OrdinalIgnoreCase)
            || string.Equals(status, Cancelled, StringComparison.OrdinalIgnoreCase);
    }
}
