using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using System.Net;
using System.Text.Json.Nodes;

namespace CompassPS.LocalServer.Tests;

[Collection(SharedServerCollection.Name)]
public sealed class ConnectionsTests(SharedServer shared)
{
    private const string Secret = "sk-local-test-secret-value-0042";
    private TestServer Server => shared.Server;

    [Theory]
    [InlineData("connections")]
    [InlineData("providers")]
    [InlineData("gateways")]
    public async Task A_member_key_cannot_write_and_is_told_an_admin_key_is_needed(string collection)
    {
        var member = Server.Client();
        var (create, createBody) = await member.PostJsonAsync($"v1/{collection}/", new { name = "x", kind = "provider", type = "openai" });
        Http.AssertError(create, createBody, 403, "ADMIN_KEY_REQUIRED");
        Assert.Contains("admin", (string?)createBody!["detail"]);

        var (update, updateBody) = await member.SendAsync(HttpMethod.Patch, $"v1/connections/{TestServer.LocalProviderId}", new { name = "renamed" });
        Http.AssertError(update, updateBody, 403, "ADMIN_KEY_REQUIRED");
        var (delete, deleteBody) = await member.SendAsync(HttpMethod.Delete, $"v1/connections/{TestServer.LocalProviderId}");
        Http.AssertError(delete, deleteBody, 403, "ADMIN_KEY_REQUIRED");
        // Reading is for every key.
        Assert.Equal(HttpStatusCode.OK, (await member.GetAsync($"v1/{collection}/")).StatusCode);
    }

    [Fact]
    public async Task Credentials_are_accepted_but_never_returned()
    {
        var admin = Server.Client(TestServer.AdminKey);
        var create = await admin.PostAsync("v1/connections/", JsonContent(new
        {
            name = "openai", kind = "provider", type = "openai", default_model = "gpt-test",
            configuration = new { base_url = "http://127.0.0.1:9/v1" }, credentials = new { api_key = Secret },
        }));
        var createText = await create.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.Created, create.StatusCode);
        Assert.DoesNotContain(Secret, createText);
        var created = JsonNode.Parse(createText)!;
        Assert.True((bool)created["has_credentials"]!);
        Assert.False(created.AsObject().ContainsKey("credentials"));
        Assert.Equal("gpt-test", (string?)created["default_model"]);
        var id = (string)created["id"]!;

        foreach (var path in new[] { $"v1/connections/{id}", $"v1/providers/{id}", "v1/connections/", "v1/providers/?limit=200" })
            Assert.DoesNotContain(Secret, await admin.GetStringAsync(path));

        var patch = await admin.PatchAsync($"v1/connections/{id}", JsonContent(new { name = "renamed", credentials = new { api_key = Secret + "2" } }));
        var patchText = await patch.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, patch.StatusCode);
        Assert.DoesNotContain(Secret, patchText);
        Assert.Equal("renamed", (string?)JsonNode.Parse(patchText)!["name"]);

        var cleared = JsonNode.Parse(await (await admin.PatchAsync($"v1/connections/{id}", new StringContent("{\"credentials\":null}", System.Text.Encoding.UTF8, "application/json"))).Content.ReadAsStringAsync())!;
        Assert.False((bool)cleared["has_credentials"]!);

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"v1/connections/{id}")).StatusCode);
        var (gone, goneBody) = await admin.GetJsonAsync($"v1/connections/{id}");
        Http.AssertError(gone, goneBody, 404, "CONNECTION_NOT_FOUND");
    }

    [Fact]
    public async Task Providers_and_gateways_are_the_connections_of_their_kind()
    {
        var admin = Server.Client(TestServer.AdminKey);
        var (gatewayResponse, gateway) = await admin.PostJsonAsync("v1/gateways/", new { name = "edge", type = "apigee" });
        Assert.Equal(HttpStatusCode.Created, gatewayResponse.StatusCode);
        Assert.Equal("gateway", (string?)gateway!["kind"]);
        Assert.False((bool)gateway["has_credentials"]!);

        var (_, providers) = await admin.GetJsonAsync("v1/providers/?limit=200");
        Assert.All(providers!["items"]!.AsArray(), p => Assert.Equal("provider", (string?)p!["kind"]));
        Assert.Contains(providers["items"]!.AsArray(), p => (string?)p!["id"] == TestServer.LocalProviderId);
        var (asProvider, asProviderBody) = await admin.GetJsonAsync($"v1/providers/{gateway["id"]}");
        Http.AssertError(asProvider, asProviderBody, 404, "CONNECTION_NOT_FOUND");
        var (_, all) = await admin.GetJsonAsync("v1/connections/?kind=gateway&limit=200");
        Assert.Contains(all!["items"]!.AsArray(), c => (string?)c!["id"] == (string?)gateway["id"]);

        var (wrongKind, wrongKindBody) = await admin.PostJsonAsync("v1/providers/", new { name = "x", kind = "gateway", type = "apigee" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, wrongKind.StatusCode);
        Assert.Equal("kind", (string?)wrongKindBody!["detail"]![0]!["loc"]![1]);
        var (missing, missingBody) = await admin.PostJsonAsync("v1/connections/", new { name = "x" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, missing.StatusCode);
        var missingFields = missingBody!["detail"]!.AsArray().Select(p => (string?)p!["loc"]![1]).ToList();
        Assert.Contains("kind", missingFields);
        Assert.Contains("type", missingFields);
    }

    [Fact]
    public async Task The_seeded_local_provider_is_there_and_healthy()
    {
        var client = Server.Client();
        var (_, local) = await client.GetJsonAsync($"v1/providers/{TestServer.LocalProviderId}");
        Assert.Equal("local", (string?)local!["name"]);
        Assert.Equal("local", (string?)local["type"]);
        Assert.Equal("compass-local-1", (string?)local["default_model"]);
        Assert.Equal("connected", (string?)local["status"]);

        var (health, healthBody) = await client.PostJsonAsync($"v1/providers/{TestServer.LocalProviderId}/health");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal("connected", (string?)healthBody!["status"]);
        Assert.False(string.IsNullOrEmpty((string?)healthBody["detail"]));
        Assert.EndsWith("Z", (string?)healthBody["checked_at"]);

        var (other, otherBody) = await Server.Client(TestServer.OtherKey).GetJsonAsync($"v1/connections/{TestServer.LocalProviderId}");
        Http.AssertError(other, otherBody, 404, "CONNECTION_NOT_FOUND");
    }

    [Fact]
    public async Task A_health_check_calls_the_configured_url_and_records_the_status()
    {
        await using var target = await LoopbackHttpServer.StartAsync();
        var admin = Server.Client(TestServer.AdminKey);
        var (_, up) = await admin.PostJsonAsync("v1/connections/", new { name = "up", kind = "integration", type = "http", configuration = new { base_url = target.Url } });
        var (_, upHealth) = await admin.PostJsonAsync($"v1/connections/{up!["id"]}/health");
        Assert.Equal("connected", (string?)upHealth!["status"]);
        Assert.Equal(1, target.Requests);

        // Port 9 (discard) on loopback is closed: the check fails and says why.
        var (_, down) = await admin.PostJsonAsync("v1/connections/", new { name = "down", kind = "integration", type = "http", configuration = new { base_url = "http://127.0.0.1:9/" } });
        var (_, downHealth) = await admin.PostJsonAsync($"v1/connections/{down!["id"]}/health");
        Assert.Equal("error", (string?)downHealth!["status"]);
        var (_, downRead) = await admin.GetJsonAsync($"v1/connections/{down["id"]}");
        Assert.Equal("error", (string?)downRead!["status"]);
    }

    private static StringContent JsonContent(object value) =>
        new(System.Text.Json.JsonSerializer.Serialize(value), System.Text.Encoding.UTF8, "application/json");
}

/// <summary>A tiny HTTP server on 127.0.0.1:0 that answers 200 to everything and counts requests.</summary>
public sealed class LoopbackHttpServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _requests;

    private LoopbackHttpServer(WebApplication app) => _app = app;

    public string Url { get; private set; } = "";
    public int Requests => _requests;

    public static async Task<LoopbackHttpServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new LoopbackHttpServer(app);
        app.Run(context =>
        {
            Interlocked.Increment(ref server._requests);
            return context.Response.WriteAsync("ok");
        });
        await app.StartAsync();
        server.Url = app.Urls.First();
        return server;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
