using System.Net;

namespace CompassPS.LocalServer.Tests;

[Collection(SharedServerCollection.Name)]
public sealed class ConversationsTests(SharedServer shared)
{
    private TestServer Server => shared.Server;

    [Fact]
    public async Task A_conversation_collects_its_runs_and_an_agent_with_history_sees_the_earlier_turns()
    {
        var client = Server.Client();
        var (_, workflow) = await client.PostJsonAsync("v1/workflows/", new { name = "chat " + Guid.NewGuid(), definition = Definitions.ResearchWithHistory });
        var workflowId = (string)workflow!["id"]!;
        var (created, conversation) = await client.PostJsonAsync("v1/conversations/", new { title = "Planning", workflow_id = workflowId });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var conversationId = (string)conversation!["id"]!;
        Assert.Equal("Planning", (string?)conversation["title"]);
        Assert.Equal(0, (int)conversation["run_count"]!);

        var (_, firstRun) = await client.PostJsonAsync("v1/runs/", new { workflow_id = workflowId, conversation_id = conversationId, input_data = new { topic = "first topic" } });
        var first = await client.WaitForRunAsync((string)firstRun!["id"]!);
        Assert.Equal("completed", (string?)first["status"]);
        Assert.DoesNotContain("Earlier in this conversation", first["output"]!.ToJsonString());

        var (_, secondRun) = await client.PostJsonAsync("v1/runs/", new { workflow_id = workflowId, conversation_id = conversationId, input_data = new { topic = "second topic" } });
        var second = await client.WaitForRunAsync((string)secondRun!["id"]!);
        Assert.Equal(conversationId, (string?)second["conversation_id"]);
        Assert.Contains("Earlier in this conversation", second["output"]!.ToJsonString());

        var (_, runs) = await client.GetJsonAsync($"v1/conversations/{conversationId}/runs");
        Assert.Equal(new[] { (string?)second["id"], (string?)first["id"] }, runs!["items"]!.AsArray().Select(r => (string?)r!["id"]));
        var (_, byFilter) = await client.GetJsonAsync($"v1/runs/?conversation_id={conversationId}");
        Assert.Equal(2, (int)byFilter!["total"]!);
        var (_, read) = await client.GetJsonAsync($"v1/conversations/{conversationId}");
        Assert.Equal(2, (int)read!["run_count"]!);

        var (renamed, renamedBody) = await client.SendAsync(HttpMethod.Patch, $"v1/conversations/{conversationId}", new { title = "Roadmap" });
        Assert.Equal(HttpStatusCode.OK, renamed.StatusCode);
        Assert.Equal("Roadmap", (string?)renamedBody!["title"]);
        var (emptyTitle, _) = await client.SendAsync(HttpMethod.Patch, $"v1/conversations/{conversationId}", new { title = "" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, emptyTitle.StatusCode);

        var (_, list) = await client.GetJsonAsync($"v1/conversations/?workflow_id={workflowId}");
        Assert.Equal(conversationId, (string?)Assert.Single(list!["items"]!.AsArray())!["id"]);

        var (deleted, _) = await client.SendAsync(HttpMethod.Delete, $"v1/conversations/{conversationId}");
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        var (gone, goneBody) = await client.GetJsonAsync($"v1/conversations/{conversationId}");
        Http.AssertError(gone, goneBody, 404, "CONVERSATION_NOT_FOUND");
        // The runs outlive their conversation.
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"v1/runs/{first["id"]}")).StatusCode);
    }

    [Fact]
    public async Task A_conversation_for_a_deployment_records_its_workflow()
    {
        var (_, conversation) = await Server.Client().PostJsonAsync("v1/conversations/", new { deployment_id = TestServer.DemoDeploymentId });
        Assert.Equal(TestServer.DemoWorkflowId, (string?)conversation!["workflow_id"]);
        Assert.Equal(TestServer.DemoDeploymentId, (string?)conversation["deployment_id"]);
    }

    [Fact]
    public async Task Bad_conversations_are_refused()
    {
        var client = Server.Client();
        var (neither, neitherBody) = await client.PostJsonAsync("v1/conversations/", new { title = "x" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, neither.StatusCode);
        Assert.Equal("VALIDATION_ERROR", (string?)neitherBody!["code"]);
        var (unknown, unknownBody) = await client.PostJsonAsync("v1/conversations/", new { workflow_id = Guid.NewGuid() });
        Http.AssertError(unknown, unknownBody, 404, "WORKFLOW_NOT_FOUND");
        var (mismatch, _) = await client.PostJsonAsync("v1/conversations/", new { deployment_id = TestServer.DemoDeploymentId, workflow_id = TestServer.LookupWorkflowId });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, mismatch.StatusCode);

        var (_, own) = await client.PostJsonAsync("v1/conversations/", new { deployment_id = TestServer.DemoDeploymentId });
        var (other, otherBody) = await Server.Client(TestServer.OtherKey).GetJsonAsync($"v1/conversations/{own!["id"]}");
        Http.AssertError(other, otherBody, 404, "CONVERSATION_NOT_FOUND");
    }
}
