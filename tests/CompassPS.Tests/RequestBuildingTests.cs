using System.Text.Json;
using CompassPS.Client;
using Xunit;

namespace CompassPS.Tests;

public sealed class RequestBuildingTests
{
    [Fact]
    public async Task GetRun_uses_the_item_path_the_bearer_key_and_the_user_agent()
    {
        await using var server = await ScriptedServer.StartAsync();
        server.Handle(c => ScriptedServer.Json(c, TestData.RunJson("r1")));
        var run = await TestData.Client(server).GetRunAsync("r1", default);

        Assert.Equal("r1", run.Id);
        var seen = Assert.Single(server.Requests);
        Assert.Equal("GET", seen.Method);
        Assert.Equal("/v1/runs/r1", seen.Path);
        Assert.Equal("Bearer " + TestData.Key, seen.Headers["Authorization"]);
        Assert.StartsWith("CompassPS/0.1.0 (PowerShell", seen.Headers["User-Agent"]);
        Assert.False(seen.Headers.ContainsKey("X-Compass-Project-Id"));
    }

    [Fact]
    public async Task The_project_header_is_sent_only_when_a_project_is_set()
    {
        await using var server = await ScriptedServer.StartAsync();
        server.Handle(c => ScriptedServer.Json(c, TestData.RunJson("r1")));
        await TestData.Client(server, o => o.ProjectId = "proj-9").GetRunAsync("r1", default);
        Assert.Equal("proj-9", Assert.Single(server.Requests).Headers["X-Compass-Project-Id"]);
    }

    [Fact]
    public async Task Ids_are_escaped_into_the_path()
    {
        await using var server = await ScriptedServer.StartAsync();
        server.Handle(c => ScriptedServer.Json(c, TestData.RunJson("a/b")));
        await TestData.Client(server).GetRunAsync("a/b", default);
        Assert.Equal("/v1/runs/a%2Fb", Assert.Single(server.Requests).Path);
    }

    [Fact]
    public async Task An_empty_id_is_refused_before_any_request()
    {
        await using var server = await ScriptedServer.StartAsync();
        var ex = await Assert.ThrowsAsync<CompassApiException>(() => TestData.Client(server).GetRunAsync(" ", default));
        Assert.Equal(CompassErrorKind.InvalidInput, ex.Kind);
        Assert.Empty(server.Requests);
    }

    [Fact]
    public async Task Dispatch_posts_snake_case_json_to_the_collection_path_with_an_idempotency_key()
    {
        await using var server = await ScriptedServer.StartAsync();
        server.Handle(c => ScriptedServer.Json(c, TestData.RunJson("r1", "pending"), 201));
        var dispatch = new RunDispatch { DeploymentId = "dep-1", InputJson = """{"topic":"Q3"}"""u8.ToArray(), ConversationId = "conv-1" };
        var run = await TestData.Client(server).CreateRunAsync(dispatch, default);

        Assert.Equal("pending", run.Status);
        var seen = Assert.Single(server.Requests);
        Assert.Equal("POST", seen.Method);
        Assert.Equal("/v1/runs/", seen.Path);
        Assert.Equal(dispatch.IdempotencyKey, seen.Headers["Idempotency-Key"]);
        Assert.StartsWith("application/json", seen.Headers["Content-Type"]);
        using var body = JsonDocument.Parse(seen.Body);
        Assert.Equal("dep-1", body.RootElement.GetProperty("deployment_id").GetString());
        Assert.Equal("Q3", body.RootElement.GetProperty("input_data").GetProperty("topic").GetString());
        Assert.Equal("conv-1", body.RootElement.GetProperty("conversation_id").GetString());
        Assert.False(body.RootElement.TryGetProperty("workflow_id", out _));
    }

    [Fact]
    public async Task Dispatch_needs_exactly_one_target()
    {
        await using var server = await ScriptedServer.StartAsync();
        var client = TestData.Client(server);
        await Assert.ThrowsAsync<CompassApiException>(() => client.CreateRunAsync(new RunDispatch(), default));
        await Assert.ThrowsAsync<CompassApiException>(() => client.CreateRunAsync(new RunDispatch { DeploymentId = "d", WorkflowId = "w" }, default));
        Assert.Empty(server.Requests);
    }

    [Fact]
    public async Task A_base_url_with_a_path_prefix_keeps_it()
    {
        await using var server = await ScriptedServer.StartAsync();
        server.Handle(c => ScriptedServer.Json(c, TestData.RunJson("r1")));
        await TestData.Client(new Uri(server.BaseUrl, "/compass")).GetRunAsync("r1", default);
        Assert.Equal("/compass/v1/runs/r1", Assert.Single(server.Requests).Path);
    }
}
