using System.Management.Automation;
using System.Text.Json;
using CompassPS.Client;
using Xunit;

namespace CompassPS.Tests;

/// <summary>The run-detail and approval calls: what they send, and how they read odd or broken answers.</summary>
public sealed class RunDetailsClientTests
{
    [Fact]
    public async Task Cancel_posts_to_the_run_and_reads_the_cancelled_run()
    {
        await using var server = await ScriptedServer.StartAsync();
        server.Handle(c => ScriptedServer.Json(c, TestData.RunJson("r/1", "cancelled")));
        var run = await TestData.Client(server).CancelRunAsync("r/1", default);

        Assert.Equal("cancelled", run.Status);
        var request = Assert.Single(server.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal("/v1/runs/r%2F1/cancel", request.Path);
    }

    [Fact]
    public async Task A_finished_run_is_a_conflict_carrying_the_server_message_and_code()
    {
        await using var server = await ScriptedServer.StartAsync();
        server.Handle(c => ScriptedServer.Json(c, """{"detail":"Run 'r1' already finished with status 'completed'.","code":"RUN_ALREADY_FINISHED"}""", 409));
        var ex = await Assert.ThrowsAsync<CompassApiException>(() => TestData.Client(server).CancelRunAsync("r1", default));

        Assert.Equal(CompassErrorKind.Conflict, ex.Kind);
        Assert.Equal("RUN_ALREADY_FINISHED", ex.CompassCode);
        Assert.Equal("Run 'r1' already finished with status 'completed'.", ex.ServerMessage);
        Assert.Single(server.Requests);
    }

    [Fact]
    public async Task Decisions_post_the_comment_only_when_given()
    {
        await using var server = await ScriptedServer.StartAsync();
        server.Handle(c => ScriptedServer.Json(c, """{"id":"a1","run_id":"r1","status":"approved","comment":"ok"}"""));
        var client = TestData.Client(server);
        var approved = await client.DecideApprovalAsync("a1", approve: true, comment: "ok \"quoted\"", default);
        await client.DecideApprovalAsync("a1", approve: false, comment: null, default);

        Assert.Equal("approved", approved.Status);
        var requests = server.Requests.ToArray();
        Assert.Equal("/v1/approvals/a1/approve", requests[0].Path);
        Assert.Equal("ok \"quoted\"", JsonDocument.Parse(requests[0].Body).RootElement.GetProperty("comment").GetString());
        Assert.Equal("/v1/approvals/a1/reject", requests[1].Path);
        Assert.Equal("{}", requests[1].Body);
    }

    [Fact]
    public async Task Approval_lists_send_their_filters_and_page()
    {
        await using var server = await ScriptedServer.StartAsync();
        server.Handle(c => ScriptedServer.Json(c, """{"items":[{"id":"a1","run_id":"r1","status":"pending","args":{"query":"q"}}],"total":1,"limit":50,"offset":0}"""));
        var pages = new List<ListPage<Approval>>();
        await foreach (var page in TestData.Client(server).ListApprovalsAsync(new ApprovalFilter { Status = "pending", RunId = "r1" }, 0, null, default)) pages.Add(page);

        var approval = Assert.Single(Assert.Single(pages).Items);
        Assert.Equal("q", ((PSObject)approval.Args!).Properties["query"].Value);
        var request = Assert.Single(server.Requests);
        Assert.Equal("/v1/approvals/", request.Path);
        Assert.Contains("status=pending", request.Query);
        Assert.Contains("run_id=r1", request.Query);
    }

    [Fact]
    public async Task Executions_from_a_server_that_does_not_page_are_all_read_in_one_request()
    {
        await using var server = await ScriptedServer.StartAsync();
        server.Handle(c => ScriptedServer.Json(c, """[{"id":"s1","kind":"node","node_id":"input","status":"completed","tokens":0},{"id":"s2","kind":"tool_call","parent_step_id":"s1","child_run_id":"r2","status":"completed","tokens":3,"cost":1.5}]"""));
        var records = new List<RunExecution>();
        await foreach (var page in TestData.Client(server).ListRunExecutionsAsync("r1", 0, null, default)) records.AddRange(page.Items);

        Assert.Equal(new[] { "s1", "s2" }, records.Select(r => r.Id));
        Assert.Equal("r2", records[1].ChildRunId);
        Assert.Equal(1.5, records[1].ToPSObject().Properties["Cost"].Value);
        Assert.Equal("/v1/runs/r1/executions", Assert.Single(server.Requests).Path);
    }

    [Fact]
    public async Task A_tree_links_every_step_to_its_parent_and_marks_failures_even_without_a_failed_field()
    {
        await using var server = await ScriptedServer.StartAsync();
        server.Handle(c => ScriptedServer.Json(c, """
            {"id":"r1","name":"outer","status":"failed","children":[
              {"id":"s1","run_id":"r1","kind":"node","node_id":"agent","name":"Agent","status":"failed","error":"boom","children":[
                {"id":"s2","run_id":"r1","kind":"tool_call","node_id":"agent","name":"lookup","status":"completed","child_run_id":"r2","children":[
                  {"id":"r2","kind":"run","name":"inner","status":"completed","shard":7,"children":[]}]}]}]}
            """));
        var root = await TestData.Client(server).GetRunTreeAsync("r1", default);
        var steps = root.DescendantsAndSelf().ToList();

        Assert.Equal(new[] { "r1", "s1", "s2", "r2" }, steps.Select(s => s.Id));
        Assert.Equal(RunStep.RunKind, root.Kind);
        Assert.Equal(new[] { 0, 1, 2, 3 }, steps.Select(s => s.Depth));
        Assert.Equal(new[] { "outer", "outer/agent", "outer/agent/lookup", "outer/agent/lookup/inner" }, steps.Select(s => s.Path));
        Assert.Equal(new[] { true, true, false, false }, steps.Select(s => s.Failed));
        Assert.All(steps.Skip(1), s => Assert.Same(steps[steps.IndexOf(s) - 1], s.Parent));
        Assert.All(steps, s => Assert.Equal("r1", s.RootRunId));
        Assert.Equal("r2", steps[3].RunId);
        Assert.Equal(7L, steps[3].ToPSObject().Properties["Shard"].Value);
    }

    [Theory]
    [InlineData("""{"id":"r1","status":"completed","children":{"id":"s1"}}""", "children")]
    [InlineData("""{"id":"r1","status":"completed","children":[{"status":"completed"}]}""", "id")]
    [InlineData("""{"id":"r1","status":"completed","children":[{"id":"s1","failed":"yes"}]}""", "failed")]
    public async Task A_malformed_tree_is_an_invalid_response_naming_the_field(string body, string field)
    {
        await using var server = await ScriptedServer.StartAsync();
        server.Handle(c => ScriptedServer.Json(c, body));
        var ex = await Assert.ThrowsAsync<CompassApiException>(() => TestData.Client(server).GetRunTreeAsync("r1", default));

        Assert.Equal(CompassErrorKind.InvalidResponse, ex.Kind);
        Assert.Contains(field, ex.Message);
    }

    [Fact]
    public async Task A_summary_sends_its_window_and_filters_and_reads_counts_and_latency()
    {
        await using var server = await ScriptedServer.StartAsync();
        server.Handle(c => ScriptedServer.Json(c, """{"window":"7d","total":5,"by_status":{"completed":3,"failed":1,"cancelled":1,"paused":2},"success_rate":0.6,"total_tokens":120,"latency_ms":{"avg":812.5,"p95":1900}}"""));
        var summary = await TestData.Client(server).GetRunSummaryAsync(new RunSummaryFilter { Window = "7d", WorkflowId = "w 1", DeploymentId = "d1" }, default);

        Assert.Equal((5L, 3L, 1L, 1L, 0L), (summary.Total, summary.Completed, summary.Failed, summary.Cancelled, summary.Running));
        Assert.Equal(0.6, summary.SuccessRate);
        Assert.Equal(812.5, summary.AverageLatencyMs);
        Assert.Equal(1900d, summary.P95LatencyMs);
        Assert.Equal(2L, ((PSObject)summary.ByStatus!).Properties["paused"].Value);
        var request = Assert.Single(server.Requests);
        Assert.Equal("/v1/runs/summary", request.Path);
        Assert.Equal("?window=7d&workflow_id=w%201&deployment_id=d1", request.Query);
    }

    [Fact]
    public async Task A_summary_without_runs_or_latency_reads_as_zeros_and_nulls()
    {
        await using var server = await ScriptedServer.StartAsync();
        server.Handle(c => ScriptedServer.Json(c, """{"window":"30d","total":0,"success_rate":null}"""));
        var summary = await TestData.Client(server).GetRunSummaryAsync(new RunSummaryFilter(), default);

        Assert.Equal(0, summary.Total + summary.Completed + summary.Failed);
        Assert.Null(summary.SuccessRate);
        Assert.Null(summary.AverageLatencyMs);
        Assert.Equal("", Assert.Single(server.Requests).Query);
    }

    [Theory]
    [InlineData("""{"window":"7d","total":1,"by_status":[1]}""", "by_status")]
    [InlineData("""{"window":"7d","total":1,"latency_ms":{"avg":"fast"}}""", "avg")]
    public async Task A_malformed_summary_is_an_invalid_response_naming_the_field(string body, string field)
    {
        await using var server = await ScriptedServer.StartAsync();
        server.Handle(c => ScriptedServer.Json(c, body));
        var ex = await Assert.ThrowsAsync<CompassApiException>(() => TestData.Client(server).GetRunSummaryAsync(new RunSummaryFilter(), default));

        Assert.Equal(CompassErrorKind.InvalidResponse, ex.Kind);
        Assert.Contains(field, ex.Message);
    }

    [Fact]
    public async Task An_approval_without_a_status_is_an_invalid_response()
    {
        await using var server = await ScriptedServer.StartAsync();
        server.Handle(c => ScriptedServer.Json(c, """{"id":"a1","run_id":"r1"}"""));
        var ex = await Assert.ThrowsAsync<CompassApiException>(() => TestData.Client(server).GetApprovalAsync("a1", default));

        Assert.Equal(CompassErrorKind.InvalidResponse, ex.Kind);
        Assert.Contains("status", ex.Message);
    }
}
