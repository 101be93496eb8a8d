using System.Net.Http;

namespace CompassPS.Client
{
    /// <summary>One logical request; the retry loop turns it into as many HTTP attempts as it needs.</summary>
    internal sealed class CompassRequest
    {
        public CompassRequest(HttpMethod method, string pathAndQuery, RequestSafety safety)
        {
            Method = method;
            PathAndQuery = pathAndQuery;
            Safety = safety;
        }

        public HttpMethod Method { get; }
        /// <summary>"/v1/runs/?limit=50": the exact documented path (collections end in a slash, items do not).</summary>
        public string PathAndQuery { get; }
        public RequestSafety Safety { get; }
        /// <summary>UTF-8 JSON, or null for no body.</summary>
        public byte[]? JsonBody { get; set; }
        /// <summary>Sent on every attempt of this request, so the server can answer a repeat with the first result.</summary>
        public string? IdempotencyKey { get; set; }
        /// <summary>For streams: the last event already delivered.</summary>
        public string? LastEventId { get; set; }
        public bool AcceptEventStream { get; set; }

        /// <summary>"GET /v1/runs/{id}" without the query, for messages.</summary>
        public string Describe()
        {
            var query = PathAndQuery.IndexOf('?');
            return Method.Method + " " + (query < 0 ? PathAndQuery : PathAndQuery.Substring(0, query));
        }
    }
}
