using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;

namespace CompassPS.Client
{
    public sealed partial class CompassClient
    {
        internal const string DeploymentsPath = "/v1/deployments/";

        public Task<Deployment> GetDeploymentAsync(string id, CancellationToken cancellationToken) =>
            SendJsonAsync(new CompassRequest(HttpMethod.Get, "/v1/deployments/" + PathSegment(id, "deployment id"), RequestSafety.Idempotent),
                Deployment.FromJson, cancellationToken);

        public IAsyncEnumerable<ListPage<Deployment>> ListDeploymentsAsync(ulong skip, ulong? first, CancellationToken cancellationToken) =>
            ListAsync(DeploymentsPath, Enumerable.Empty<KeyValuePair<string, string?>>(), skip, first, Deployment.FromJson, cancellationToken);
    }
}
