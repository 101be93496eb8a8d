using System;
using System.Collections.Generic;
using System.Text.Json;
using CompassPS.Client;

namespace CompassPS
{
    /// <summary>
    /// Something a run can be dispatched to: piping one into Start-CompassRun runs it (a deployment's live
    /// version, or a workflow's draft).
    /// </summary>
    public interface IRunTarget
    {
        string Id { get; }
    }

    /// <summary>A deployment: a workflow's live version, ready for runs (PSTypeName CompassPS.Deployment).</summary>
    public sealed class Deployment : CompassObject, IRunTarget
    {
        private static readonly HashSet<string> Known = new HashSet<string>
        {
            "id", "workflow_id", "name", "status", "live_version", "environment", "runs_24h", "success_rate", "last_run_at", "created_at",
            "updated_at", "version", "deployment_id",
        };

        public string Id { get; private set; } = "";
        public string? Name { get; private set; }
        public string? Status { get; private set; }
        public string? WorkflowId { get; private set; }
        public long? LiveVersion { get; private set; }
        public string? Environment { get; private set; }
        public long? Runs24h { get; private set; }
        public double? SuccessRate { get; private set; }
        public DateTimeOffset? LastRunAt { get; private set; }
        public DateTimeOffset? CreatedAt { get; private set; }
        public DateTimeOffset? UpdatedAt { get; private set; }

        /// <summary>
        /// The version a publish just created (or, when the draft was unchanged, the live version it left in place): set
        /// on the deployment Publish-CompassWorkflow returns, null on a deployment read any other way (its LiveVersion
        /// says what it runs).
        /// </summary>
        public long? Version { get; private set; }

        public static Deployment FromJson(JsonElement json)
        {
            JsonShape.RequireObject(json, "deployment");
            var d = new Deployment
            {
                Id = JsonShape.Id(json, "id") ?? throw new JsonShapeException("A deployment has no 'id'."),
                Name = JsonShape.String(json, "name"),
                Status = JsonShape.String(json, "status"),
                WorkflowId = JsonShape.Id(json, "workflow_id"),
                LiveVersion = JsonShape.Int64(json, "live_version"),
                Environment = JsonShape.String(json, "environment"),
                Runs24h = JsonShape.Int64(json, "runs_24h"),
                SuccessRate = JsonShape.Double(json, "success_rate"),
                LastRunAt = JsonShape.Time(json, "last_run_at"),
                CreatedAt = JsonShape.Time(json, "created_at"),
                UpdatedAt = JsonShape.Time(json, "updated_at"),
                Version = JsonShape.Int64(json, "version"),
            };
            // The deploy answer repeats the id as deployment_id: known, so it does not show twice.
            d.KeepUnknownFields(json, Known);
            return d;
        }

        /// <summary>The answer of a deploy: the deployment, with the version it created (the live one when the server omits it).</summary>
        internal static Deployment FromDeployJson(JsonElement json)
        {
            var d = FromJson(json);
            d.Version ??= d.LiveVersion;
            return d;
        }

        /// <summary>A deployment a publish left as it was (its draft unchanged): Version is the live version.</summary>
        internal Deployment AsUnchangedPublish()
        {
            Version = LiveVersion;
            return this;
        }

        public override string ToString() => Id;
    }
}
