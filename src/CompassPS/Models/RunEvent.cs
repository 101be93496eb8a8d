using System;
using System.Collections.Generic;
using System.Text.Json;
using CompassPS.Client;

namespace CompassPS
{
    /// <summary>One event of a run's stream (PSTypeName CompassPS.RunEvent).</summary>
    public sealed class RunEvent : CompassObject
    {
        public const string RunStarted = "run.started";
        public const string RunCompleted = "run.completed";
        public const string RunFailed = "run.failed";
        public const string RunCancelled = "run.cancelled";
        public const string OutputDelta = "output.delta";
        public const string ToolCallStarted = "tool_call.started";
        public const string ToolCallCompleted = "tool_call.completed";

        private static readonly HashSet<string> Known = new HashSet<string>
        {
            "type", "run_id", "seq", "ts", "node_id", "node_name", "node_type", "tool_call_id", "tool", "args", "result",
            "text", "output", "error", "duration_ms", "total_tokens", "approval_id",
        };

        /// <summary>Position in the run's stream, from 1, one more per event.</summary>
        public long Seq { get; private set; }
        public string Type { get; private set; } = "";
        public string RunId { get; private set; } = "";
        public DateTimeOffset? Timestamp { get; private set; }
        public string? NodeId { get; private set; }
        public string? NodeName { get; private set; }
        public string? NodeType { get; private set; }
        public string? Tool { get; private set; }
        public string? ToolCallId { get; private set; }
        public object? Args { get; private set; }
        public object? Result { get; private set; }
        /// <summary>For output.delta: the next piece of the answer.</summary>
        public string? Text { get; private set; }
        public object? Output { get; private set; }
        public object? Error { get; private set; }
        public long? DurationMs { get; private set; }
        public long? TotalTokens { get; private set; }
        public string? ApprovalId { get; private set; }

        /// <summary>True for run.completed, run.failed and run.cancelled: the stream's last event.</summary>
        public bool IsTerminal => IsTerminalType(Type);

        public static bool IsTerminalType(string? type) => type == RunCompleted || type == RunFailed || type == RunCancelled;

        /// <summary>
        /// An event from its SSE fields: the JSON payload, plus the SSE event name and id when the payload lacks them.
        /// </summary>
        public static RunEvent FromJson(JsonElement json, string? sseType, string? sseId, string runId)
        {
            JsonShape.RequireObject(json, "event data");
            var seq = JsonShape.Int64(json, "seq");
            if (seq is null && long.TryParse(sseId, out var idSeq)) seq = idSeq;
            var type = JsonShape.String(json, "type") ?? (sseType == "message" ? null : sseType);
            var e = new RunEvent
            {
                Seq = seq ?? throw new JsonShapeException("An event has neither a 'seq' nor a numeric SSE id."),
                Type = type ?? throw new JsonShapeException("An event has neither a 'type' nor an SSE event name."),
                RunId = JsonShape.Id(json, "run_id") ?? runId,
                Timestamp = JsonShape.Time(json, "ts"),
                NodeId = JsonShape.String(json, "node_id"),
                NodeName = JsonShape.String(json, "node_name"),
                NodeType = JsonShape.String(json, "node_type"),
                Tool = JsonShape.String(json, "tool"),
                ToolCallId = JsonShape.Id(json, "tool_call_id"),
                Args = Run.Value(json, "args"),
                Result = Run.Value(json, "result"),
                Text = JsonShape.String(json, "text"),
                Output = Run.Value(json, "output"),
                Error = Run.Value(json, "error"),
                DurationMs = JsonShape.Int64(json, "duration_ms"),
                TotalTokens = JsonShape.Int64(json, "total_tokens"),
                ApprovalId = JsonShape.Id(json, "approval_id"),
            };
            e.KeepUnknownFields(json, Known);
            return e;
        }

        /// <summary>The terminal event for a run whose stream could not be replayed (only after polling found it ended).</summary>
        internal static RunEvent Synthesized(Run run, long seq)
        {
            var type = string.Equals(run.Status, RunStatus.Completed, StringComparison.OrdinalIgnoreCase) ? RunCompleted
                : string.Equals(run.Status, RunStatus.Failed, StringComparison.OrdinalIgnoreCase) ? RunFailed : RunCancelled;
            return new RunEvent
            {
                Seq = seq, Type = type, RunId = run.Id, Timestamp = run.CompletedAt ?? DateTimeOffset.UtcNow,
                Output = run.Output, Error = run.Error, DurationMs = run.DurationMs, TotalTokens = run.TotalTokens,
            };
        }

        public override string ToString() => $"{Seq} {Type}";
    }
}
