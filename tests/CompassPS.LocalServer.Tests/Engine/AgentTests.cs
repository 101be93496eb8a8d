using System.Text.Json;
using System.Text.Json.Nodes;
using CompassPS.LocalServer.Engine;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Xunit;

namespace CompassPS.LocalServer.Tests.Engine;

public sealed class AgentTests
{
    /// <summary>A chat-input agent definition on the local provider; <paramref name="agentExtras"/> are extra lines of the agent node.</summary>
    private static string ChatAgent(string agentExtras = "", string model = SeedWorkflows.LocalModel) => $$"""
        name: helper
        type: agent
        nodes:
          - id: input
            type: component
            component_type: input
            config: { type: chat }
          - id: agent
            type: agent
            name: Helper
            model: { connection_id: {{SeedWorkflows.LocalProviderConnectionId}}, model: "{{model}}" }
            system_prompt: Be brief.
            inputs:
              input: { kind: ref, source: input, path: $.message }
        {{agentExtras}}
          - id: output
            type: component
            component_type: output
            inputs:
              value: { kind: ref, source: agent }
        """;

    private const string LookupTool = $"""
            tools:
              - source: "workflow:{SeedWorkflows.DemoLookupId}"
        """;

    [Fact]
    public async Task ToolName_DefaultsToTheWorkflowsName_AndArgumentsFitItsInput()
    {
        var harness = new EngineHarness();

        var result = await harness.RunAsync(ChatAgent(LookupTool), JsonValue.Create("find whales"));

        var started = harness.Sink.RootEvents.Single(recorded => recorded.Type == "tool_call.started");
        Assert.Equal("demo-lookup", started.Fields["tool"]!.GetValue<string>());
        Assert.Equal("""{"query":"find whales"}""", started.Fields["args"]!.ToJsonString());
        Assert.Contains("The tool demo-lookup returned: Reference notes for 'find whales'", result.Output!.GetValue<string>());
    }

    [Fact]
    public async Task EmptyModel_UsesTheConnectionsDefaultModel()
    {
        var harness = new EngineHarness();

        await harness.RunAsync(ChatAgent(model: ""), JsonValue.Create("hi"));

        Assert.Equal(SeedWorkflows.LocalModel, harness.Sink.Steps.Single(step => step.Start.NodeId == "agent").Start.Model);
    }

    [Fact]
    public async Task ToolsRequireApproval_Approved_AsksBeforeTheCallAndCompletes()
    {
        var harness = new EngineHarness();

        var result = await harness.RunAsync(ChatAgent(LookupTool + "\n    tools_require_approval: true"), JsonValue.Create("find whales"));

        var approval = Assert.Single(harness.Sink.Approvals);
        Assert.Equal("agent", approval.NodeId);
        Assert.Equal("demo-lookup", approval.Tool);
        Assert.Equal("""{"query":"find whales"}""", approval.Args!.ToJsonString());
        Assert.Contains("returned: Reference notes", result.Output!.GetValue<string>());
    }

    [Fact]
    public async Task ToolsRequireApproval_Rejected_FailsTheRunWithoutCallingTheTool()
    {
        var harness = new EngineHarness();
        harness.Sink.Decide = _ => new ApprovalDecision(false, "not today");

        var failure = await Assert.ThrowsAsync<RunFailedException>(
            () => harness.RunAsync(ChatAgent(LookupTool + "\n    tools_require_approval: true"), JsonValue.Create("find whales")));

        Assert.Equal("the call of the tool 'demo-lookup' was rejected: not today", failure.Message);
        Assert.Equal("agent", failure.NodeId);
        Assert.Empty(harness.Sink.Children);
        Assert.DoesNotContain(harness.Sink.Events, recorded => recorded.Type.StartsWith("tool_call."));
        Assert.Contains(harness.Sink.Events, recorded => recorded.Type == "node.failed" && recorded.Fields["error"]!.GetValue<string>() == failure.Message);
    }

    [Fact]
    public async Task WithoutApprovalFlag_NoApprovalIsAsked()
    {
        var harness = new EngineHarness();

        await harness.RunAsync(ChatAgent(LookupTool), JsonValue.Create("find whales"));

        Assert.Empty(harness.Sink.Approvals);
    }

    private static readonly ConversationTurn[] TwoTurns =
    [
        new(JsonValue.Create("first question"), JsonValue.Create("first answer")),
        new(new JsonObject { ["message"] = "second question" }, JsonValue.Create("second answer")),
    ];

    [Fact]
    public async Task ConversationHistory_PutsEarlierTurnsInThePrompt()
    {
        var result = await new EngineHarness().RunAsync(ChatAgent("    conversation_history: true"), JsonValue.Create("third question"), history: TwoTurns);

        Assert.Equal("""You asked: "third question". Earlier in this conversation (2 turns) you said: "second question".""", result.Output!.GetValue<string>());
    }

    [Fact]
    public async Task ConversationHistory_IsIgnoredUnlessTheAgentAsksForIt()
    {
        var result = await new EngineHarness().RunAsync(ChatAgent(), JsonValue.Create("third question"), history: TwoTurns);

        Assert.Equal("""You asked: "third question".""", result.Output!.GetValue<string>());
    }

    [Fact]
    public async Task ResponseFormat_MakesTheAnswerAJsonObjectMatchingTheSchema()
    {
        const string format = """
                response_format:
                  type: object
                  properties:
                    summary: { type: string }
                    word_count: { type: integer }
                    sources: { type: array, items: { type: string } }
                    confident: { type: boolean }
                  required: [summary, word_count]
            """;
        var harness = new EngineHarness();

        var result = await harness.RunAsync(ChatAgent(format), JsonValue.Create("three small words"));

        var answer = Assert.IsType<JsonObject>(result.Output);
        Assert.Equal("""You asked: "three small words".""", answer["summary"]!.GetValue<string>());
        Assert.Equal(3, answer["word_count"]!.GetValue<int>());
        Assert.Equal(JsonValueKind.Array, answer["sources"]!.GetValueKind());
        Assert.True(answer["confident"]!.GetValue<bool>());
        var streamed = string.Concat(harness.Sink.RootEvents.Where(recorded => recorded.Type == "output.delta").Select(delta => delta.Fields["text"]!.GetValue<string>()));
        Assert.True(JsonNode.DeepEquals(answer, JsonNode.Parse(streamed)));
    }

    [Fact]
    public async Task IntegrationTool_CallsTheHttpConnection()
    {
        var received = new List<string>();
        await using var server = await LoopbackServer.StartAsync(app => app.MapPost("/hooks", async (HttpContext http) =>
        {
            received.Add($"{http.Request.Headers.Authorization} {await new StreamReader(http.Request.Body).ReadToEndAsync()}");
            return Results.Json(new { ok = true });
        }));
        var harness = new EngineHarness();
        harness.Catalog.Add(new ConnectionRecord("conn-hooks", "Web hooks", "integration", "http", "connected", null,
            new JsonObject { ["base_url"] = server.BaseUrl + "hooks" }, new JsonObject { ["token"] = "tok-1" }));
        const string tools = """
                tools: [ "integration:conn-hooks" ]
            """;

        var result = await harness.RunAsync(ChatAgent(tools), JsonValue.Create("notify the team"));

        Assert.Equal("""Bearer tok-1 {"input":"notify the team"}""", Assert.Single(received));
        var completed = harness.Sink.RootEvents.Single(recorded => recorded.Type == "tool_call.completed");
        Assert.Equal("web_hooks", completed.Fields["tool"]!.GetValue<string>());
        Assert.Equal("""{"status":200,"body":{"ok":true}}""", completed.Fields["result"]!.ToJsonString());
        Assert.Contains("""The tool web_hooks returned: {"status":200,"body":{"ok":true}}.""", result.Output!.GetValue<string>());
    }

    [Fact]
    public async Task PrebuiltAgentNode_RunsThatAgentAsAChildRun()
    {
        var harness = new EngineHarness();
        harness.Catalog.Add(new WorkflowRecord("agent-helper", "Helper", "agent", ChatAgent(), 1, "dep-helper"));
        const string definition = """
            name: uses a prebuilt agent
            nodes:
              - { id: input, type: component, component_type: input }
              - { id: helper, type: agent, agent_id: agent-helper, inputs: { input: { kind: ref, source: input, path: $.message } } }
              - { id: output, type: component, component_type: output, inputs: { value: { kind: ref, source: helper } } }
            """;

        var result = await harness.RunAsync(definition, JsonValue.Create("hello there"), pinned: new Dictionary<string, int> { ["agent-helper"] = 1 });

        Assert.Equal("""You asked: "hello there".""", result.Output!.GetValue<string>());
        var child = Assert.Single(harness.Sink.Children);
        Assert.Equal(("agent-helper", 1, "\"hello there\""), (child.WorkflowId, child.Version, child.Input!.ToJsonString()));
    }

    [Fact]
    public async Task MissingConnection_FailsTheAgentClearly()
    {
        var harness = new EngineHarness(catalog: new InMemoryCatalog());

        var failure = await Assert.ThrowsAsync<RunFailedException>(() => harness.RunAsync(ChatAgent(), JsonValue.Create("hi")));

        Assert.Equal($"the agent 'Helper' uses the connection '{SeedWorkflows.LocalProviderConnectionId}', which does not exist", failure.Message);
    }
}
