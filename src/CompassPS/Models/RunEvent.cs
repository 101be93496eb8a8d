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
            var e = new RunEvent();
            long? seq = null;
            string? type = null;
            string? eventRunId = null;
            // One pass over the fields: a stream can bring a million events, and a lookup per field costs a scan each.
            foreach (var property in json.EnumerateObject())
            {
                var value = property.Value;
                switch (property.Name)
                {
                    case "type": type = JsonShape.StringValue(value, "type"); break;
                    case "run_id": eventRunId = JsonShape.IdValue(value, "run_id"); break;
                    case "seq": seq = JsonShape.Int64Value(value, "seq"); break;
                    case "ts": e.Timestamp = JsonShape.TimeValue(value, "ts"); break;
                    case "node_id": e.NodeId = JsonShape.StringValue(value, "node_id"); break;
                    case "node_name": e.NodeName = JsonShape.StringValue(value, "node_name"); break;
                    case "node_type": e.NodeType = JsonShape.StringValue(value, "node_type"); break;
                    case "tool": e.Tool = JsonShape.StringValue(value, "tool"); break;
                    case "tool_call_id": e.ToolCallId = JsonShape.IdValue(value, "tool_call_id"); break;
                    case "args": e.Args = JsonValues.ToPowerShell(value); break;
                    case "result": e.Result = JsonValues.ToPowerShell(value); break;
                    case "text": e.Text = JsonShape.StringValue(value, "text"); break;
                    case "output": e.Output = JsonValues.ToPowerShell(value); break;
                    case "error": e.Error = JsonValues.ToPowerShell(value); break;
                    case "duration_ms": e.DurationMs = JsonShape.Int64Value(value, "duration_ms"); break;
                    case "total_tokens": e.TotalTokens = JsonShape.Int64Value(value, "total_tokens"); break;
                    case "approval_id": e.ApprovalId = JsonShape.IdValue(value, "approval_id"); break;
                    default: e.KeepUnknownField(property); break;
                }
            }
            if (seq is null && long.TryParse(sseId, out var idSeq)) seq = idSeq;
            type ??= sseType == "message" ? null : sseType;
            e.Seq = seq ?? throw new JsonShapeException("An event has neither a 'seq' nor a numeric SSE id.");
            e.Type = type ?? throw new JsonShapeException("An event has neither a 'type' nor an SSE event name.");
            e.RunId = eventRunId ?? runId;
            return e;
        }

        /// <summary>
        /// An event from its SSE data (UTF-8 JSON). The usual shape is read straight off a JSON reader, at a fraction
        /// of the cost of building a document (a stream can bring a million events); anything unusual (a field of
        /// an unexpected type, a missing seq or type, invalid JSON) is decoded again by <see cref="FromJson"/>, so
        /// errors and edge cases are exactly FromJson's.
        /// </summary>
        internal static RunEvent Decode(byte[] utf8, string? sseType, string? sseId, string runId)
        {
            var fast = TryReadCommonShape(utf8, sseType, sseId, runId);
            if (fast != null) return fast;
            using var document = JsonDocument.Parse(utf8);
            return FromJson(document.RootElement, sseType, sseId, runId);
        }

        private static RunEvent? TryReadCommonShape(byte[] utf8, string? sseType, string? sseId, string runId)
        {
            try
            {
                var reader = new Utf8JsonReader(utf8);
                if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return null;
                var e = new RunEvent();
                long? seq = null;
                string? type = null, eventRunId = null;
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    bool ok;
                    if (reader.ValueTextEquals("type"u8)) ok = FastJson.ReadString(ref reader, out type);
                    else if (reader.ValueTextEquals("run_id"u8)) ok = FastJson.ReadId(ref reader, out eventRunId);
                    else if (reader.ValueTextEquals("seq"u8)) ok = FastJson.ReadInt64(ref reader, out seq);
                    else if (reader.ValueTextEquals("ts"u8)) { ok = FastJson.ReadTime(ref reader, out var ts); e.Timestamp = ts; }
                    else if (reader.ValueTextEquals("text"u8)) { ok = FastJson.ReadString(ref reader, out var text); e.Text = text; }
                    else if (reader.ValueTextEquals("node_id"u8)) { ok = FastJson.ReadString(ref reader, out var nodeId); e.NodeId = nodeId; }
                    else if (reader.ValueTextEquals("node_name"u8)) { ok = FastJson.ReadString(ref reader, out var nodeName); e.NodeName = nodeName; }
                    else if (reader.ValueTextEquals("node_type"u8)) { ok = FastJson.ReadString(ref reader, out var nodeType); e.NodeType = nodeType; }
                    else if (reader.ValueTextEquals("tool"u8)) { ok = FastJson.ReadString(ref reader, out var tool); e.Tool = tool; }
                    else if (reader.ValueTextEquals("tool_call_id"u8)) { ok = FastJson.ReadId(ref reader, out var callId); e.ToolCallId = callId; }
                    else if (reader.ValueTextEquals("args"u8)) { e.Args = FastJson.ReadAny(ref reader); ok = true; }
                    else if (reader.ValueTextEquals("result"u8)) { e.Result = FastJson.ReadAny(ref reader); ok = true; }
                    else if (reader.ValueTextEquals("output"u8)) { e.Output = FastJson.ReadAny(ref reader); ok = true; }
                    else if (reader.ValueTextEquals("error"u8)) { e.Error = FastJson.ReadAny(ref reader); ok = true; }
                    else if (reader.ValueTextEquals("duration_ms"u8)) { ok = FastJson.ReadInt64(ref reader, out var duration); e.DurationMs = duration; }
                    else if (reader.ValueTextEquals("total_tokens"u8)) { ok = FastJson.ReadInt64(ref reader, out var tokens); e.TotalTokens = tokens; }
                    else if (reader.ValueTextEquals("approval_id"u8)) { ok = FastJson.ReadId(ref reader, out var approvalId); e.ApprovalId = approvalId; }
                    else
                    {
                        var name = reader.GetString()!;
                        reader.Read();
                        using var value = JsonDocument.ParseValue(ref reader);
                        e.KeepUnknownField(name, value.RootElement);
                        ok = true;
                    }
                    if (!ok) return null;
                }
                // The object must be closed and be all there is; otherwise the full parse reports what is wrong.
                if (reader.TokenType != JsonTokenType.EndObject || reader.Read()) return null;
                if (seq is null && long.TryParse(sseId, out var idSeq)) seq = idSeq;
                type ??= sseType == "message" ? null : sseType;
                if (seq is null || type is null) return null;
                e.Seq = seq.Value;
                e.Type = type;
                e.RunId = eventRunId ?? runId;
                return e;
            }
            catch (JsonException)
            {
                return null;
            }
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
