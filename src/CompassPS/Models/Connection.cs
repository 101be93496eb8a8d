using System;
using System.Collections.Generic;
using System.Text.Json;
using CompassPS.Client;

namespace CompassPS
{
    /// <summary>
    /// A connection to an external service: a model provider, an integration or a gateway (PSTypeName
    /// CompassPS.Connection). Its credentials never come back from the server: only whether it has some.
    /// </summary>
    public sealed class Connection : CompassObject
    {
        private static readonly HashSet<string> Known = new HashSet<string>
        {
            "id", "name", "kind", "type", "configuration", "has_credentials", "status", "default_model", "created_at", "updated_at",
        };

        public string Id { get; private set; } = "";
        public string? Name { get; private set; }
        /// <summary>"provider", "integration" or "gateway".</summary>
        public string? Kind { get; private set; }
        /// <summary>The service: e.g. local, openai, anthropic, lmstudio, http, postgres, apigee.</summary>
        public string? Type { get; private set; }
        /// <summary>The plain (non-secret) settings, as a PSCustomObject.</summary>
        public object? Configuration { get; private set; }
        public bool HasCredentials { get; private set; }
        /// <summary>"connected", "error" or "inactive".</summary>
        public string? Status { get; private set; }
        public string? DefaultModel { get; private set; }
        public DateTimeOffset? CreatedAt { get; private set; }
        public DateTimeOffset? UpdatedAt { get; private set; }

        public static Connection FromJson(JsonElement json)
        {
            JsonShape.RequireObject(json, "connection");
            var c = new Connection
            {
                Id = JsonShape.Id(json, "id") ?? throw new JsonShapeException("A connection has no 'id'."),
                Name = JsonShape.String(json, "name"),
                Kind = JsonShape.String(json, "kind"),
                Type = JsonShape.String(json, "type"),
                Configuration = Run.Value(json, "configuration"),
                HasCredentials = JsonShape.Boolean(json, "has_credentials") ?? false,
                Status = JsonShape.String(json, "status"),
                DefaultModel = JsonShape.String(json, "default_model"),
                CreatedAt = JsonShape.Time(json, "created_at"),
                UpdatedAt = JsonShape.Time(json, "updated_at"),
            };
            // A server that echoed credentials back would put secrets on the pipeline: they are dropped, never kept.
            var known = new HashSet<string>(Known) { "credentials" };
            c.KeepUnknownFields(json, known);
            return c;
        }

        public override string ToString() => Id;
    }
}
