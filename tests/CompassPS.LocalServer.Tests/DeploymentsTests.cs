using System.Net;
using System.Text.Json.Nodes;

namespace CompassPS.LocalServer.Tests;

[Collection(SharedServerCollection.Name)]
public sealed class DeploymentsTests(SharedServer shared)
{
    private TestServer Server => shared.Server;

    private async Task<(string WorkflowId, string DeploymentId)> DeployTwiceAsync()
    {
        var client = Server.Client();
        var (_, workflow) = await client.PostJsonAsync("v1/workflows/", new { name = "dep " + Guid.NewGuid(), definition = Definitions.Research });
        var id = (string)workflow!["id"]!;
        await client.PostJsonAsync($"v1/workflows/{id}/deploy");
        var (_, deployment) = await client.PostJsonAsync($"v1/workflows/{id}/deploy");
        return (id, (string)deployment!["id"]!);
    }

    [Fact]
    public async Task Pause_refuses_new_runs_with_409_resume_accepts_them_archive_refuses_again()
    {
        var client = Server.Client();
        var (_, deploymentId) = await DeployTwiceAsync();
        var dispatch = new { deployment_id = deploymentId, input_data = new { topic = "p" } };

        var (paused, pausedBody) = await client.SendAsync(HttpMethod.Patch, $"v1/deployments/{deploymentId}", new { status = "paused" });
        Assert.Equal(HttpStatusCode.OK, paused.StatusCode);
        Assert.Equal("paused", (string?)pausedBody!["status"]);
        var (refused, refusedBody) = await client.PostJsonAsync("v1/runs/", dispatch);
        Http.AssertError(refused, refusedBody, 409, "DEPLOYMENT_NOT_ACTIVE");

        await client.SendAsync(HttpMethod.Patch, $"v1/deployments/{deploymentId}", new { status = "active" });
        var (accepted, _) = await client.PostJsonAsync("v1/runs/", dispatch);
        Assert.Equal(HttpStatusCode.Created, accepted.StatusCode);

        await client.SendAsync(HttpMethod.Patch, $"v1/deployments/{deploymentId}", new { status = "archived" });
        var (archived, archivedBody) = await client.PostJsonAsync("v1/runs/", dispatch);
        Http.AssertError(archived, archivedBody, 409, "DEPLOYMENT_NOT_ACTIVE");
    }

    [Fact]
    public async Task Promote_points_the_deployment_at_another_version()
    {
        var client = Server.Client();
        var (workflowId, deploymentId) = await DeployTwiceAsync();
        var (response, body) = await client.SendAsync(HttpMethod.Patch, $"v1/deployments/{deploymentId}", new { live_version = 1 });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, (int)body!["live_version"]!);
        var (_, versions) = await client.GetJsonAsync($"v1/workflows/{workflowId}/versions");
        Assert.True((bool)versions!["items"]!.AsArray().Single(v => (int)v!["version"]! == 1)!["is_live"]!);
        var (_, run) = await client.PostJsonAsync("v1/runs/", new { deployment_id = deploymentId, input_data = new { topic = "promoted" } });
        Assert.Equal(1, (int)run!["version"]!);
    }

    [Theory]
    [InlineData("{\"status\":\"sleeping\"}", "status")]
    [InlineData("{\"live_version\":99}", "live_version")]
    [InlineData("{\"live_version\":\"one\"}", "live_version")]
    [InlineData("{}", "status")]
    public async Task Bad_updates_are_422(string json, string field)
    {
        var (_, deploymentId) = await DeployTwiceAsync();
        var (response, body) = await Server.Client().SendAsync(HttpMethod.Patch, $"v1/deployments/{deploymentId}", json);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Contains(body!["detail"]!.AsArray(), p => (string?)p!["loc"]![1] == field);
    }

    [Fact]
    public async Task A_deployment_reports_its_recent_runs_success_rate_and_last_run()
    {
        var client = Server.Client();
        var (_, deploymentId) = await DeployTwiceAsync();
        var (_, fresh) = await client.GetJsonAsync($"v1/deployments/{deploymentId}");
        Assert.Equal(0, (int)fresh!["runs_24h"]!);
        Assert.Null(fresh["success_rate"]);
        Assert.Null(fresh["last_run_at"]);

        var (_, good) = await client.PostJsonAsync("v1/runs/", new { deployment_id = deploymentId, input_data = new { topic = "ok" } });
        var (_, bad) = await client.PostJsonAsync("v1/runs/", new { deployment_id = deploymentId, input_data = new JsonObject() });
        await client.WaitForRunAsync((string)good!["id"]!);
        await client.WaitForRunAsync((string)bad!["id"]!);

        var (_, stats) = await client.GetJsonAsync($"v1/deployments/{deploymentId}");
        Assert.Equal(2, (int)stats!["runs_24h"]!);
        Assert.Equal(0.5, (double)stats["success_rate"]!);
        Assert.Equal((string?)bad["created_at"], (string?)stats["last_run_at"]);

        var (_, list) = await client.GetJsonAsync("v1/deployments/?status=active&limit=200");
        Assert.All(list!["items"]!.AsArray(), d => Assert.Equal("active", (string?)d!["status"]));
        var (missing, missingBody) = await client.GetJsonAsync($"v1/deployments/{Guid.NewGuid()}");
        Http.AssertError(missing, missingBody, 404, "DEPLOYMENT_NOT_FOUND");
    }
}
