using System.Collections.Generic;
using System.Text.Json;
using CompassPS.Client;

namespace CompassPS
{
    /// <summary>
    /// Run statistics over a window: counts by status, success rate, tokens and latency (PSTypeName
    /// CompassPS.RunSummary). Covers top-level runs only; sub-workflow runs count inside their parent.
    /// </summary>
    public sealed class RunSummary : CompassObject
    {
        private static readonly HashSet<string> Known = new HashSet<string>
        {
            "window", "total", "by_status", "success_rate", "total_tokens", "latency_ms",
        };

        /// <summary>The window the server applied, e.g. "30d".</summary>
        public string? Window { get; private set; }
        public long Total { get; private set; }
        public long Pending { get; private set; }
        public long Running { get; private set; }
        public long AwaitingApproval { get; private set; }
        public long Completed { get; private set; }
        public long Failed { get; private set; }
        public long Cancelled { get; private set; }
        /// <summary>Every count the server sent, by wire status name (statuses this module does not know included).</summary>
        public object? ByStatus { get; private set; }
        /// <summary>Completed runs over finished runs, 0..1; null when no run has finished in the window.</summary>
        public double? SuccessRate { get; private set; }
        public long? TotalTokens { get; private set; }
        public double? AverageLatencyMs { get; private set; }
        /// <summary>The 95th percentile of the finished runs' durations.</summary>
        public double? P95LatencyMs { get; private set; }
        /// <summary>The workflow filter the summary was asked with, if any.</summary>
        public string? WorkflowId { get; private set; }
        /// <summary>The deployment filter the summary was asked with, if any.</summary>
        public string? DeploymentId { get; private set; }

        public static RunSummary FromJson(JsonElement json)
        {
            JsonShape.RequireObject(json, "run summary");
            var summary = new RunSummary
            {
                Window = JsonShape.String(json, "window"),
                Total = JsonShape.Int64(json, "total") ?? 0,
                SuccessRate = JsonShape.Double(json, "success_rate"),
                TotalTokens = JsonShape.Int64(json, "total_tokens"),
                ByStatus = Run.Value(json, "by_status"),
            };
            if (JsonShape.Property(json, "by_status") is JsonElement byStatus)
            {
                JsonShape.RequireObject(byStatus, "by_status");
                summary.Pending = JsonShape.Int64(byStatus, RunStatus.Pending) ?? 0;
                summary.Running = JsonShape.Int64(byStatus, RunStatus.Running) ?? 0;
                summary.AwaitingApproval = JsonShape.Int64(byStatus, RunStatus.AwaitingApproval) ?? 0;
                summary.Completed = JsonShape.Int64(byStatus, RunStatus.Completed) ?? 0;
                summary.Failed = JsonShape.Int64(byStatus, RunStatus.Failed) ?? 0;
                summary.Cancelled = JsonShape.Int64(byStatus, RunStatus.Cancelled) ?? 0;
            }
            if (JsonShape.Property(json, "latency_ms") is JsonElement latency)
            {
                JsonShape.RequireObject(latency, "latency_ms");
                summary.AverageLatencyMs = JsonShape.Double(latency, "avg");
                summary.P95LatencyMs = JsonShape.Double(latency, "p95");
            }
            summary.KeepUnknownFields(json, Known);
            return summary;
        }

        /// <summary>Records the filters the summary answers for, so a table of several summaries says which is which.</summary>
        internal RunSummary For(string? workflowId, string? deploymentId)
        {
            WorkflowId = workflowId;
            DeploymentId = deploymentId;
            return this;
        }

        public override string ToString() => $"{Window}: {Total} runs";
    }
}
