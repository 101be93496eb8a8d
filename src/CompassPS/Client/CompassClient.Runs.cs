using System;
using System.Collections.Generic;
using System.IO;
using System.Net.Http;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;

namespace CompassPS.Client
{
    /// <summary>What to dispatch: exactly one of DeploymentId or WorkflowId, plus the input as JSON.</summary>
    public sealed class RunDispatch
    {
        public string? DeploymentId { get; set; }
        public string? WorkflowId { get; set; }
        /// <summary>The input_data value as UTF-8 JSON, or null to send none.</summary>
        public byte[]? InputJson { get; set; }
        public string? ConversationId { get; set; }
        /// <summary>
        /// One key per dispatch, reused on each of its retries, so a repeat returns the first run. Fresh by default; a
        /// caller's own key (Start-CompassRun -IdempotencyKey) makes a re-run of the same dispatch, in any process,
        /// return the run the first one made.
        /// </summary>
        public string IdempotencyKey { get; set; } = Guid.NewGuid().ToString();
    }

    /// <summary>Filters for listing runs; null means not filtered.</summary>
    public sealed class RunFilter
    {
        public string? WorkflowId { get; set; }
        public string? DeploymentId { get; set; }
        public string? Status { get; set; }
        public string? ConversationId { get; set; }

        internal IEnumerable<KeyValuePair<string, string?>> ToQuery()
        {
            yield return new KeyValuePair<string, string?>("workflow_id", WorkflowId);
            yield return new KeyValuePair<string, string?>("deployment_id", DeploymentId);
            yield return new KeyValuePair<string, string?>("status", Status);
            yield return new KeyValuePair<string, string?>("conversation_id", ConversationId);
        }
    }

    public sealed partial class CompassClient
    {
        internal const string RunsPath = "/v1/runs/";

        /// <summary>
        /// POST /v1/runs/. Retried only where a repeat cannot make a second run: before the server could act on it
        /// (refused connection, 429, 503), or, thanks to the Idempotency-Key, where the server honours the key.
        /// </summary>
        public async Task<Run> CreateRunAsync(RunDispatch dispatch, CancellationToken cancellationToken)
        {
            if (dispatch is null) throw new ArgumentNullException(nameof(dispatch));
            if ((dispatch.DeploymentId is null) == (dispatch.WorkflowId is null))
            {
                throw new CompassApiException(CompassErrorKind.InvalidInput, "A run needs exactly one of a deployment id or a workflow id.");
            }
            var request = new CompassRequest(HttpMethod.Post, RunsPath, RequestSafety.IdempotentByKey)
            {
                JsonBody = DispatchBody(dispatch),
                IdempotencyKey = dispatch.IdempotencyKey,
            };
            try
            {
                return await SendJsonAsync(request, Run.FromJson, cancellationToken).ConfigureAwait(false);
            }
            catch (CompassApiException ex) when (ex.Kind == CompassErrorKind.Conflict
                && string.Equals(ex.CompassCode, IdempotencyKeyReusedCode, StringComparison.OrdinalIgnoreCase))
            {
                // The server's words ("already used with a different request body") do not say what to do about it.
                throw ex.Rephrased(CompassErrorKind.Conflict,
                    $"The Idempotency-Key '{dispatch.IdempotencyKey}' was already used for a dispatch with another target or input " +
                    $"(HTTP 409 {IdempotencyKeyReusedCode}); no run was started. A key stands for one dispatch: give a new input a new key.");
            }
        }

        /// <summary>The code a server answers (409) when an Idempotency-Key comes back with another body.</summary>
        public const string IdempotencyKeyReusedCode = "IDEMPOTENCY_KEY_REUSED";

        private static byte[] DispatchBody(RunDispatch dispatch)
        {
            using var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer))
            {
                writer.WriteStartObject();
                if (dispatch.DeploymentId != null) writer.WriteString("deployment_id", dispatch.DeploymentId);
                if (dispatch.WorkflowId != null) writer.WriteString("workflow_id", dispatch.WorkflowId);
                writer.WritePropertyName("input_data");
                if (dispatch.InputJson is null || dispatch.InputJson.Length == 0)
                {
                    writer.WriteStartObject();
                    writer.WriteEndObject();
                }
                else
                {
                    // Parsed and re-written rather than copied raw: the module is compiled against the oldest
                    // System.Text.Json a host carries, which has no WriteRawValue, and this also checks the input.
                    using var input = JsonDocument.Parse(dispatch.InputJson);
                    input.RootElement.WriteTo(writer);
                }
                if (dispatch.ConversationId != null) writer.WriteString("conversation_id", dispatch.ConversationId);
                writer.WriteEndObject();
            }
            return buffer.ToArray();
        }

        public Task<Run> GetRunAsync(string id, CancellationToken cancellationToken) =>
            SendJsonAsync(new CompassRequest(HttpMethod.Get, RunItemPath(id), RequestSafety.Idempotent), Run.FromJson, cancellationToken);

        /// <summary>GET /v1/runs/ page by page, newest first; each page is fetched when the caller asks for it.</summary>
        public IAsyncEnumerable<ListPage<Run>> ListRunsAsync(RunFilter filter, ulong skip, ulong? first, CancellationToken cancellationToken) =>
            ListAsync(RunsPath, (filter ?? new RunFilter()).ToQuery(), skip, first, Run.FromJson, cancellationToken);

        /// <summary>Every run matching the filter, newest first, in pages of <paramref name="pageSize"/> (capped at the wire's largest).</summary>
        internal IAsyncEnumerable<ListPage<Run>> ListRunsAsync(RunFilter filter, int pageSize, CancellationToken cancellationToken) =>
            ListAsync(RunsPath, (filter ?? new RunFilter()).ToQuery(), 0, null, Run.FromJson, cancellationToken, pageSize);
    }
}
