using System;
using System.Collections.Generic;
using System.Text.Json;
using CompassPS.Client;

namespace CompassPS
{
    /// <summary>A run of a workflow or deployment (PSTypeName CompassPS.Run).</summary>
    public sealed class Run : CompassObject
    {
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
        /// <summary>
        /// The run that started this one as a step (a sub-workflow or tool run); null for a top-level run. Declared
        /// after the run's own fields: Export-Csv follows this order, and the column is empty for most runs.
        /// </summary>
        public string? ParentRunId { get; private set; }
        public DateTimeOffset? CreatedAt { get; private set; }
        public DateTimeOffset? StartedAt { get; private set; }
        public DateTimeOffset? CompletedAt { get; private set; }

        /// <summary>True for completed, failed and cancelled; any status the module does not know is not terminal.</summary>
        public bool IsTerminal => RunStatus.IsTerminal(Status);

        public static Run FromJson(JsonElement json)
        {
            JsonShape.RequireObject(json, "run");
            var run = new Run();
            string? id = null, status = null;
            // One pass over the fields (a listing decodes thousands of runs; a lookup per field costs a scan each).
            foreach (var property in json.EnumerateObject())
            {
                var value = property.Value;
                switch (property.Name)
                {
                    case "id": id = JsonShape.IdValue(value, "id"); break;
                    case "status": status = JsonShape.StringValue(value, "status"); break;
                    case "workflow_id": run.WorkflowId = JsonShape.IdValue(value, "workflow_id"); break;
                    case "deployment_id": run.DeploymentId = JsonShape.IdValue(value, "deployment_id"); break;
                    case "conversation_id": run.ConversationId = JsonShape.IdValue(value, "conversation_id"); break;
                    case "parent_run_id": run.ParentRunId = JsonShape.IdValue(value, "parent_run_id"); break;
                    case "version": run.Version = JsonShape.Int64Value(value, "version"); break;
                    case "trigger": run.Trigger = JsonShape.StringValue(value, "trigger"); break;
                    case "input_data": run.InputData = JsonValues.ToPowerShell(value); break;
                    case "output": run.Output = JsonValues.ToPowerShell(value); break;
                    case "error": run.Error = JsonValues.ToPowerShell(value); break;
                    case "total_tokens": run.TotalTokens = JsonShape.Int64Value(value, "total_tokens"); break;
                    case "duration_ms": run.DurationMs = JsonShape.Int64Value(value, "duration_ms"); break;
                    case "step_count": run.StepCount = JsonShape.Int64Value(value, "step_count"); break;
                    case "created_at": run.CreatedAt = JsonShape.TimeValue(value, "created_at"); break;
                    case "started_at": run.StartedAt = JsonShape.TimeValue(value, "started_at"); break;
                    case "completed_at": run.CompletedAt = JsonShape.TimeValue(value, "completed_at"); break;
                    default: run.KeepUnknownField(property); break;
                }
            }
            run.Id = id ?? throw new JsonShapeException("A run has no 'id'.");
            run.Status = status ?? throw new JsonShapeException("A run has no 'status'.");
            return run;
        }

        /// <summary>A run known only by id (e.g. a string piped to Wait-CompassRun); its state is fetched before use.</summary>
        internal static Run Placeholder(string id) => new Run { Id = id };

        /// <summary>Kept for the models that read their JSON values through it; same as <see cref="JsonValues.Field"/>.</summary>
        internal static object? Value(JsonElement json, string name) => JsonValues.Field(json, name);

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
