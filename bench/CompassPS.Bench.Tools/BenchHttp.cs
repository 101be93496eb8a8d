using System.Net.Http.Headers;

namespace CompassPS.Bench.Tools;

/// <summary>The HttpClient every C# alternative uses: one pooled client, bearer key, no redirects.</summary>
public static class BenchHttp
{
    public static HttpClient CreateClient(string baseUrl, string apiKey)
    {
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            PooledConnectionLifetime = TimeSpan.FromMinutes(10),
            MaxConnectionsPerServer = 64,
        };
        var client = new HttpClient(handler)
        {
            BaseAddress = new Uri(baseUrl.TrimEnd('/') + "/"),
            Timeout = Timeout.InfiniteTimeSpan,
        };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        return client;
    }
}
