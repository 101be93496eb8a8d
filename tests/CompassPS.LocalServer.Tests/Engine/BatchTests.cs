using System.Text.Json.Nodes;
using CompassPS.LocalServer.Engine;
using Xunit;

namespace CompassPS.LocalServer.Tests.Engine;

/// <summary>An agent's batch_over: one conversation per item, answers in item order.</summary>
public sealed class BatchTests
{
    private static string Batching(string agentInput, string batchOver, string extra = "") => $$"""
        name: batch
        nodes:
          - id: input
            type: component
            component_type: input
            config: { type: object, schema: { items: { type: array, required: true }, label: { type: string } } }
          - id: agent
            type: agent
            model: { connection_id: {{SeedWorkflows.LocalProviderConnectionId}} }
            batch_over: "{{batchOver}}"
            inputs: { input: {{agentInput}} }
            {{extra}}
          - { id: output, type: component, component_type: output, inputs: { value: { kind: ref, source: agent } } }
        """;

    private static readonly JsonObject Items = new() { ["items"] = new JsonArray("alpha", "beta", "gamma", "delta"), ["label"] = "x" };

    [Fact]
    public async Task BatchOverTheInput_AnswersEachItemInOrder()
    {
        var harness = new EngineHarness(delayScale: 0.2);
        var definition = Batching("{ kind: ref, source: input, path: $.items }", "$", "batch_concurrency: 2");

        Assert.True(harness.Validate(definition).Valid);
        var result = await harness.RunAsync(definition, Items.DeepClone());

        Assert.Equal(["You asked: \"alpha\".", "You asked: \"beta\".", "You asked: \"gamma\".", "You asked: \"delta\"."],
            result.Output!.AsArray().Select(answer => answer!.GetValue<string>()));
        Assert.True(harness.Sink.Steps.Single(step => step.Start.NodeId == "agent").End!.Tokens > 0);
    }

    [Fact]
    public async Task BatchOverAField_OfTheInputObject()
    {
        var result = await new EngineHarness().RunAsync(Batching("{ kind: ref, source: input }", "items"), Items.DeepClone());

        Assert.Equal(4, result.Output!.AsArray().Count);
        Assert.Equal("You asked: \"gamma\".", result.Output![2]!.GetValue<string>());
    }

    [Fact]
    public void BatchOverSomethingKnownNotToBeAList_IsInvalidBatchAxis()
    {
        var issue = Assert.Single(new EngineHarness().Validate(Batching("{ kind: ref, source: input, path: $.label }", "$")).Errors);

        Assert.Equal((ValidationCodes.InvalidBatchAxis, "agent"), (issue.Code, issue.NodeId));
    }

    [Fact]
    public async Task BatchOverSomethingThatTurnsOutNotToBeAList_FailsTheRunClearly()
    {
        var failure = await Assert.ThrowsAsync<RunFailedException>(() => new EngineHarness().RunAsync(
            Batching("{ kind: config, key: list }", "$"), Items.DeepClone(), new JsonObject { ["list"] = "not a list" }));

        Assert.Equal("the agent 'agent' batches over its input, which must be a list but is a string", failure.Message);
        Assert.Equal("agent", failure.NodeId);
    }

    [Fact]
    public void BatchOverAFieldThatIsNotAListOfTheInput_IsInvalidBatchAxis()
    {
        var result = new EngineHarness().Validate(Batching("{ kind: ref, source: input }", "label"));

        Assert.Equal(ValidationCodes.InvalidBatchAxis, Assert.Single(result.Errors).Code);
    }

    [Theory]
    [InlineData("batch_concurrency: 0")]
    [InlineData("batch_concurrency: many")]
    public void BadBatchConcurrency_IsInvalidBatchConfig(string extra)
    {
        var result = new EngineHarness().Validate(Batching("{ kind: ref, source: input, path: $.items }", "$", extra));

        Assert.Equal((ValidationCodes.InvalidBatchConfig, "agent"), (Assert.Single(result.Errors).Code, Assert.Single(result.Errors).NodeId));
    }

    [Fact]
    public void BatchOverOnANodeThatIsNotAnAgent_IsInvalidBatchConfig()
    {
        const string definition = """
            name: x
            nodes:
              - { id: input, type: component, component_type: input }
              - { id: p, type: component, component_type: prompt, batch_over: $, config: { template: "{{m}}" }, inputs: { m: { kind: ref, source: input } } }
              - { id: output, type: component, component_type: output, inputs: { value: { kind: ref, source: p } } }
            """;

        Assert.Equal(ValidationCodes.InvalidBatchConfig, Assert.Single(new EngineHarness().Validate(definition).Errors).Code);
    }
}
