using System;
using System.Collections.Generic;
using System.Text.Json;
using CompassPS.Client;

namespace CompassPS
{
    /// <summary>A workflow or agent (PSTypeName CompassPS.Workflow).</summary>
    public sealed class Workflow : CompassObject, IRunTarget
    {
        private static readonly HashSet<string> Known = new HashSet<string>
        {
            "id", "name", "description", "type", "definition", "latest_version", "deployment_id", "created_at", "updated_at",
        };

        public string Id { get; private set; } = "";
        public string? Name { get; private set; }
        public string? Description { get; private set; }
        /// <summary>"workflow" or "agent".</summary>
        public string? Type { get; private set; }
        /// <summary>The definition as YAML or JSON text.</summary>
        public string? Definition { get; private set; }
        public long? LatestVersion { get; private set; }
        public string? DeploymentId { get; private set; }
        public DateTimeOffset? CreatedAt { get; private set; }
        public DateTimeOffset? UpdatedAt { get; private set; }

        public static Workflow FromJson(JsonElement json)
        {
            JsonShape.RequireObject(json, "workflow");
            var definition = JsonShape.Property(json, "definition");
            var w = new Workflow
            {
                Id = JsonShape.Id(json, "id") ?? throw new JsonShapeException("A workflow has no 'id'."),
                Name = JsonShape.String(json, "name"),
                Description = JsonShape.String(json, "description"),
                Type = JsonShape.String(json, "type"),
                // Text per the contract; a server that sends the definition as an object still gets it kept, as JSON text.
                Definition = definition is JsonElement d ? (d.ValueKind == JsonValueKind.String ? d.GetString() : d.GetRawText()) : null,
                LatestVersion = JsonShape.Int64(json, "latest_version"),
                DeploymentId = JsonShape.Id(json, "deployment_id"),
                CreatedAt = JsonShape.Time(json, "created_at"),
                UpdatedAt = JsonShape.Time(json, "updated_at"),
            };
            w.KeepUnknownFields(json, Known);
            return w;
        }

        public override string ToString() => Id;
    }
}
