using System.Collections.Generic;
using System.IO;
using System.Net.Http;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;

namespace CompassPS.Client
{
    public sealed partial class CompassClient
    {
        internal const string ConversationsPath = "/v1/conversations/";

        private static string ConversationPath(string id) => ConversationsPath + PathSegment(id, "conversation id");

        public Task<Conversation> GetConversationAsync(string id, CancellationToken cancellationToken) =>
            SendJsonAsync(new CompassRequest(HttpMethod.Get, ConversationPath(id), RequestSafety.Idempotent),
                Conversation.FromJson, cancellationToken);

        /// <summary>GET /v1/conversations/ page by page, newest first, optionally narrowed to one workflow or deployment.</summary>
        public IAsyncEnumerable<ListPage<Conversation>> ListConversationsAsync(string? workflowId, string? deploymentId, ulong skip, ulong? first,
            CancellationToken cancellationToken)
        {
            var filters = new[]
            {
                new KeyValuePair<string, string?>("workflow_id", workflowId),
                new KeyValuePair<string, string?>("deployment_id", deploymentId),
            };
            return ListAsync(ConversationsPath, filters, skip, first, Conversation.FromJson, cancellationToken);
        }

        /// <summary>
        /// POST /v1/conversations/ with exactly one of a workflow id or a deployment id. Not retried once the server may
        /// have acted on it: a repeat would make a second conversation.
        /// </summary>
        public Task<Conversation> CreateConversationAsync(string? title, string? workflowId, string? deploymentId, CancellationToken cancellationToken)
        {
            if ((workflowId is null) == (deploymentId is null))
            {
                throw new CompassApiException(CompassErrorKind.InvalidInput, "A conversation needs exactly one of a workflow id or a deployment id.");
            }
            using var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer))
            {
                writer.WriteStartObject();
                if (title != null) writer.WriteString("title", title);
                if (workflowId != null) writer.WriteString("workflow_id", workflowId);
                if (deploymentId != null) writer.WriteString("deployment_id", deploymentId);
                writer.WriteEndObject();
            }
            var request = new CompassRequest(HttpMethod.Post, ConversationsPath, RequestSafety.Unsafe) { JsonBody = buffer.ToArray() };
            return SendJsonAsync(request, Conversation.FromJson, cancellationToken);
        }

        /// <summary>DELETE /v1/conversations/{id}; the conversation's runs stay.</summary>
        public async Task DeleteConversationAsync(string id, CancellationToken cancellationToken)
        {
            var request = new CompassRequest(HttpMethod.Delete, ConversationPath(id), RequestSafety.Idempotent);
            var (response, _) = await SendAsync(request, readBody: true, cancellationToken).ConfigureAwait(false);
            response.Dispose();
        }
    }
}
