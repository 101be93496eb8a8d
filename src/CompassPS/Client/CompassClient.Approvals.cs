using System.Collections.Generic;
using System.IO;
using System.Net.Http;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;

namespace CompassPS.Client
{
    /// <summary>Filters for listing approvals; null means not filtered.</summary>
    public sealed class ApprovalFilter
    {
        /// <summary>pending, approved or rejected.</summary>
        public string? Status { get; set; }
        public string? RunId { get; set; }

        internal IEnumerable<KeyValuePair<string, string?>> ToQuery()
        {
            yield return new KeyValuePair<string, string?>("status", Status);
            yield return new KeyValuePair<string, string?>("run_id", RunId);
        }
    }

    public sealed partial class CompassClient
    {
        internal const string ApprovalsPath = "/v1/approvals/";

        public Task<Approval> GetApprovalAsync(string id, CancellationToken cancellationToken) =>
            SendJsonAsync(new CompassRequest(HttpMethod.Get, ApprovalItemPath(id), RequestSafety.Idempotent), Approval.FromJson, cancellationToken);

        /// <summary>GET /v1/approvals/ page by page, newest first.</summary>
        public IAsyncEnumerable<ListPage<Approval>> ListApprovalsAsync(ApprovalFilter filter, ulong skip, ulong? first, CancellationToken cancellationToken) =>
            ListAsync(ApprovalsPath, (filter ?? new ApprovalFilter()).ToQuery(), skip, first, Approval.FromJson, cancellationToken);

        /// <summary>
        /// POST /v1/approvals/{id}/approve or /reject with an optional comment. Not retried once the server may have
        /// acted: a repeat of a decision that went through answers 409 (not pending) and hides the success.
        /// </summary>
        public Task<Approval> DecideApprovalAsync(string id, bool approve, string? comment, CancellationToken cancellationToken)
        {
            var request = new CompassRequest(HttpMethod.Post, ApprovalItemPath(id) + (approve ? "/approve" : "/reject"), RequestSafety.Unsafe)
            {
                JsonBody = DecisionBody(comment),
            };
            return SendJsonAsync(request, Approval.FromJson, cancellationToken);
        }

        private static byte[] DecisionBody(string? comment)
        {
            using var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer))
            {
                writer.WriteStartObject();
                if (comment != null) writer.WriteString("comment", comment);
                writer.WriteEndObject();
            }
            return buffer.ToArray();
        }

        private static string ApprovalItemPath(string id) => ApprovalsPath + PathSegment(id, "approval id");
    }
}
