using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;

namespace CompassPS.Client
{
    /// <summary>Filters of the run summary; null means not filtered (the server's default window is 30d).</summary>
    public sealed class RunSummaryFilter
    {
        /// <summary>"24h", "7d", "30d": a whole number and a unit s, m, h or d.</summary>
        public string? Window { get; set; }
        public string? WorkflowId { get; set; }
        public string? DeploymentId { get; set; }

        internal IEnumerable<KeyValuePair<string, string?>> ToQuery()
        {
            yield return new KeyValuePair<string, string?>("window", Window);
            yield return new KeyValuePair<string, string?>("workflow_id", WorkflowId);
            yield return new KeyValuePair<string, string?>("deployment_id", DeploymentId);
        }
    }

    public sealed partial class CompassClient
    {
        /// <summary>
        /// POST /v1/runs/{id}/cancel. Not retried once the server may have acted on it: a repeat of a cancel that
        /// went through would answer 409 (already finished) and hide the success.
        /// </summary>
        public Task<Run> CancelRunAsync(string id, CancellationToken cancellationToken) =>
            SendJsonAsync(new CompassRequest(HttpMethod.Post, RunItemPath(id) + "/cancel", RequestSafety.Unsafe), Run.FromJson, cancellationToken);

        /// <summary>GET /v1/runs/{id}/executions page by page, in execution order (oldest step first).</summary>
        public IAsyncEnumerable<ListPage<RunExecution>> ListRunExecutionsAsync(string runId, ulong skip, ulong? first, CancellationToken cancellationToken) =>
            ListAsync(RunItemPath(runId) + "/executions", Enumerable.Empty<KeyValuePair<string, string?>>(), skip, first, RunExecution.FromJson, cancellationToken);

        /// <summary>GET /v1/runs/{id}/tree: the run as the root step, its steps and sub-runs nested under it.</summary>
        public Task<RunStep> GetRunTreeAsync(string runId, CancellationToken cancellationToken) =>
            SendJsonAsync(new CompassRequest(HttpMethod.Get, RunItemPath(runId) + "/tree", RequestSafety.Idempotent), RunStep.FromTree, cancellationToken);

        /// <summary>GET /v1/runs/summary with the window and filters given.</summary>
        public Task<RunSummary> GetRunSummaryAsync(RunSummaryFilter filter, CancellationToken cancellationToken) =>
            SendJsonAsync(new CompassRequest(HttpMethod.Get, "/v1/runs/summary" + QueryString((filter ?? new RunSummaryFilter()).ToQuery()), RequestSafety.Idempotent),
                RunSummary.FromJson, cancellationToken);

        private static string RunItemPath(string runId) => RunsPath + PathSegment(runId, "run id");
    }
}
