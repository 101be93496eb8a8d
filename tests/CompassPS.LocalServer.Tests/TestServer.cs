using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using CompassPS.LocalServer.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace CompassPS.LocalServer.Tests;

/// <summary>The local server hosted in this process on a free loopback port, reached over real HTTP.</summary>
public sealed class TestServer : IAsyncDisposable
{
    public const string ProjectKey = "cmp_local_project_key";
    public const string AdminKey = "cmp_local_admin_key";
    public const string OtherKey = "cmp_local_other_key";
    public const string DemoDeploymentId = "33333333-3333-4333-8333-333333333333";
    public const string DemoWorkflowId = "22222222-2222-4222-8222-222222222222";
    public const string LookupWorkflowId = "44444444-4444-4444-8444-444444444444";
    public const string LookupDeploymentId = "55555555-5555-4555-8555-555555555555";
    public const string LocalProviderId = "11111111-1111-4111-8111-111111111111";
    public const string DefaultProjectId = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa";

    private readonly List<HttpClient> _clients = [];

    private TestServer(WebApplication app, Uri baseUrl)
    {
        App = app;
        BaseUrl = baseUrl;
    }

    public WebApplication App { get; }
    public Uri BaseUrl { get; }

    /// <summary>Starts a server; in memory unless the arguments say --data.</summary>
    public static async Task<TestServer> StartAsync(params string[] args)
    {
        var all = new List<string> { "--urls", "http://127.0.0.1:0" };
        if (!args.Contains("--data")) all.Add("--in-memory");
        all.AddRange(args);
        var app = LocalServerApp.Build(all.ToArray());
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new TestServer(app, new Uri(address.TrimEnd('/') + "/"));
    }

    public T Service<T>() where T : notnull => App.Services.GetRequiredService<T>();

    public HttpClient Client(string? key = ProjectKey)
    {
        var client = new HttpClient { BaseAddress = BaseUrl, Timeout = TimeSpan.FromSeconds(60) };
        if (key is not null) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        _clients.Add(client);
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients) client.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }
}

/// <summary>Helpers for the JSON API.</summary>
public static class Http
{
    public static async Task<(HttpResponseMessage Response, JsonNode? Body)> SendAsync(this HttpClient client, HttpMethod method, string path, object? body = null,
        Action<HttpRequestMessage>? configure = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is string text) request.Content = new StringContent(text, Encoding.UTF8, "application/json");
        else if (body is not null) request.Content = JsonContent.Create(body);
        configure?.Invoke(request);
        var response = await client.SendAsync(request);
        var content = await response.Content.ReadAsStringAsync();
        return (response, content.Length == 0 ? null : JsonNode.Parse(content));
    }

    public static Task<(HttpResponseMessage Response, JsonNode? Body)> GetJsonAsync(this HttpClient client, string path) =>
        client.SendAsync(HttpMethod.Get, path);

    public static Task<(HttpResponseMessage Response, JsonNode? Body)> PostJsonAsync(this HttpClient client, string path, object? body = null) =>
        client.SendAsync(HttpMethod.Post, path, body ?? new { });

    public static async Task<JsonObject> StartDemoRunAsync(this HttpClient client, string topic = "Q3 report")
    {
        var (response, body) = await client.PostJsonAsync("v1/runs/", new { deployment_id = TestServer.DemoDeploymentId, input_data = new { topic } });
        Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
        return body!.AsObject();
    }

    /// <summary>Polls a run until it is terminal (generous bound: machines are shared).</summary>
    public static async Task<JsonObject> WaitForRunAsync(this HttpClient client, string runId, TimeSpan? timeout = null, params string[] untilStatuses)
    {
        var statuses = untilStatuses.Length > 0 ? untilStatuses : ["completed", "failed", "cancelled"];
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(45));
        while (true)
        {
            var (response, body) = await client.GetJsonAsync($"v1/runs/{runId}");
            Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
            if (statuses.Contains((string?)body!["status"])) return body.AsObject();
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Run {runId} is still {body["status"]}.");
            await Task.Delay(25);
        }
    }

    public static void AssertError(HttpResponseMessage response, JsonNode? body, int status, string code)
    {
        Assert.Equal(status, (int)response.StatusCode);
        Assert.NotNull(body);
        Assert.Equal(code, (string?)body!["code"]);
        Assert.NotNull(body["detail"]);
        Assert.StartsWith("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.StartsWith("req_", response.Headers.GetValues("X-Request-Id").Single());
    }
}
