using System.Text.Json.Nodes;
using CompassPS.LocalServer.Engine;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Xunit;

namespace CompassPS.LocalServer.Tests.Engine;

public sealed class NodeTests
{
    private const string ObjectInput = """
          - id: input
            type: component
            component_type: input
            config:
              type: object
              schema:
                name: { type: string, required: true }
                count: { type: integer }
                ratio: { type: number }
                flags: { type: array }
        """;

    private const string EchoInputOutput = """
          - id: output
            type: component
            component_type: output
            inputs:
              value: { kind: ref, source: input, path: $ }
        """;

    private const string ChatEcho = """
        name: chat echo
        nodes:
          - id: input
            type: component
            component_type: input
            config: { type: chat }
          - id: output
            type: component
            component_type: output
            inputs:
              value: { kind: ref, source: input, path: $.message }
        """;

    [Fact]
    public async Task ObjectInput_PassesAValidObjectThrough()
    {
        var input = JsonNode.Parse("""{"name":"a","count":2,"ratio":3,"flags":[1],"extra":true}""");

        var result = await new EngineHarness().RunAsync($"name: x\nnodes:\n{ObjectInput}\n{EchoInputOutput}", input);

        Assert.True(JsonNode.DeepEquals(input, result.Output));
    }

    [Theory]
    [InlineData("""{"name":"a","count":"2"}""", "input_data field 'count' must be an integer, but it is a string")]
    [InlineData("""{"name":"a","count":2.5}""", "input_data field 'count' must be an integer, but it is a number")]
    [InlineData("""{"name":"a","flags":{}}""", "input_data field 'flags' must be an array, but it is an object")]
    [InlineData("""{"name":null}""", "input_data is missing the required field 'name'")]
    [InlineData("""["name"]""", "input_data must be an object with the fields 'name', 'count', 'ratio', 'flags', but it is an array")]
    [InlineData("\"just text\"", "input_data must be an object with the fields 'name', 'count', 'ratio', 'flags', but it is a string")]
    public async Task ObjectInput_RejectsWrongShapesWithAClearMessage(string input, string expected)
    {
        var harness = new EngineHarness();

        var failure = await Assert.ThrowsAsync<RunFailedException>(
            () => harness.RunAsync($"name: x\nnodes:\n{ObjectInput}\n{EchoInputOutput}", JsonNode.Parse(input)));

        Assert.Equal(expected, failure.Message);
        Assert.Equal("input", failure.NodeId);
    }

    [Fact]
    public async Task ChatInput_TakesAStringOrAMessageObject()
    {
        Assert.Equal("hello", (await new EngineHarness().RunAsync(ChatEcho, JsonValue.Create("hello"))).Output!.GetValue<string>());
        Assert.Equal("hi", (await new EngineHarness().RunAsync(ChatEcho, new JsonObject { ["message"] = "hi" })).Output!.GetValue<string>());
    }

    [Fact]
    public async Task ChatInput_RejectsAnythingElse()
    {
        var failure = await Assert.ThrowsAsync<RunFailedException>(() => new EngineHarness().RunAsync(ChatEcho, JsonValue.Create(5)));

        Assert.Equal("input_data must be a chat message: a string, or an object with a string 'message'", failure.Message);
    }

    [Fact]
    public async Task StructuredOutput_GathersItsFields_SingleOutputUnwraps()
    {
        const string definition = """
            name: outputs
            nodes:
              - id: input
                type: component
                component_type: input
                config: { type: object, schema: { a: { type: string }, b: { type: integer } } }
              - id: output
                type: component
                component_type: output
                config:
                  mode: structured
                  fields: [ { name: first, type: { type: string } }, { name: second, type: { type: integer } } ]
                inputs:
                  first: { kind: ref, source: input, path: $.a }
                  second: { kind: ref, source: input, path: $.b }
            """;

        var structured = await new EngineHarness().RunAsync(definition, new JsonObject { ["a"] = "x", ["b"] = 2 });
        var single = await new EngineHarness().RunAsync(ChatEcho, JsonValue.Create("plain"));

        Assert.Equal("""{"first":"x","second":2}""", structured.Output!.ToJsonString());
        Assert.Equal("plain", single.Output!.GetValue<string>());
    }

    [Fact]
    public async Task Prompt_RendersItsParameters_AndNodeTokens()
    {
        const string definition = """
            name: prompt
            nodes:
              - id: input
                type: component
                component_type: input
                config: { type: object, schema: { who: { type: string }, n: { type: integer } } }
              - id: prompt
                type: component
                component_type: prompt
                config: { template: "Dear {{who}}, you have {{input.n}} messages; {{missing_is_empty}}." }
                inputs:
                  who: { kind: ref, source: input, path: $.who }
                  missing_is_empty: { kind: literal, value: null }
              - id: output
                type: component
                component_type: output
                inputs: { value: { kind: ref, source: prompt } }
            """;

        var result = await new EngineHarness().RunAsync(definition, new JsonObject { ["who"] = "Grace", ["n"] = 4 });

        Assert.Equal("Dear Grace, you have 4 messages; .", result.Output!.GetValue<string>());
    }

    [Fact]
    public async Task IndependentNodes_RunConcurrently()
    {
        const string definition = """
            name: fan out
            nodes:
              - id: input
                type: component
                component_type: input
              - id: left
                type: component
                component_type: prompt
                config: { template: "L {{m}}" }
                inputs: { m: { kind: ref, source: input, path: $.message } }
              - id: right
                type: component
                component_type: prompt
                config: { template: "R {{m}}" }
                inputs: { m: { kind: ref, source: input, path: $.message } }
              - id: output
                type: component
                component_type: output
                config: { mode: structured, fields: [ { name: l }, { name: r } ] }
                inputs:
                  l: { kind: ref, source: left }
                  r: { kind: ref, source: right }
            """;
        var harness = new EngineHarness(delayScale: 5); // long enough for both branches to start before either ends, even on a busy machine

        var result = await harness.RunAsync(definition, JsonValue.Create("x"));

        Assert.Equal("""{"l":"L x","r":"R x"}""", result.Output!.ToJsonString());
        var order = harness.Sink.RootEvents.Select(recorded => $"{recorded.Type}:{recorded.Fields["node_id"]}").ToList();
        var firstBranchDone = Math.Min(order.IndexOf("node.completed:left"), order.IndexOf("node.completed:right"));
        Assert.True(order.IndexOf("node.started:left") < firstBranchDone && order.IndexOf("node.started:right") < firstBranchDone,
            string.Join(", ", order));
    }

    [Fact]
    public async Task Cancellation_StopsTheRunAndMarksItsStepsCancelled()
    {
        var harness = new EngineHarness(delayScale: 1);
        using var cancel = new CancellationTokenSource();
        var run = harness.RunAsync(SeedWorkflows.DemoResearchDefinition, new JsonObject { ["topic"] = "slow things" }, cancellationToken: cancel.Token);
        while (!run.IsCompleted && !harness.Sink.RootEvents.Any(recorded => recorded.Type == "output.delta"))
        {
            await Task.Delay(10);
        }

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        var agentStep = harness.Sink.Steps.Single(step => step.RunId == "run-root" && step.Start.NodeId == "researcher" && step.Start.Kind == "node");
        Assert.Equal("cancelled", agentStep.End!.Status);
        Assert.DoesNotContain(harness.Sink.Steps, step => step.RunId == "run-root" && step.Start.NodeId == "output");
    }

    [Fact]
    public async Task WorkflowNode_RunsTheChildWithItsParameters_AtThePinnedVersion()
    {
        var definition = $$"""
            name: parent
            nodes:
              - id: input
                type: component
                component_type: input
              - id: lookup
                type: workflow
                workflow_id: {{SeedWorkflows.DemoLookupId}}
                inputs:
                  query: { kind: ref, source: input, path: $.message }
              - id: output
                type: component
                component_type: output
                inputs: { value: { kind: ref, source: lookup } }
            """;
        var harness = new EngineHarness();

        var result = await harness.RunAsync(definition, JsonValue.Create("whales"), pinned: new Dictionary<string, int> { [SeedWorkflows.DemoLookupId] = 2 });

        Assert.Equal("Reference notes for 'whales': one offline source, the Compass local library.", result.Output!.GetValue<string>());
        var child = Assert.Single(harness.Sink.Children);
        Assert.Equal(2, child.Version);
        Assert.Equal("""{"query":"whales"}""", child.Input!.ToJsonString());
        var workflowStep = harness.Sink.Steps.Single(step => step.Start.NodeId == "lookup");
        Assert.Equal(workflowStep.Id, child.ParentStepId);
        Assert.Equal("workflow", workflowStep.Start.Type);
    }

    [Fact]
    public async Task WorkflowNode_FailsWhenItsChildFails()
    {
        var definition = $$"""
            name: parent
            nodes:
              - id: input
                type: component
                component_type: input
              - id: lookup
                type: workflow
                workflow_id: {{SeedWorkflows.DemoLookupId}}
                inputs:
                  wrong: { kind: ref, source: input, path: $.message }
              - id: output
                type: component
                component_type: output
                inputs: { value: { kind: ref, source: lookup } }
            """;
        var harness = new EngineHarness();

        var failure = await Assert.ThrowsAsync<RunFailedException>(() => harness.RunAsync(definition, JsonValue.Create("whales")));

        Assert.Equal("lookup", failure.NodeId);
        Assert.Contains("input_data is missing the required field 'query'", failure.Message);
    }

    [Fact]
    public async Task HttpIntegration_CallsTheConnectionsUrl_WithMethodPathQueryBodyAndCredentials()
    {
        var received = new List<string>();
        await using var server = await LoopbackServer.StartAsync(app => app.MapPost("/api/tickets/{id}", async (HttpContext http, string id) =>
        {
            var body = await new StreamReader(http.Request.Body).ReadToEndAsync();
            received.Add($"{http.Request.Method} {id} {http.Request.QueryString} {http.Request.Headers["X-Api-Key"]} {body}");
            return Results.Json(new { ticket = id, accepted = true });
        }));
        var harness = new EngineHarness();
        harness.Catalog.Add(new ConnectionRecord("conn-http", "tickets", "integration", "http", "connected", null,
            new JsonObject { ["base_url"] = server.BaseUrl + "api", ["header_name"] = "X-Api-Key" },
            new JsonObject { ["api_key"] = "secret-123" }));
        const string definition = """
            name: call tickets
            nodes:
              - id: input
                type: component
                component_type: input
              - id: call
                type: integration
                integration_type: http
                connection_id: conn-http
                config: { method: POST }
                inputs:
                  path: { kind: template, value: "tickets/{{input.message}}" }
                  query: { kind: object, entries: { urgent: { kind: literal, value: true } } }
                  body: { kind: object, entries: { text: { kind: ref, source: input, path: $.message } } }
              - id: output
                type: component
                component_type: output
                inputs: { value: { kind: ref, source: call, path: $.body } }
            """;

        var result = await harness.RunAsync(definition, JsonValue.Create("T-9"));

        Assert.Equal("""{"ticket":"T-9","accepted":true}""", result.Output!.ToJsonString());
        Assert.Equal("""POST T-9 ?urgent=true secret-123 {"text":"T-9"}""", Assert.Single(received));
    }

    [Fact]
    public async Task HttpIntegration_ErrorStatus_FailsTheRunWithoutRevealingTheKey()
    {
        await using var server = await LoopbackServer.StartAsync(app => app.MapGet("/", (HttpContext http) =>
            Results.Text($"bad key {http.Request.Headers.Authorization}", statusCode: 401)));
        var harness = new EngineHarness();
        harness.Catalog.Add(new ConnectionRecord("conn-http", "tickets", "integration", "http", "connected", null,
            new JsonObject { ["base_url"] = server.BaseUrl.ToString() }, new JsonObject { ["api_key"] = "secret-456" }));
        const string definition = """
            name: call tickets
            nodes:
              - id: input
                type: component
                component_type: input
              - id: call
                type: integration
                integration_type: http
                connection_id: conn-http
                inputs: { note: { kind: ref, source: input } }
              - id: output
                type: component
                component_type: output
                inputs: { value: { kind: ref, source: call } }
            """;

        var failure = await Assert.ThrowsAsync<RunFailedException>(() => harness.RunAsync(definition, JsonValue.Create("x")));

        Assert.StartsWith("the HTTP integration 'tickets' answered 401 Unauthorized to GET /: bad key Bearer ***", failure.Message);
        Assert.DoesNotContain("secret-456", failure.Message);
        Assert.Equal("call", failure.NodeId);
    }

    [Fact]
    public async Task HttpIntegration_UnreachableServer_FailsTheRunClearly()
    {
        int freePort;
        await using (var probe = await LoopbackServer.StartAsync(_ => { }))
        {
            freePort = probe.BaseUrl.Port;
        }

        var harness = new EngineHarness();
        harness.Catalog.Add(new ConnectionRecord("conn-http", "gone", "integration", "http", "connected", null,
            new JsonObject { ["base_url"] = $"http://127.0.0.1:{freePort}/" }, []));
        const string definition = """
            name: call gone
            nodes:
              - { id: input, type: component, component_type: input }
              - { id: call, type: integration, integration_type: http, connection_id: conn-http, inputs: { x: { kind: ref, source: input } } }
              - { id: output, type: component, component_type: output, inputs: { value: { kind: ref, source: call } } }
            """;

        var failure = await Assert.ThrowsAsync<RunFailedException>(() => harness.RunAsync(definition, JsonValue.Create("x")));

        Assert.StartsWith("could not reach the HTTP integration 'gone'", failure.Message);
    }
    [Fact]
    public async Task AFailingBranch_FailsTheRunWithItsError_AndCancelsTheOtherBranch()
    {
        var definition = $$"""
            name: two branches
            nodes:
              - { id: input, type: component, component_type: input }
              - id: slow
                type: agent
                model: { connection_id: {{SeedWorkflows.LocalProviderConnectionId}} }
                inputs: { input: { kind: ref, source: input, path: $.message } }
              - id: broken
                type: workflow
                workflow_id: {{SeedWorkflows.DemoLookupId}}
                inputs: { wrong: { kind: ref, source: input } }
              - id: output
                type: component
                component_type: output
                config: { mode: structured, fields: [ { name: a }, { name: b } ] }
                inputs: { a: { kind: ref, source: slow }, b: { kind: ref, source: broken } }
            """;
        var harness = new EngineHarness(delayScale: 1);

        var failure = await Assert.ThrowsAsync<RunFailedException>(() => harness.RunAsync(definition, JsonValue.Create(string.Join(' ', Enumerable.Repeat("slowly", 60)))));

        Assert.Equal("broken", failure.NodeId);
        var rootSteps = harness.Sink.Steps.Where(step => step.RunId == "run-root").ToDictionary(step => step.Start.NodeId, step => step.End?.Status);
        Assert.Equal("failed", rootSteps["broken"]);
        // Both branches become ready together; on a loaded machine the failure can land before the slow branch has
        // recorded its start. Either way it must never complete once its sibling has failed the run.
        if (rootSteps.TryGetValue("slow", out var slowStatus)) Assert.Equal("cancelled", slowStatus);
        Assert.False(rootSteps.ContainsKey("output"));
    }
}
