using System;
using System.Collections.Generic;
using System.IO;
using System.Net.Http;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;

namespace CompassPS.Client
{
    /// <summary>Filters for listing deployments; null means not filtered.</summary>
    public sealed class DeploymentFilter
    {
        public string? WorkflowId { get; set; }
        /// <summary>"active", "paused" or "archived".</summary>
        public string? Status { get; set; }

        internal IEnumerable<KeyValuePair<string, string?>> ToQuery()
        {
            yield return new KeyValuePair<string, string?>("workflow_id", WorkflowId);
            yield return new KeyValuePair<string, string?>("status", Status);
        }
    }

    /// <summary>The deployment statuses of the wire contract.</summary>
    public static class DeploymentStatus
    {
        public const string Active = "active";
        public const string Paused = "paused";
        public const string Archived = "archived";
    }

    public sealed partial class CompassClient
    {
        internal const string DeploymentsPath = "/v1/deployments/";

        private static string DeploymentPath(string id) => DeploymentsPath + PathSegment(id, "deployment id");

        public Task<Deployment> GetDeploymentAsync(string id, CancellationToken cancellationToken) =>
            SendJsonAsync(new CompassRequest(HttpMethod.Get, DeploymentPath(id), RequestSafety.Idempotent), Deployment.FromJson, cancellationToken);

        public IAsyncEnumerable<ListPage<Deployment>> ListDeploymentsAsync(DeploymentFilter filter, ulong skip, ulong? first, CancellationToken cancellationToken) =>
            ListAsync(DeploymentsPath, (filter ?? new DeploymentFilter()).ToQuery(), skip, first, Deployment.FromJson, cancellationToken);

        /// <summary>
        /// PATCH /v1/deployments/{id}: a new status (pause, resume, archive) and/or the live version (promote or roll
        /// back). Setting the same values twice is harmless, so it retries.
        /// </summary>
        public Task<Deployment> UpdateDeploymentAsync(string id, string? status, long? liveVersion, CancellationToken cancellationToken)
        {
            if (status is null && liveVersion is null) throw new CompassApiException(CompassErrorKind.InvalidInput, "Give a status, a live version, or both.");
            using var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer))
            {
                writer.WriteStartObject();
                if (status != null) writer.WriteString("status", status);
                if (liveVersion is long version) writer.WriteNumber("live_version", version);
                writer.WriteEndObject();
            }
            var request = new CompassRequest(new HttpMethod("PATCH"), DeploymentPath(id), RequestSafety.Idempotent) { JsonBody = buffer.ToArray() };
            return SendJsonAsync(request, Deployment.FromJson, cancellationToken);
        }
    }
}
