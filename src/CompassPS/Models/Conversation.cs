using System;
using System.Collections.Generic;
using System.Text.Json;
using CompassPS.Client;

namespace CompassPS
{
    /// <summary>A conversation: a thread of runs of one workflow or deployment (PSTypeName CompassPS.Conversation).</summary>
    public sealed class Conversation : CompassObject
    {
        private static readonly HashSet<string> Known = new HashSet<string>
        {
            "id", "title", "workflow_id", "deployment_id", "run_count", "created_at", "updated_at",
        };

        public string Id { get; private set; } = "";
        public string? Title { get; private set; }
        public string? WorkflowId { get; private set; }
        /// <summary>Set when the conversation talks to a deployment (its live version); null for a workflow's draft.</summary>
        public string? DeploymentId { get; private set; }
        /// <summary>How many turns (top-level runs) the conversation has had.</summary>
        public long? RunCount { get; private set; }
        public DateTimeOffset? CreatedAt { get; private set; }
        public DateTimeOffset? UpdatedAt { get; private set; }

        public static Conversation FromJson(JsonElement json)
        {
            JsonShape.RequireObject(json, "conversation");
            var c = new Conversation
            {
                Id = JsonShape.Id(json, "id") ?? throw new JsonShapeException("A conversation has no 'id'."),
                Title = JsonShape.String(json, "title"),
                WorkflowId = JsonShape.Id(json, "workflow_id"),
                DeploymentId = JsonShape.Id(json, "deployment_id"),
                RunCount = JsonShape.Int64(json, "run_count"),
                CreatedAt = JsonShape.Time(json, "created_at"),
                UpdatedAt = JsonShape.Time(json, "updated_at"),
            };
            c.KeepUnknownFields(json, Known);
            return c;
        }

        public override string ToString() => Id;
    }
}
