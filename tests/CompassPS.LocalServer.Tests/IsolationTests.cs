namespace CompassPS.LocalServer.Tests;

[Collection(SharedServerCollection.Name)]
public sealed class IsolationTests(SharedServer shared)
{
    [Theory]
    [InlineData("GET", "v1/workflows/{0}")]
    [InlineData("PATCH", "v1/workflows/{0}")]
    [InlineData("DELETE", "v1/workflows/{0}")]
    [InlineData("POST", "v1/workflows/{0}/validate")]
    [InlineData("POST", "v1/workflows/{0}/deploy")]
    [InlineData("GET", "v1/workflows/{0}/versions")]
    public async Task Another_projects_workflow_is_not_found_on_every_route(string method, string template)
    {
        var other = shared.Server.Client(TestServer.OtherKey);
        object? body = method switch { "PATCH" => new { description = "x" }, "POST" => new { }, _ => null };
        var (response, answer) = await other.SendAsync(new HttpMethod(method), string.Format(template, TestServer.DemoWorkflowId), body);
        Http.AssertError(response, answer, 404, "WORKFLOW_NOT_FOUND");
    }

    [Theory]
    [InlineData("GET", "v1/deployments/{0}")]
    [InlineData("PATCH", "v1/deployments/{0}")]
    public async Task Another_projects_deployment_is_not_found(string method, string template)
    {
        var other = shared.Server.Client(TestServer.OtherKey);
        object? body = method is "PATCH" ? new { status = "paused" } : null;
        var (response, answer) = await other.SendAsync(new HttpMethod(method), string.Format(template, TestServer.DemoDeploymentId), body);
        Http.AssertError(response, answer, 404, "DEPLOYMENT_NOT_FOUND");
    }

    [Fact]
    public async Task The_second_project_works_on_its_own_objects()
    {
        var other = shared.Server.Client(TestServer.OtherKey);
        var (_, workflow) = await other.PostJsonAsync("v1/workflows/", new { name = "mine", definition = Definitions.MissingInput });
        var (_, own) = await other.GetJsonAsync($"v1/workflows/{workflow!["id"]}");
        Assert.Equal("mine", (string?)own!["name"]);
        var (hidden, hiddenBody) = await shared.Server.Client().GetJsonAsync($"v1/workflows/{workflow["id"]}");
        Http.AssertError(hidden, hiddenBody, 404, "WORKFLOW_NOT_FOUND");
    }

    [Fact]
    public async Task Deleting_a_deployed_workflow_removes_its_deployment()
    {
        var client = shared.Server.Client();
        var (_, workflow) = await client.PostJsonAsync("v1/workflows/", new { name = "short-lived", definition = Definitions.Research });
        var (_, deployment) = await client.PostJsonAsync($"v1/workflows/{workflow!["id"]}/deploy");
        await client.SendAsync(HttpMethod.Delete, $"v1/workflows/{workflow["id"]}");
        var (response, body) = await client.GetJsonAsync($"v1/deployments/{deployment!["id"]}");
        Http.AssertError(response, body, 404, "DEPLOYMENT_NOT_FOUND");
        var (versions, versionsBody) = await client.GetJsonAsync($"v1/workflows/{workflow["id"]}/versions");
        Http.AssertError(versions, versionsBody, 404, "WORKFLOW_NOT_FOUND");
    }
}

public sealed class ConcurrencyLimitTests
{
    [Fact]
    public async Task Runs_beyond_the_concurrency_limit_wait_in_pending()
    {
        await using var server = await TestServer.StartAsync("--max-concurrent-runs", "1", "--delay-scale", "20");
        var client = server.Client();
        var first = (string)(await client.StartDemoRunAsync("first"))["id"]!;
        var second = (string)(await client.StartDemoRunAsync("second"))["id"]!;
        await client.WaitForRunAsync(first, untilStatuses: "running");
        await Task.Delay(300);
        Assert.Equal("pending", (string?)(await client.GetJsonAsync($"v1/runs/{second}")).Body!["status"]);

        // Freeing the slot lets the waiting run start.
        await client.PostJsonAsync($"v1/runs/{first}/cancel");
        await client.WaitForRunAsync(second, untilStatuses: "running");
        await client.PostJsonAsync($"v1/runs/{second}/cancel");
    }
}
