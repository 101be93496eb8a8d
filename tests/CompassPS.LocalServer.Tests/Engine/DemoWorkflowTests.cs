using System.Text;
using System.Text.Json.Nodes;
using CompassPS.LocalServer.Engine;
using Xunit;

namespace CompassPS.LocalServer.Tests.Engine;

public sealed class DemoWorkflowTests
{
    private static JsonObject Topic(string topic) => new() { ["topic"] = topic };

    [Fact]
    public async Task DemoResearch_AnswersFromTheTopicAndTheLookupTool()
    {
        var harness = new EngineHarness();

        var result = await harness.RunAsync(SeedWorkflows.DemoResearchDefinition, Topic("tidal energy"));

        var answer = result.Output!.GetValue<string>();
        Assert.Contains("Write a short research brief about tidal energy.", answer);
        Assert.Contains("The tool lookup returned: Reference notes for 'Write a short research brief about tidal energy.'", answer);
        Assert.DoesNotContain("..", answer);
        Assert.True(result.TotalTokens > 0);
    }

    [Fact]
    public async Task DemoResearch_EmitsTheDocumentedEventsInOrder()
    {
        var harness = new EngineHarness();

        var result = await harness.RunAsync(SeedWorkflows.DemoResearchDefinition, Topic("tidal energy"));

        var events = harness.Sink.RootEvents;
        var types = events.Select(recorded => recorded.Type).ToList();
        Assert.Equal(["node.started", "node.completed"], types.Take(2));
        var toolStarted = types.IndexOf("tool_call.started");
        var toolCompleted = types.IndexOf("tool_call.completed");
        var firstDelta = types.IndexOf("output.delta");
        Assert.True(toolStarted >= 0 && toolStarted < toolCompleted && toolCompleted < firstDelta);
        Assert.Equal("node.completed", types[^1]);
        Assert.Equal(4, types.Count(type => type == "node.started"));
        Assert.Equal(4, types.Count(type => type == "node.completed"));

        var deltas = events.Where(recorded => recorded.Type == "output.delta").ToList();
        Assert.True(deltas.Count > 10, "the answer streams in several pieces");
        Assert.All(deltas, delta => Assert.Equal("researcher", delta.Fields["node_id"]!.GetValue<string>()));
        Assert.Equal(result.Output!.GetValue<string>(), string.Concat(deltas.Select(delta => delta.Fields["text"]!.GetValue<string>())));

        var started = events[toolStarted].Fields;
        Assert.Equal("lookup", started["tool"]!.GetValue<string>());
        Assert.Equal("Write a short research brief about tidal energy.", started["args"]!["query"]!.GetValue<string>());
        var completed = events[toolCompleted].Fields;
        Assert.Equal(started["tool_call_id"]!.GetValue<string>(), completed["tool_call_id"]!.GetValue<string>());
        Assert.NotNull(completed["duration_ms"]);
        Assert.Contains("Reference notes", completed["result"]!.GetValue<string>());

        var agentCompleted = events.Single(recorded => recorded.Type == "node.completed" && recorded.Fields["node_id"]!.GetValue<string>() == "researcher");
        Assert.Equal("Researcher", agentCompleted.Fields["node_name"]!.GetValue<string>());
        Assert.Equal("agent", agentCompleted.Fields["node_type"]!.GetValue<string>());
        Assert.True(agentCompleted.Fields["duration_ms"]!.GetValue<long>() >= 0);
    }

    [Fact]
    public async Task DemoResearch_RecordsNodeStepsAndNestsTheToolCallAndItsChildRun()
    {
        var harness = new EngineHarness();

        await harness.RunAsync(SeedWorkflows.DemoResearchDefinition, Topic("tidal energy"));

        var rootSteps = harness.Sink.Steps.Where(step => step.RunId == "run-root").ToList();
        Assert.Equal(["input", "brief", "researcher", "output"],
            rootSteps.Where(step => step.Start.Kind == "node").Select(step => step.Start.NodeId));
        Assert.All(rootSteps, step => Assert.Equal("completed", step.End!.Status));

        var agentStep = rootSteps.Single(step => step.Start.NodeId == "researcher" && step.Start.Kind == "node");
        Assert.Equal(SeedWorkflows.LocalModel, agentStep.Start.Model);
        Assert.Equal("agent", agentStep.Start.Type);
        Assert.True(agentStep.End!.Tokens > 0);

        var toolStep = rootSteps.Single(step => step.Start.Kind == "tool_call");
        Assert.Equal(agentStep.Id, toolStep.Start.ParentStepId);
        Assert.Equal("lookup", toolStep.Start.Name);

        var child = Assert.Single(harness.Sink.Children);
        Assert.Equal(SeedWorkflows.DemoLookupId, child.WorkflowId);
        Assert.Equal(toolStep.Id, child.ParentStepId);
        Assert.Equal(3, harness.Sink.Steps.Count(step => step.RunId == child.RunId));
    }

    [Fact]
    public async Task DemoResearch_ToolRunsTheVersionPinnedAtDeploy()
    {
        var harness = new EngineHarness();

        await harness.RunAsync(SeedWorkflows.DemoResearchDefinition, Topic("tides"),
            pinned: new Dictionary<string, int> { [SeedWorkflows.DemoLookupId] = 7 });

        Assert.Equal(7, Assert.Single(harness.Sink.Children).Version);
    }

    [Fact]
    public async Task DemoResearch_IsRepeatable()
    {
        var first = await new EngineHarness().RunAsync(SeedWorkflows.DemoResearchDefinition, Topic("coral reefs"));
        var second = await new EngineHarness().RunAsync(SeedWorkflows.DemoResearchDefinition, Topic("coral reefs"));
        var other = await new EngineHarness().RunAsync(SeedWorkflows.DemoResearchDefinition, Topic("glaciers"));

        Assert.Equal(first.Output!.ToJsonString(), second.Output!.ToJsonString());
        Assert.Equal(first.TotalTokens, second.TotalTokens);
        Assert.NotEqual(first.Output!.ToJsonString(), other.Output!.ToJsonString());
    }

    [Fact]
    public async Task DemoResearch_WithoutTopic_FailsTheRunAtTheInputNode()
    {
        var harness = new EngineHarness();

        var failure = await Assert.ThrowsAsync<RunFailedException>(
            () => harness.RunAsync(SeedWorkflows.DemoResearchDefinition, new JsonObject { ["subject"] = "x" }));

        Assert.Equal("input_data is missing the required field 'topic'", failure.Message);
        Assert.Equal("input", failure.NodeId);
        var failed = harness.Sink.RootEvents.Single(recorded => recorded.Type == "node.failed");
        Assert.Equal("input", failed.Fields["node_id"]!.GetValue<string>());
        Assert.Equal(failure.Message, failed.Fields["error"]!.GetValue<string>());
        Assert.DoesNotContain(harness.Sink.RootEvents, recorded => recorded.Type == "output.delta");
        Assert.Equal("failed", harness.Sink.Steps.Single().End!.Status);
    }

    [Fact]
    public async Task DemoResearch_AtDelayScaleOne_TakesAboutASecondOrTwo()
    {
        var harness = new EngineHarness(delayScale: 1);
        var clock = System.Diagnostics.Stopwatch.StartNew();

        await harness.RunAsync(SeedWorkflows.DemoResearchDefinition, Topic("tidal energy"));

        // Generous bounds: the demo is meant to be watchable, neither instant nor slow.
        Assert.InRange(clock.Elapsed.TotalSeconds, 0.5, 30);
    }

    [Fact]
    public async Task LocalModel_StreamsOneDeltaPerWordOfALongPrompt()
    {
        const int words = 20_000;
        var topic = new StringBuilder();
        for (var index = 0; index < words; index++)
        {
            topic.Append("word").Append(index).Append(' ');
        }

        var harness = new EngineHarness();
        var result = await harness.RunAsync(SeedWorkflows.DemoResearchDefinition, Topic(topic.ToString()));

        var deltas = harness.Sink.RootEvents.Where(recorded => recorded.Type == "output.delta").ToList();
        Assert.True(deltas.Count >= words, $"{deltas.Count} deltas for {words} words");
        Assert.Equal(result.Output!.GetValue<string>().Length, deltas.Sum(delta => delta.Fields["text"]!.GetValue<string>().Length));
    }
    [Theory]
    [InlineData(-1)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void DelayScale_MustBeAFiniteNonNegativeNumber(double scale) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new WorkflowEngine(new EngineOptions { DelayScale = scale }));
}
