using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace CompassPS.Bench.Tools;

/// <summary>One request that went through the proxy.</summary>
public sealed record ProxiedRequest(long Timestamp, DateTimeOffset At, string Method, string PathAndQuery, int Status);

/// <summary>
/// A loopback reverse proxy that forwards every request to the local server and records it, so a scenario can
/// count a client's requests (and see when each was made) without trusting the client's own account.
/// Buffers whole bodies: for JSON requests only, not for event streams.
/// </summary>
public sealed class CountingProxy : IDisposable
{
    // Hop-by-hop and framing headers that the listener or HttpClient set themselves.
    private static readonly HashSet<string> SkippedHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Host", "Connection", "Content-Length", "Transfer-Encoding", "Keep-Alive", "Date", "Server",
    };

    private readonly HttpListener _listener = new();
    private readonly HttpClient _upstream;
    private readonly Uri _target;
    private readonly ConcurrentQueue<ProxiedRequest> _requests = new();
    private readonly Task _loop;

    public CountingProxy(string targetBaseUrl)
    {
        _target = new Uri(targetBaseUrl.TrimEnd('/') + "/");
        _upstream = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false, MaxConnectionsPerServer = 64 })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
        var port = FreePort();
        BaseUrl = $"http://127.0.0.1:{port}";
        _listener.Prefixes.Add(BaseUrl + "/");
        _listener.Start();
        _loop = Task.Run(AcceptLoopAsync);
    }

    public string BaseUrl { get; }

    /// <summary>The requests so far, in arrival order.</summary>
    public ProxiedRequest[] Requests => _requests.ToArray();

    public void Clear() => _requests.Clear();

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    private async Task AcceptLoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync().ConfigureAwait(false);
            }
            catch (Exception) when (!_listener.IsListening)
            {
                return;
            }
            _ = Task.Run(() => ForwardAsync(context));
        }
    }

    private async Task ForwardAsync(HttpListenerContext context)
    {
        var arrived = Stopwatch.GetTimestamp();
        var at = DateTimeOffset.UtcNow;
        var incoming = context.Request;
        var outgoing = context.Response;
        var pathAndQuery = incoming.RawUrl ?? "/";
        var status = 502;
        try
        {
            using var request = new HttpRequestMessage(new HttpMethod(incoming.HttpMethod), new Uri(_target, pathAndQuery.TrimStart('/')));
            if (incoming.HasEntityBody)
            {
                using var body = new MemoryStream();
                await incoming.InputStream.CopyToAsync(body).ConfigureAwait(false);
                request.Content = new ByteArrayContent(body.ToArray());
            }
            foreach (var name in incoming.Headers.AllKeys)
            {
                if (name is null || SkippedHeaders.Contains(name)) continue;
                var values = incoming.Headers.GetValues(name) ?? [];
                if (!request.Headers.TryAddWithoutValidation(name, values)) request.Content?.Headers.TryAddWithoutValidation(name, values);
            }

            using var response = await _upstream.SendAsync(request).ConfigureAwait(false);
            var bytes = await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
            status = (int)response.StatusCode;
            outgoing.StatusCode = status;
            foreach (var header in response.Headers.Concat(response.Content.Headers))
            {
                if (SkippedHeaders.Contains(header.Key)) continue;
                if (header.Key.Equals("Content-Type", StringComparison.OrdinalIgnoreCase)) outgoing.ContentType = string.Join(", ", header.Value);
                else outgoing.Headers.Add(header.Key, string.Join(", ", header.Value));
            }
            outgoing.ContentLength64 = bytes.Length;
            await outgoing.OutputStream.WriteAsync(bytes).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The server or the client went away; the client sees a reset, the count keeps the request.
        }
        finally
        {
            _requests.Enqueue(new ProxiedRequest(arrived, at, incoming.HttpMethod, pathAndQuery, status));
            try { outgoing.Close(); } catch (Exception) { }
        }
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        try { _loop.Wait(TimeSpan.FromSeconds(5)); } catch (AggregateException) { }
        _upstream.Dispose();
    }
}
