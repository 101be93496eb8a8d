using System.Net;
using System.Text.Json.Nodes;

namespace CompassPS.LocalServer.Tests;

[Collection(SharedServerCollection.Name)]
public sealed class ApprovalsTests(SharedServer shared)
{
    private TestServer Server => shared.Server;

    private async Task<(string RunId, JsonNode Approval)> StartRunAwaitingApprovalAsync(HttpClient client)
    {
        var (_, workflow) = await client.PostJsonAsync("v1/workflows/", new { name = "approve " + Guid.NewGuid(), definition = Definitions.ResearchWithApproval });
        var (_, run) = await client.PostJsonAsync("v1/runs/", new { workflow_id = workflow!["id"], input_data = new { topic = "needs a yes" } });
        var runId = (string)run!["id"]!;
        await client.WaitForRunAsync(runId, untilStatuses: "awaiting_approval");
        var (_, pending) = await client.GetJsonAsync($"v1/approvals/?run_id={runId}&status=pending");
        return (runId, Assert.Single(pending!["items"]!.AsArray())!);
    }

    [Fact]
    public async Task An_approved_tool_call_resumes_the_run_to_completion()
    {
        var client = Server.Client();
        var (runId, approval) = await StartRunAwaitingApprovalAsync(client);
        Assert.Equal("pending", (string?)approval["status"]);
        Assert.Equal("lookup", (string?)approval["tool"]);
        Assert.Equal("researcher", (string?)approval["node_id"]);
        Assert.NotNull(approval["args"]);
        Assert.Null(approval["decided_at"]);

        var (_, read) = await client.GetJsonAsync($"v1/approvals/{approval["id"]}");
        Assert.Equal((string?)approval["id"], (string?)read!["id"]);

        var (approved, approvedBody) = await client.PostJsonAsync($"v1/approvals/{approval["id"]}/approve", new { comment = "fine" });
        Assert.Equal(HttpStatusCode.OK, approved.StatusCode);
        Assert.Equal("approved", (string?)approvedBody!["status"]);
        Assert.Equal("fine", (string?)approvedBody["comment"]);
        Assert.NotNull(approvedBody["decided_at"]);

        var run = await client.WaitForRunAsync(runId);
        Assert.Equal("completed", (string?)run["status"]);
        var events = (await SseReader.ReadAllAsync(client, $"v1/streams/{runId}")).Frames.Events();
        var requested = Assert.Single(events, e => e.Event == "approval.requested");
        Assert.Equal((string?)approval["id"], (string?)requested.Json["approval_id"]);
        Assert.Equal("lookup", (string?)requested.Json["tool"]);
        Assert.True(events.IndexOf(requested) < events.FindIndex(e => e.Event == "tool_call.started"));

        var (again, againBody) = await client.PostJsonAsync($"v1/approvals/{approval["id"]}/reject");
        Http.AssertError(again, againBody, 409, "APPROVAL_NOT_PENDING");
    }

    [Fact]
    public async Task A_rejected_tool_call_fails_the_run_with_the_reason()
    {
        var client = Server.Client();
        var (runId, approval) = await StartRunAwaitingApprovalAsync(client);
        var (rejected, rejectedBody) = await client.PostJsonAsync($"v1/approvals/{approval["id"]}/reject", new { comment = "not today" });
        Assert.Equal(HttpStatusCode.OK, rejected.StatusCode);
        Assert.Equal("rejected", (string?)rejectedBody!["status"]);
        var run = await client.WaitForRunAsync(runId);
        Assert.Equal("failed", (string?)run["status"]);
        Assert.Contains("rejected", (string?)run["error"]);
    }

    [Fact]
    public async Task Cancelling_a_run_that_waits_for_approval_ends_it_and_closes_the_approval()
    {
        var client = Server.Client();
        var (runId, approval) = await StartRunAwaitingApprovalAsync(client);
        var (cancel, cancelled) = await client.PostJsonAsync($"v1/runs/{runId}/cancel");
        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        Assert.Equal("cancelled", (string?)cancelled!["status"]);
        var (_, closed) = await client.GetJsonAsync($"v1/approvals/{approval["id"]}");
        Assert.Equal("rejected", (string?)closed!["status"]);
        var events = (await SseReader.ReadAllAsync(client, $"v1/streams/{runId}")).Frames.Events();
        Assert.Equal("run.cancelled", events[^1].Event);
    }

    [Fact]
    public async Task Approvals_of_another_project_or_unknown_ids_are_404_and_bad_filters_422()
    {
        var client = Server.Client();
        var (_, approval) = await StartRunAwaitingApprovalAsync(client);
        var other = Server.Client(TestServer.OtherKey);
        var (get, getBody) = await other.GetJsonAsync($"v1/approvals/{approval["id"]}");
        Http.AssertError(get, getBody, 404, "APPROVAL_NOT_FOUND");
        var (approve, approveBody) = await other.PostJsonAsync($"v1/approvals/{approval["id"]}/approve");
        Http.AssertError(approve, approveBody, 404, "APPROVAL_NOT_FOUND");
        var (unknown, unknownBody) = await client.PostJsonAsync($"v1/approvals/{Guid.NewGuid()}/approve");
        Http.AssertError(unknown, unknownBody, 404, "APPROVAL_NOT_FOUND");
        var (bad, _) = await client.GetJsonAsync("v1/approvals/?status=maybe");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, bad.StatusCode);
        await client.PostJsonAsync($"v1/approvals/{approval["id"]}/approve");
    }
}
