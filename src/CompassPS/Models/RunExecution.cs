using System;
using System.Collections.Generic;
using System.Text.Json;
using CompassPS.Client;

namespace CompassPS
{
    /// <summary>
    /// One step of a run as the server recorded it: a node, or a tool call of an agent (PSTypeName
    /// CompassPS.RunExecution).
    /// </summary>
    public sealed class RunExecution : CompassObject
    {
        private static readonly HashSet<string> Known = new HashSet<string>
        {
            "id", "run_id", "kind", "node_id", "name", "type", "status", "parent_step_id", "child_run_id", "started_at",
            "finished_at", "duration_ms", "tokens", "model", "input", "output", "error",
        };

        public string Id { get; private set; } = "";
        public string? RunId { get; private set; }
        /// <summary>"node" or "tool_call".</summary>
        public string? Kind { get; private set; }
        public string? NodeId { get; private set; }
        public string? Name { get; private set; }
        /// <summary>The node's type (component type, agent, integration, workflow) or, for a tool call, the tool's source.</summary>
        public string? Type { get; private set; }
        public string? Status { get; private set; }
        /// <summary>For a tool call: the agent step that made it.</summary>
        public string? ParentStepId { get; private set; }
        /// <summary>The sub-workflow run this step started, if any (Get-CompassRunTree shows it nested).</summary>
        public string? ChildRunId { get; private set; }
        public DateTimeOffset? StartedAt { get; private set; }
        public DateTimeOffset? FinishedAt { get; private set; }
        public long? DurationMs { get; private set; }
        public long? Tokens { get; private set; }
        public string? Model { get; private set; }
        public object? Input { get; private set; }
        public object? Output { get; private set; }
        public object? Error { get; private set; }

        public static RunExecution FromJson(JsonElement json)
        {
            JsonShape.RequireObject(json, "execution");
            var execution = new RunExecution
            {
                Id = JsonShape.Id(json, "id") ?? throw new JsonShapeException("An execution record has no 'id'."),
                RunId = JsonShape.Id(json, "run_id"),
                Kind = JsonShape.String(json, "kind"),
                NodeId = JsonShape.String(json, "node_id"),
                Name = JsonShape.String(json, "name"),
                Type = JsonShape.String(json, "type"),
                Status = JsonShape.String(json, "status"),
                ParentStepId = JsonShape.Id(json, "parent_step_id"),
                ChildRunId = JsonShape.Id(json, "child_run_id"),
                StartedAt = JsonShape.Time(json, "started_at"),
                FinishedAt = JsonShape.Time(json, "finished_at"),
                DurationMs = JsonShape.Int64(json, "duration_ms"),
                Tokens = JsonShape.Int64(json, "tokens"),
                Model = JsonShape.String(json, "model"),
                Input = Run.Value(json, "input"),
                Output = Run.Value(json, "output"),
                Error = Run.Value(json, "error"),
            };
            execution.KeepUnknownFields(json, Known);
            return execution;
        }

        public override string ToString() => Id;
    }
}
