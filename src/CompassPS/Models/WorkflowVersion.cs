using System;
using System.Collections.Generic;
using System.Text.Json;
using CompassPS.Client;

namespace CompassPS
{
    /// <summary>
    /// An immutable, numbered version of a workflow, frozen by a publish (PSTypeName CompassPS.WorkflowVersion).
    /// IsLive marks the one the deployment runs.
    /// </summary>
    public sealed class WorkflowVersion : CompassObject
    {
        private static readonly HashSet<string> Known = new HashSet<string>
        {
            "workflow_id", "version", "created_at", "is_live", "pinned_versions", "definition",
        };

        public string WorkflowId { get; private set; } = "";
        public long Version { get; private set; }
        public bool IsLive { get; private set; }
        public DateTimeOffset? CreatedAt { get; private set; }
        /// <summary>The versions of the workflows and agents this one calls, frozen at publish: workflow id → version.</summary>
        public object? PinnedVersions { get; private set; }
        /// <summary>The definition text as it was published.</summary>
        public string? Definition { get; private set; }

        public static WorkflowVersion FromJson(JsonElement json)
        {
            JsonShape.RequireObject(json, "workflow version");
            var version = new WorkflowVersion
            {
                WorkflowId = JsonShape.Id(json, "workflow_id") ?? throw new JsonShapeException("A workflow version has no 'workflow_id'."),
                Version = JsonShape.Int64(json, "version") ?? throw new JsonShapeException("A workflow version has no 'version'."),
                IsLive = JsonShape.Boolean(json, "is_live") ?? false,
                CreatedAt = JsonShape.Time(json, "created_at"),
                PinnedVersions = JsonShape.Property(json, "pinned_versions") is JsonElement pins ? JsonValues.ToPowerShell(pins) : null,
                Definition = JsonShape.Property(json, "definition") is JsonElement d
                    ? (d.ValueKind == JsonValueKind.String ? d.GetString() : d.GetRawText())
                    : null,
            };
            version.KeepUnknownFields(json, Known);
            return version;
        }

        public override string ToString() => $"{WorkflowId} v{Version}";
    }
}
