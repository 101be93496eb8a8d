using System.Net;
using System.Text.Json.Nodes;

namespace CompassPS.LocalServer.Tests;

[Collection(SharedServerCollection.Name)]
public sealed class RunDetailsTests(SharedServer shared)
{
    private TestServer Server => shared.Server;

    [Fact]
    public async Task Executions_list_one_record_per_node_and_tool_call()
    {
        var client = Server.Client();
        var runId = (string)(await client.StartDemoRunAsync("executions"))["id"]!;
        var run = await client.WaitForRunAsync(runId);
        var (response, page) = await client.GetJsonAsync($"v1/runs/{runId}/executions");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var items = page!["items"]!.AsArray();
        Assert.Equal((int)run["step_count"]!, (int)page["total"]!);
        var agent = items.Single(e => (string?)e!["node_id"] == "researcher" && (string?)e["kind"] == "node")!;
        Assert.Equal("agent", (string?)agent["type"]);
        Assert.Equal("completed", (string?)agent["status"]);
        Assert.Equal("compass-local-1", (string?)agent["model"]);
        Assert.True((int)agent["tokens"]! > 0);
        foreach (var field in new[] { "name", "started_at", "finished_at", "duration_ms", "input", "output", "error" })
            Assert.True(agent.AsObject().ContainsKey(field), $"missing {field}");
        Assert.Contains(items, e => (string?)e!["kind"] == "tool_call" && (string?)e["name"] == "lookup");
        Assert.Contains(items, e => (string?)e!["node_id"] == "input");
    }

    [Fact]
    public async Task The_tree_nests_tool_calls_under_their_agent_and_sub_runs_under_their_tool_call()
    {
        var client = Server.Client();
        var runId = (string)(await client.StartDemoRunAsync("tree"))["id"]!;
        await client.WaitForRunAsync(runId);
        var (_, tree) = await client.GetJsonAsync($"v1/runs/{runId}/tree");
        Assert.Equal("run", (string?)tree!["kind"]);
        Assert.Equal(runId, (string?)tree["id"]);
        var agent = tree["children"]!.AsArray().Single(c => (string?)c!["node_id"] == "researcher")!;
        var toolCall = agent["children"]!.AsArray().Single(c => (string?)c!["kind"] == "tool_call")!;
        Assert.NotNull(toolCall["args"]);
        var subRun = toolCall["children"]!.AsArray().Single(c => (string?)c!["kind"] == "run")!;
        Assert.Equal(TestServer.LookupWorkflowId, (string?)subRun["workflow_id"]);
        Assert.Equal("completed", (string?)subRun["status"]);
        Assert.NotEmpty(subRun["children"]!.AsArray());

        // The sub-run is a run of its own, readable by id, but not listed among the project's runs.
        var (subResponse, subBody) = await client.GetJsonAsync($"v1/runs/{subRun["id"]}");
        Assert.Equal(HttpStatusCode.OK, subResponse.StatusCode);
        Assert.Equal(runId, (string?)subBody!["parent_run_id"]);
        var (_, list) = await client.GetJsonAsync("v1/runs/?limit=200");
        Assert.DoesNotContain(list!["items"]!.AsArray(), r => (string?)r!["id"] == (string?)subRun["id"]);
    }

    [Fact]
    public async Task A_failed_run_marks_its_failed_step_in_the_tree()
    {
        var client = Server.Client();
        var (_, created) = await client.PostJsonAsync("v1/runs/", new { deployment_id = TestServer.DemoDeploymentId, input_data = new JsonObject() });
        var runId = (string)created!["id"]!;
        await client.WaitForRunAsync(runId);
        var (_, tree) = await client.GetJsonAsync($"v1/runs/{runId}/tree");
        Assert.True((bool)tree!["failed"]!);
        Assert.Equal("failed", (string?)tree["status"]);
    }

    [Fact]
    public async Task The_summary_counts_runs_by_status_over_a_window_and_is_never_read_as_a_run_id()
    {
        var client = Server.Client();
        var (_, workflow) = await client.PostJsonAsync("v1/workflows/", new { name = "summary " + Guid.NewGuid(), definition = Definitions.Research });
        var workflowId = (string)workflow!["id"]!;
        var ok = await client.PostJsonAsync("v1/runs/", new { workflow_id = workflowId, input_data = new { topic = "a" } });
        var bad = await client.PostJsonAsync("v1/runs/", new { workflow_id = workflowId, input_data = new JsonObject() });
        await client.WaitForRunAsync((string)ok.Body!["id"]!);
        await client.WaitForRunAsync((string)bad.Body!["id"]!);

        var (response, summary) = await client.GetJsonAsync($"v1/runs/summary?workflow_id={workflowId}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("30d", (string?)summary!["window"]);
        Assert.Equal(2, (int)summary["total"]!);
        Assert.Equal(1, (int)summary["by_status"]!["completed"]!);
        Assert.Equal(1, (int)summary["by_status"]!["failed"]!);
        Assert.Equal(0.5, (double)summary["success_rate"]!);
        Assert.True((long)summary["total_tokens"]! > 0);
        Assert.NotNull(summary["latency_ms"]!["avg"]);
        Assert.NotNull(summary["latency_ms"]!["p95"]);

        var (_, projectWide) = await client.GetJsonAsync("v1/runs/summary/?window=24h");
        Assert.True((int)projectWide!["total"]! >= 2);
        var (_, none) = await Server.Client(TestServer.OtherKey).GetJsonAsync("v1/runs/summary");
        Assert.Equal(0, (int)none!["total"]!);
        Assert.Null(none["success_rate"]);
        var (badWindow, _) = await client.GetJsonAsync("v1/runs/summary?window=forever");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, badWindow.StatusCode);
    }

    [Fact]
    public async Task Cancelling_a_finished_run_is_409_and_unknown_runs_are_404()
    {
        var client = Server.Client();
        var runId = (string)(await client.StartDemoRunAsync("done"))["id"]!;
        await client.WaitForRunAsync(runId);
        var (finished, finishedBody) = await client.PostJsonAsync($"v1/runs/{runId}/cancel");
        Http.AssertError(finished, finishedBody, 409, "RUN_ALREADY_FINISHED");
        Assert.Equal("completed", (string?)(await client.GetJsonAsync($"v1/runs/{runId}")).Body!["status"]);

        foreach (var path in new[] { "executions", "tree" })
        {
            var (response, body) = await client.GetJsonAsync($"v1/runs/{Guid.NewGuid()}/{path}");
            Http.AssertError(response, body, 404, "RUN_NOT_FOUND");
        }
        var (cancel, cancelBody) = await Server.Client(TestServer.OtherKey).PostJsonAsync($"v1/runs/{runId}/cancel");
        Http.AssertError(cancel, cancelBody, 404, "RUN_NOT_FOUND");
    }
}
