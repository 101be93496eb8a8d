using System.Net;

namespace CompassPS.LocalServer.Tests;

[Collection(SharedServerCollection.Name)]
public sealed class OpenApiTests(SharedServer shared)
{
    [Fact]
    public async Task The_openapi_document_lists_every_route()
    {
        var (response, doc) = await shared.Server.Client(key: null).GetJsonAsync("v1/openapi.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var paths = doc!["paths"]!.AsObject();
        var expected = new (string Method, string Path)[]
        {
            ("post", "/v1/runs/"), ("get", "/v1/runs/"), ("get", "/v1/runs/{run_id}"), ("get", "/v1/runs/summary"),
            ("get", "/v1/runs/{run_id}/executions"), ("get", "/v1/runs/{run_id}/tree"), ("post", "/v1/runs/{run_id}/cancel"),
            ("get", "/v1/streams/{run_id}"),
            ("get", "/v1/workflows/"), ("post", "/v1/workflows/"), ("get", "/v1/workflows/{workflow_id}"),
            ("patch", "/v1/workflows/{workflow_id}"), ("delete", "/v1/workflows/{workflow_id}"),
            ("post", "/v1/workflows/{workflow_id}/validate"), ("post", "/v1/workflows/{workflow_id}/deploy"),
            ("get", "/v1/workflows/{workflow_id}/versions"),
            ("get", "/v1/deployments/"), ("get", "/v1/deployments/{deployment_id}"), ("patch", "/v1/deployments/{deployment_id}"),
            ("get", "/v1/conversations/"), ("post", "/v1/conversations/"), ("get", "/v1/conversations/{conversation_id}"),
            ("patch", "/v1/conversations/{conversation_id}"), ("delete", "/v1/conversations/{conversation_id}"), ("get", "/v1/conversations/{conversation_id}/runs"),
            ("get", "/v1/approvals/"), ("get", "/v1/approvals/{approval_id}"),
            ("post", "/v1/approvals/{approval_id}/approve"), ("post", "/v1/approvals/{approval_id}/reject"),
            ("get", "/v1/openapi.json"),
        };
        var connectionRoutes = new[] { "connections", "providers", "gateways" }.SelectMany(c => new (string, string)[]
        {
            ("get", $"/v1/{c}/"), ("post", $"/v1/{c}/"), ("get", $"/v1/{c}/{{connection_id}}"), ("patch", $"/v1/{c}/{{connection_id}}"),
            ("delete", $"/v1/{c}/{{connection_id}}"), ("post", $"/v1/{c}/{{connection_id}}/health"),
        });
        foreach (var (method, path) in expected.Concat(connectionRoutes))
        {
            Assert.True(paths.ContainsKey(path), $"{path} is missing");
            Assert.True(paths[path]!.AsObject().ContainsKey(method), $"{method.ToUpperInvariant()} {path} is missing");
        }
        Assert.Equal("3.0.3", (string?)doc["openapi"]);
    }
}
