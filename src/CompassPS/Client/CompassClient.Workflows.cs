using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;

namespace CompassPS.Client
{
    public sealed partial class CompassClient
    {
        internal const string WorkflowsPath = "/v1/workflows/";

        public Task<Workflow> GetWorkflowAsync(string id, CancellationToken cancellationToken) =>
            SendJsonAsync(new CompassRequest(HttpMethod.Get, "/v1/workflows/" + PathSegment(id, "workflow id"), RequestSafety.Idempotent),
                Workflow.FromJson, cancellationToken);

        public IAsyncEnumerable<ListPage<Workflow>> ListWorkflowsAsync(ulong skip, ulong? first, CancellationToken cancellationToken) =>
            ListAsync(WorkflowsPath, Enumerable.Empty<KeyValuePair<string, string?>>(), skip, first, Workflow.FromJson, cancellationToken);
    }
}
