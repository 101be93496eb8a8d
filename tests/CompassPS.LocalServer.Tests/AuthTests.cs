using System.Net;

namespace CompassPS.LocalServer.Tests;

[Collection(SharedServerCollection.Name)]
public sealed class AuthTests(SharedServer shared)
{
    private TestServer Server => shared.Server;

    [Theory]
    [InlineData("v1/runs/")]
    [InlineData("v1/workflows/")]
    [InlineData("v1/deployments/")]
    [InlineData("v1/streams/00000000-0000-4000-8000-000000000000")]
    public async Task A_request_without_a_key_is_401_with_a_json_error(string path)
    {
        var (response, body) = await Server.Client(key: null).GetJsonAsync(path);
        Http.AssertError(response, body, 401, "AUTH_MISSING");
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
    }

    [Fact]
    public async Task An_unknown_key_is_401_and_the_answer_never_repeats_it()
    {
        const string wrongKey = "cmp_local_wrong_key_1234";
        var client = Server.Client(wrongKey);
        var response = await client.GetAsync("v1/runs/");
        var text = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("AUTH_INVALID", text);
        Assert.DoesNotContain(wrongKey, text);
        Assert.DoesNotContain(wrongKey, response.Headers.ToString());
    }

    [Fact]
    public async Task A_key_of_another_project_sees_none_of_the_default_projects_objects()
    {
        var run = await Server.Client().StartDemoRunAsync();
        var other = Server.Client(TestServer.OtherKey);

        var (runResponse, runBody) = await other.GetJsonAsync($"v1/runs/{run["id"]}");
        Http.AssertError(runResponse, runBody, 404, "RUN_NOT_FOUND");
        var (streamResponse, streamBody) = await other.GetJsonAsync($"v1/streams/{run["id"]}");
        Http.AssertError(streamResponse, streamBody, 404, "RUN_NOT_FOUND");
        var (deploymentResponse, deploymentBody) = await other.GetJsonAsync($"v1/deployments/{TestServer.DemoDeploymentId}");
        Http.AssertError(deploymentResponse, deploymentBody, 404, "DEPLOYMENT_NOT_FOUND");
        var (dispatch, dispatchBody) = await other.PostJsonAsync("v1/runs/", new { deployment_id = TestServer.DemoDeploymentId, input_data = new { topic = "x" } });
        Http.AssertError(dispatch, dispatchBody, 404, "DEPLOYMENT_NOT_FOUND");

        var (_, runs) = await other.GetJsonAsync("v1/runs/");
        Assert.DoesNotContain(runs!["items"]!.AsArray(), r => (string?)r!["id"] == (string?)run["id"]);
        var (_, workflows) = await other.GetJsonAsync("v1/workflows/");
        Assert.DoesNotContain(workflows!["items"]!.AsArray(), w => (string?)w!["id"] is TestServer.DemoWorkflowId or TestServer.LookupWorkflowId);
    }

    [Fact]
    public async Task The_project_header_may_name_the_keys_own_project_and_nothing_else()
    {
        var client = Server.Client();
        var (own, _) = await client.SendAsync(HttpMethod.Get, "v1/runs/", configure: r => r.Headers.Add("X-Compass-Project-Id", TestServer.DefaultProjectId));
        Assert.Equal(HttpStatusCode.OK, own.StatusCode);

        var (foreign, body) = await client.SendAsync(HttpMethod.Get, "v1/runs/",
            configure: r => r.Headers.Add("X-Compass-Project-Id", "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb"));
        Http.AssertError(foreign, body, 403, "PROJECT_FORBIDDEN");
    }

    [Fact]
    public async Task Whoami_tells_the_keys_project_and_role()
    {
        var (_, admin) = await Server.Client(TestServer.AdminKey).GetJsonAsync("v1/auth/whoami");
        Assert.Equal("admin", (string?)admin!["role"]);
        Assert.Equal(TestServer.DefaultProjectId, (string?)admin["project_id"]);
        Assert.Equal("Default", (string?)admin["project_name"]);
        var (_, member) = await Server.Client(TestServer.OtherKey).GetJsonAsync("v1/auth/whoami");
        Assert.Equal("member", (string?)member!["role"]);
        Assert.NotEqual(TestServer.DefaultProjectId, (string?)member["project_id"]);
    }

    [Fact]
    public async Task Unknown_routes_and_methods_answer_with_json_errors()
    {
        var client = Server.Client();
        var (missing, missingBody) = await client.GetJsonAsync("v1/no-such-thing");
        Http.AssertError(missing, missingBody, 404, "NOT_FOUND");
        var (method, methodBody) = await client.SendAsync(HttpMethod.Delete, "v1/runs/");
        Http.AssertError(method, methodBody, 405, "METHOD_NOT_ALLOWED");
    }
}
