using CompassPS.LocalServer.Hosting;
using Microsoft.AspNetCore.Builder;

namespace CompassPS.Tests;

/// <summary>The real local Compass server, hosted in this process on 127.0.0.1:0 with the options given.</summary>
public sealed class LocalServer : IAsyncDisposable
{
    public const string ProjectKey = "cmp_local_project_key";
    public const string DemoDeploymentId = "33333333-3333-4333-8333-333333333333";

    private readonly WebApplication _app;

    private LocalServer(WebApplication app, Uri baseUrl)
    {
        _app = app;
        BaseUrl = baseUrl;
    }

    public Uri BaseUrl { get; }

    public static async Task<LocalServer> StartAsync(params string[] options)
    {
        var app = LocalServerApp.Build(new[] { "--urls", "http://127.0.0.1:0", "--in-memory" }.Concat(options).ToArray());
        await app.StartAsync();
        return new LocalServer(app, new Uri(app.Urls.First()));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
