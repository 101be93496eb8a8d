using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace CompassPS.Tests;

/// <summary>A request as the scripted server saw it.</summary>
public sealed record SeenRequest(string Method, string Path, string Query, IReadOnlyDictionary<string, string> Headers, string Body);

/// <summary>
/// A real Kestrel server on 127.0.0.1:0 whose answers each test scripts: crafted and malformed responses, cut
/// streams, slow answers. Every request is recorded. One instance per test (IAsyncLifetime via CreateAsync).
/// </summary>
public sealed class ScriptedServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private Func<HttpContext, int, Task> _handler = (context, _) => { context.Response.StatusCode = 404; return Task.CompletedTask; };
    private int _count;

    private ScriptedServer(WebApplication app) => _app = app;

    public ConcurrentQueue<SeenRequest> Requests { get; } = new();

    public Uri BaseUrl { get; private set; } = null!;

    /// <summary>Number of requests answered so far.</summary>
    public int Count => Volatile.Read(ref _count);

    public static async Task<ScriptedServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new ScriptedServer(app);
        app.Run(async context =>
        {
            var index = Interlocked.Increment(ref server._count) - 1;
            using var reader = new StreamReader(context.Request.Body);
            var body = await reader.ReadToEndAsync();
            server.Requests.Enqueue(new SeenRequest(context.Request.Method, context.Request.Path.Value ?? "", context.Request.QueryString.Value ?? "",
                context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase), body));
            await server._handler(context, index);
        });
        await app.StartAsync();
        server.BaseUrl = new Uri(app.Urls.First());
        return server;
    }

    /// <summary>Scripts every answer: the handler gets the context and the 0-based request number.</summary>
    public void Handle(Func<HttpContext, int, Task> handler) => _handler = handler;

    public void Handle(Func<HttpContext, Task> handler) => _handler = (context, _) => handler(context);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    public static Task Json(HttpContext context, string json, int status = 200)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(json);
    }
}
