using System;
using System.Collections.Generic;
using System.IO;
using System.Net.Http;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;

namespace CompassPS.Client
{
    /// <summary>Filters for listing workflows; null means not filtered.</summary>
    public sealed class WorkflowFilter
    {
        /// <summary>"workflow" or "agent".</summary>
        public string? Type { get; set; }
        /// <summary>An exact name (the server compares without case).</summary>
        public string? Name { get; set; }

        internal IEnumerable<KeyValuePair<string, string?>> ToQuery()
        {
            yield return new KeyValuePair<string, string?>("type", Type);
            yield return new KeyValuePair<string, string?>("name", Name);
        }
    }

    /// <summary>The fields of a workflow create or update; null fields are not sent (an update leaves them as they are).</summary>
    public sealed class WorkflowChanges
    {
        public string? Name { get; set; }
        public string? Description { get; set; }
        /// <summary>"workflow" or "agent".</summary>
        public string? Type { get; set; }
        /// <summary>The definition as YAML or JSON text.</summary>
        public string? Definition { get; set; }

        public bool IsEmpty => Name is null && Description is null && Type is null && Definition is null;

        internal byte[] ToJson()
        {
            using var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer))
            {
                writer.WriteStartObject();
                if (Name != null) writer.WriteString("name", Name);
                if (Description != null) writer.WriteString("description", Description);
                if (Type != null) writer.WriteString("type", Type);
                if (Definition != null) writer.WriteString("definition", Definition);
                writer.WriteEndObject();
            }
            return buffer.ToArray();
        }
    }

    public sealed partial class CompassClient
    {
        internal const string WorkflowsPath = "/v1/workflows/";

        /// <summary>The Compass code of a deploy refused because the draft has validation errors (HTTP 409).</summary>
        public const string WorkflowInvalidCode = "WORKFLOW_INVALID";

        private static string WorkflowPath(string id) => WorkflowsPath + PathSegment(id, "workflow id");

        public Task<Workflow> GetWorkflowAsync(string id, CancellationToken cancellationToken) =>
            SendJsonAsync(new CompassRequest(HttpMethod.Get, WorkflowPath(id), RequestSafety.Idempotent), Workflow.FromJson, cancellationToken);

        public IAsyncEnumerable<ListPage<Workflow>> ListWorkflowsAsync(WorkflowFilter filter, ulong skip, ulong? first, CancellationToken cancellationToken) =>
            ListAsync(WorkflowsPath, (filter ?? new WorkflowFilter()).ToQuery(), skip, first, Workflow.FromJson, cancellationToken);

        /// <summary>POST /v1/workflows/. Not retried once sent: a repeat could make a second workflow.</summary>
        public Task<Workflow> CreateWorkflowAsync(WorkflowChanges workflow, CancellationToken cancellationToken)
        {
            if (workflow is null) throw new ArgumentNullException(nameof(workflow));
            var request = new CompassRequest(HttpMethod.Post, WorkflowsPath, RequestSafety.Unsafe) { JsonBody = workflow.ToJson() };
            return SendJsonAsync(request, Workflow.FromJson, cancellationToken);
        }

        /// <summary>PATCH /v1/workflows/{id} with only the fields given; setting the same fields twice is harmless, so it retries.</summary>
        public Task<Workflow> UpdateWorkflowAsync(string id, WorkflowChanges changes, CancellationToken cancellationToken)
        {
            if (changes is null) throw new ArgumentNullException(nameof(changes));
            var request = new CompassRequest(new HttpMethod("PATCH"), WorkflowPath(id), RequestSafety.Idempotent) { JsonBody = changes.ToJson() };
            return SendJsonAsync(request, Workflow.FromJson, cancellationToken);
        }

        /// <summary>DELETE /v1/workflows/{id}: the workflow, its versions and its deployment (its runs stay).</summary>
        public async Task DeleteWorkflowAsync(string id, CancellationToken cancellationToken)
        {
            var request = new CompassRequest(HttpMethod.Delete, WorkflowPath(id), RequestSafety.Idempotent);
            var (response, _) = await SendAsync(request, readBody: true, cancellationToken).ConfigureAwait(false);
            response.Dispose();
        }

        /// <summary>
        /// POST /v1/workflows/{id}/validate: the draft, or <paramref name="definition"/> instead when given. An invalid
        /// definition is a normal answer (valid: false), not an error.
        /// </summary>
        public Task<WorkflowValidation> ValidateWorkflowAsync(string id, string? definition, CancellationToken cancellationToken)
        {
            var request = new CompassRequest(HttpMethod.Post, WorkflowPath(id) + "/validate", RequestSafety.Idempotent)
            {
                JsonBody = new WorkflowChanges { Definition = definition }.ToJson(),
            };
            return SendJsonAsync(request, root => WorkflowValidation.FromJson(root, id), cancellationToken);
        }

        /// <summary>
        /// POST /v1/workflows/{id}/deploy: freezes the draft into the next version and makes it live. Not retried once
        /// sent (a repeat would publish one more version). A draft with validation errors is refused with 409
        /// <see cref="WorkflowInvalidCode"/>.
        /// </summary>
        public Task<Deployment> DeployWorkflowAsync(string id, CancellationToken cancellationToken)
        {
            var request = new CompassRequest(HttpMethod.Post, WorkflowPath(id) + "/deploy", RequestSafety.Unsafe);
            return SendJsonAsync(request, Deployment.FromDeployJson, cancellationToken);
        }

        /// <summary>GET /v1/workflows/{id}/versions, newest first, page by page.</summary>
        public IAsyncEnumerable<ListPage<WorkflowVersion>> ListWorkflowVersionsAsync(string id, ulong skip, ulong? first, CancellationToken cancellationToken) =>
            ListAsync(WorkflowPath(id) + "/versions", Array.Empty<KeyValuePair<string, string?>>(), skip, first, WorkflowVersion.FromJson, cancellationToken);
    }
}
