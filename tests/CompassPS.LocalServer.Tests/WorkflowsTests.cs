using System.Net;
using System.Text.Json.Nodes;

namespace CompassPS.LocalServer.Tests;

[Collection(SharedServerCollection.Name)]
public sealed class WorkflowsTests(SharedServer shared)
{
    private TestServer Server => shared.Server;

    private async Task<JsonObject> CreateAsync(string name, string definition, string type = "workflow")
    {
        var (response, body) = await Server.Client().PostJsonAsync("v1/workflows/", new { name, description = "test", type, definition });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return body!.AsObject();
    }

    [Fact]
    public async Task Create_read_update_and_delete_a_workflow()
    {
        var client = Server.Client();
        var created = await CreateAsync("crud " + Guid.NewGuid(), Definitions.Research);
        var id = (string)created["id"]!;
        Assert.Equal("workflow", (string?)created["type"]);
        Assert.Equal(Definitions.Research, (string?)created["definition"]);
        Assert.Null(created["latest_version"]);
        Assert.Null(created["deployment_id"]);

        var (_, read) = await client.GetJsonAsync($"v1/workflows/{id}");
        Assert.Equal((string?)created["name"], (string?)read!["name"]);

        var (patched, patchedBody) = await client.SendAsync(HttpMethod.Patch, $"v1/workflows/{id}", new { description = "changed", type = "agent" });
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        Assert.Equal("changed", (string?)patchedBody!["description"]);
        Assert.Equal("agent", (string?)patchedBody["type"]);
        Assert.Equal(Definitions.Research, (string?)patchedBody["definition"]);

        var (deleted, _) = await client.SendAsync(HttpMethod.Delete, $"v1/workflows/{id}");
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        var (gone, goneBody) = await client.GetJsonAsync($"v1/workflows/{id}");
        Http.AssertError(gone, goneBody, 404, "WORKFLOW_NOT_FOUND");
    }

    [Fact]
    public async Task The_list_filters_by_type_and_name()
    {
        var name = "agent " + Guid.NewGuid();
        var agent = await CreateAsync(name, Definitions.Research, type: "agent");
        var client = Server.Client();

        var (_, agents) = await client.GetJsonAsync("v1/workflows/?type=agent&limit=200");
        Assert.All(agents!["items"]!.AsArray(), w => Assert.Equal("agent", (string?)w!["type"]));
        Assert.Contains(agents["items"]!.AsArray(), w => (string?)w!["id"] == (string?)agent["id"]);

        var (_, byName) = await client.GetJsonAsync($"v1/workflows/?name={Uri.EscapeDataString(name.ToUpperInvariant())}");
        Assert.Equal((string?)agent["id"], (string?)Assert.Single(byName!["items"]!.AsArray())!["id"]);

        var (bad, _) = await client.GetJsonAsync("v1/workflows/?type=robot");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, bad.StatusCode);
    }

    [Fact]
    public async Task Create_and_update_report_every_field_problem()
    {
        var client = Server.Client();
        var (response, body) = await client.PostJsonAsync("v1/workflows/", new { type = "robot" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var fields = body!["detail"]!.AsArray().Select(p => (string?)p!["loc"]![1]).ToList();
        Assert.Contains("name", fields);
        Assert.Contains("definition", fields);
        Assert.Contains("type", fields);

        var (patch, _) = await client.SendAsync(HttpMethod.Patch, $"v1/workflows/{TestServer.DemoWorkflowId}", new { name = "" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, patch.StatusCode);
        var (unknown, unknownBody) = await client.SendAsync(HttpMethod.Patch, $"v1/workflows/{Guid.NewGuid()}", new { name = "x" });
        Http.AssertError(unknown, unknownBody, 404, "WORKFLOW_NOT_FOUND");
    }

    [Fact]
    public async Task Validate_answers_200_with_compass_codes_and_deploy_refuses_an_invalid_workflow_with_409()
    {
        var client = Server.Client();
        var (okResponse, ok) = await client.PostJsonAsync($"v1/workflows/{TestServer.DemoWorkflowId}/validate");
        Assert.Equal(HttpStatusCode.OK, okResponse.StatusCode);
        Assert.True((bool)ok!["valid"]!);
        Assert.Empty(ok["errors"]!.AsArray());

        var broken = await CreateAsync("broken " + Guid.NewGuid(), Definitions.MissingInput);
        var (badResponse, bad) = await client.PostJsonAsync($"v1/workflows/{broken["id"]}/validate");
        Assert.Equal(HttpStatusCode.OK, badResponse.StatusCode);
        Assert.False((bool)bad!["valid"]!);
        var error = bad["errors"]!.AsArray().First(e => (string?)e!["code"] == "MISSING_INPUT")!;
        Assert.False(string.IsNullOrEmpty((string?)error["message"]));
        Assert.True(error.AsObject().ContainsKey("node_id"));

        var (deploy, deployBody) = await client.PostJsonAsync($"v1/workflows/{broken["id"]}/deploy");
        Http.AssertError(deploy, deployBody, 409, "WORKFLOW_INVALID");
        Assert.False((bool)deployBody!["valid"]!);
        Assert.Contains(deployBody["errors"]!.AsArray(), e => (string?)e!["code"] == "MISSING_INPUT");
        var (_, after) = await client.GetJsonAsync($"v1/workflows/{broken["id"]}");
        Assert.Null(after!["deployment_id"]);

        // A definition in the body is validated instead of the draft.
        var (given, givenBody) = await client.PostJsonAsync($"v1/workflows/{broken["id"]}/validate", new { definition = Definitions.Research });
        Assert.Equal(HttpStatusCode.OK, given.StatusCode);
        Assert.True((bool)givenBody!["valid"]!);
    }

    [Fact]
    public async Task Deploy_freezes_numbered_versions_repoints_one_deployment_and_pins_called_workflows()
    {
        var client = Server.Client();
        var workflow = await CreateAsync("deployed " + Guid.NewGuid(), Definitions.Research);
        var id = (string)workflow["id"]!;

        var (first, v1) = await client.PostJsonAsync($"v1/workflows/{id}/deploy");
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(1, (int)v1!["live_version"]!);
        Assert.Equal("active", (string?)v1["status"]);
        var deploymentId = (string)v1["id"]!;

        await client.SendAsync(HttpMethod.Patch, $"v1/workflows/{id}", new { description = "second draft" });
        var (_, v2) = await client.PostJsonAsync($"v1/workflows/{id}/deploy");
        Assert.Equal(deploymentId, (string?)v2!["id"]);
        Assert.Equal(2, (int)v2["live_version"]!);

        var (_, read) = await client.GetJsonAsync($"v1/workflows/{id}");
        Assert.Equal(2, (int)read!["latest_version"]!);
        Assert.Equal(deploymentId, (string?)read["deployment_id"]);

        var (_, versions) = await client.GetJsonAsync($"v1/workflows/{id}/versions");
        var items = versions!["items"]!.AsArray();
        Assert.Equal(new[] { 2, 1 }, items.Select(v => (int)v!["version"]!));
        Assert.True((bool)items[0]!["is_live"]!);
        Assert.False((bool)items[1]!["is_live"]!);
        Assert.Equal(id, (string?)items[0]!["workflow_id"]);
        // The research workflow calls demo-lookup as a tool: its live version is pinned.
        Assert.Equal(1, (int)items[0]!["pinned_versions"]![TestServer.LookupWorkflowId]!);

        // A deployment run runs the live version.
        var (_, run) = await client.PostJsonAsync("v1/runs/", new { deployment_id = deploymentId, input_data = new { topic = "versions" } });
        Assert.Equal(2, (int)run!["version"]!);
        Assert.Equal("completed", (string?)(await client.WaitForRunAsync((string)run["id"]!))["status"]);
    }

    [Fact]
    public async Task A_workflow_definition_may_be_sent_as_a_json_object()
    {
        var (response, body) = await Server.Client().PostJsonAsync("v1/workflows/",
            new { name = "json " + Guid.NewGuid(), definition = new { name = "json", nodes = Array.Empty<object>() } });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("json", (string?)JsonNode.Parse((string)body!["definition"]!)!["name"]);
    }
}
