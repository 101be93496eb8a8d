using System;
using System.Collections.Generic;
using System.Text.Json;
using CompassPS.Client;

namespace CompassPS
{
    /// <summary>The result of a connection's health check (PSTypeName CompassPS.ConnectionHealth).</summary>
    public sealed class ConnectionHealth : CompassObject
    {
        private static readonly HashSet<string> Known = new HashSet<string> { "status", "detail", "checked_at" };

        /// <summary>The connection checked (not on the wire: the request names it).</summary>
        public string ConnectionId { get; private set; } = "";
        /// <summary>"connected", "error" or "inactive".</summary>
        public string? Status { get; private set; }
        /// <summary>What was checked and what it answered.</summary>
        public string? Detail { get; private set; }
        public DateTimeOffset? CheckedAt { get; private set; }
        /// <summary>True when the status is "connected".</summary>
        public bool IsHealthy => string.Equals(Status, "connected", StringComparison.OrdinalIgnoreCase);

        public static ConnectionHealth FromJson(JsonElement json, string connectionId)
        {
            JsonShape.RequireObject(json, "health check");
            var h = new ConnectionHealth
            {
                ConnectionId = connectionId,
                Status = JsonShape.String(json, "status") ?? throw new JsonShapeException("A health check has no 'status'."),
                Detail = JsonShape.String(json, "detail"),
                CheckedAt = JsonShape.Time(json, "checked_at"),
            };
            h.KeepUnknownFields(json, Known);
            return h;
        }

        public override string ToString() => $"{ConnectionId} {Status}";
    }
}
