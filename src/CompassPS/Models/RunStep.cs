using System;
using System.Collections.Generic;
using System.Text.Json;
using CompassPS.Client;

namespace CompassPS
{
    /// <summary>
    /// One node of a run's step tree (PSTypeName CompassPS.RunStep): the run itself (Kind "run"), a node of it
    /// ("node"), an agent's tool call ("tool_call"), or a sub-workflow run nested under the step that started it.
    /// Each step knows its place (Depth, Path, Parent) and keeps its Children, so the tree can be written as a
    /// flat sequence, for a console table that indents by Depth, without losing its shape.
    /// </summary>
    public sealed class RunStep : CompassObject
    {
        public const string RunKind = "run";
        public const string ToolCallKind = "tool_call";

        private static readonly HashSet<string> Known = new HashSet<string>
        {
            "id", "run_id", "kind", "node_id", "name", "type", "status", "failed", "parent_step_id", "child_run_id",
            "workflow_id", "version", "started_at", "finished_at", "duration_ms", "tokens", "model", "input", "output",
            "error", "args", "result", "children",
        };

        private RunStep[] _children = Array.Empty<RunStep>();

        /// <summary>"run", "node" or "tool_call".</summary>
        public string Kind { get; private set; } = "";
        /// <summary>The run id for a run, else the step id.</summary>
        public string Id { get; private set; } = "";
        /// <summary>The run this step belongs to (for a run: the run itself).</summary>
        public string? RunId { get; private set; }
        /// <summary>The run at the top of the tree, the one asked for.</summary>
        public string RootRunId { get; private set; } = "";
        /// <summary>The workflow's name for a run, the node's name for a node, the tool's name for a tool call.</summary>
        public string? Name { get; private set; }
        public string? NodeId { get; private set; }
        public string? Type { get; private set; }
        public string? Status { get; private set; }
        /// <summary>True when this step (not merely something under it) failed.</summary>
        public bool Failed { get; private set; }
        /// <summary>0 for the root run, one more per level below it.</summary>
        public int Depth { get; private set; }
        /// <summary>Names from the root down to this step, joined by '/': "demo-research/researcher/lookup/demo-lookup/notes".</summary>
        public string Path { get; private set; } = "";
        /// <summary>The step above this one; null for the root.</summary>
        public RunStep? Parent { get; private set; }
        /// <summary>Id of the step above this one; null for the root.</summary>
        public string? ParentId => Parent?.Id;
        public RunStep[] Children => _children;
        public string? WorkflowId { get; private set; }
        public long? Version { get; private set; }
        /// <summary>The sub-workflow run a step started (it is also the step's child of kind "run").</summary>
        public string? ChildRunId { get; private set; }
        public DateTimeOffset? StartedAt { get; private set; }
        public DateTimeOffset? FinishedAt { get; private set; }
        public long? DurationMs { get; private set; }
        public long? Tokens { get; private set; }
        public string? Model { get; private set; }
        public object? Input { get; private set; }
        public object? Output { get; private set; }
        public object? Error { get; private set; }
        /// <summary>For a tool call: the arguments it was called with.</summary>
        public object? Args { get; private set; }
        /// <summary>For a tool call: what the tool answered.</summary>
        public object? Result { get; private set; }

        /// <summary>The tree's root (the run) from GET /v1/runs/{id}/tree, with every step below it linked.</summary>
        public static RunStep FromTree(JsonElement json)
        {
            var root = FromJson(json, null);
            if (root.Kind.Length == 0) root.Kind = RunKind;
            return root;
        }

        private static RunStep FromJson(JsonElement json, RunStep? parent)
        {
            JsonShape.RequireObject(json, "step");
            var step = new RunStep
            {
                Id = JsonShape.Id(json, "id") ?? throw new JsonShapeException("A step of the tree has no 'id'."),
                Kind = JsonShape.String(json, "kind") ?? "",
                Name = JsonShape.String(json, "name"),
                NodeId = JsonShape.String(json, "node_id"),
                Type = JsonShape.String(json, "type"),
                Status = JsonShape.String(json, "status"),
                WorkflowId = JsonShape.Id(json, "workflow_id"),
                Version = JsonShape.Int64(json, "version"),
                ChildRunId = JsonShape.Id(json, "child_run_id"),
                StartedAt = JsonShape.Time(json, "started_at"),
                FinishedAt = JsonShape.Time(json, "finished_at"),
                DurationMs = JsonShape.Int64(json, "duration_ms"),
                Tokens = JsonShape.Int64(json, "tokens"),
                Model = JsonShape.String(json, "model"),
                Input = Run.Value(json, "input"),
                Output = Run.Value(json, "output"),
                Error = Run.Value(json, "error"),
                Args = Run.Value(json, "args"),
                Result = Run.Value(json, "result"),
                Parent = parent,
                Depth = parent is null ? 0 : parent.Depth + 1,
            };
            var isRun = step.Kind == RunKind || (parent is null && step.Kind.Length == 0);
            step.RunId = isRun ? step.Id : JsonShape.Id(json, "run_id") ?? parent?.RunId;
            step.RootRunId = parent?.RootRunId ?? step.Id;
            // A server that sends no "failed" still marks failures through the status.
            step.Failed = JsonShape.Boolean(json, "failed") ?? string.Equals(step.Status, RunStatus.Failed, StringComparison.OrdinalIgnoreCase);
            // A tool call carries its agent's node id, so its own name (the tool's) is what tells it apart.
            var segment = (isRun || step.Kind == ToolCallKind ? step.Name : step.NodeId ?? step.Name) ?? step.Id;
            step.Path = parent is null ? segment : parent.Path + "/" + segment;

            if (JsonShape.Property(json, "children") is JsonElement children)
            {
                if (children.ValueKind != JsonValueKind.Array) throw new JsonShapeException($"The field 'children' of step '{step.Path}' should be an array.");
                var list = new List<RunStep>(children.GetArrayLength());
                foreach (var child in children.EnumerateArray()) list.Add(FromJson(child, step));
                step._children = list.ToArray();
            }
            step.KeepUnknownFields(json, Known);
            return step;
        }

        /// <summary>This step and every step below it, depth first, each parent before its children.</summary>
        public IEnumerable<RunStep> DescendantsAndSelf()
        {
            var stack = new Stack<RunStep>();
            stack.Push(this);
            while (stack.Count > 0)
            {
                var step = stack.Pop();
                yield return step;
                for (var i = step._children.Length - 1; i >= 0; i--) stack.Push(step._children[i]);
            }
        }

        public override string ToString() => Path;
    }
}
