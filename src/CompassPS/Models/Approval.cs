using System;
using System.Collections.Generic;
using System.Text.Json;
using CompassPS.Client;

namespace CompassPS
{
    /// <summary>
    /// A tool call waiting for (or given) a person's decision, from an agent with tools_require_approval
    /// (PSTypeName CompassPS.Approval).
    /// </summary>
    public sealed class Approval : CompassObject
    {
        private static readonly HashSet<string> Known = new HashSet<string>
        {
            "id", "run_id", "node_id", "tool", "args", "status", "comment", "created_at", "decided_at",
        };

        public string Id { get; private set; } = "";
        /// <summary>The run that waits (for a tool call inside a sub-workflow: that sub-run).</summary>
        public string? RunId { get; private set; }
        public string? NodeId { get; private set; }
        public string? Tool { get; private set; }
        /// <summary>The arguments the agent wants to call the tool with.</summary>
        public object? Args { get; private set; }
        /// <summary>pending, approved or rejected.</summary>
        public string Status { get; private set; } = "";
        public string? Comment { get; private set; }
        public DateTimeOffset? CreatedAt { get; private set; }
        public DateTimeOffset? DecidedAt { get; private set; }

        public static Approval FromJson(JsonElement json)
        {
            JsonShape.RequireObject(json, "approval");
            var approval = new Approval
            {
                Id = JsonShape.Id(json, "id") ?? throw new JsonShapeException("An approval has no 'id'."),
                RunId = JsonShape.Id(json, "run_id"),
                NodeId = JsonShape.String(json, "node_id"),
                Tool = JsonShape.String(json, "tool"),
                Args = Run.Value(json, "args"),
                Status = JsonShape.String(json, "status") ?? throw new JsonShapeException("An approval has no 'status'."),
                Comment = JsonShape.String(json, "comment"),
                CreatedAt = JsonShape.Time(json, "created_at"),
                DecidedAt = JsonShape.Time(json, "decided_at"),
            };
            approval.KeepUnknownFields(json, Known);
            return approval;
        }

        public override string ToString() => Id;
    }

    /// <summary>The approval statuses of the wire contract.</summary>
    public static class ApprovalStatus
    {
        public const string Pending = "pending";
        public const string Approved = "approved";
        public const string Rejected = "rejected";
    }
}
