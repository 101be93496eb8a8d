using System.Text.Json.Nodes;
using CompassPS.LocalServer.Engine;
using CompassPS.LocalServer.Engine.Definitions;
using Xunit;

namespace CompassPS.LocalServer.Tests.Engine;

public sealed class ParsingTests
{
    [Fact]
    public void Yaml_ReadsTheTopLevelAndNodeFields()
    {
        var parsed = DefinitionParser.Parse(SeedWorkflows.DemoResearchDefinition);

        Assert.Empty(parsed.Problems);
        var definition = parsed.Definition!;
        Assert.Equal((SeedWorkflows.DemoResearchName, "workflow", 1), (definition.Name, definition.Type, definition.Version));
        Assert.Equal(["input", "brief", "researcher", "output"], definition.Nodes.Select(node => node.Id));
        var agent = definition.FindNode("researcher")!;
        Assert.Equal((SeedWorkflows.LocalProviderConnectionId, SeedWorkflows.LocalModel), (agent.ModelConnectionId, agent.ModelName));
        var tool = Assert.Single(agent.Tools);
        Assert.Equal(("workflow", SeedWorkflows.DemoLookupId, "lookup"), (tool.Kind, tool.TargetId, tool.Name));
        Assert.Equal(["brief"], agent.Dependencies);
    }

    [Fact]
    public async Task Json_RunsExactlyLikeTheSameYaml()
    {
        const string json = """
            {
              "name": "json flavour", "version": 3, "canvas": { "zoom": 2 },
              "nodes": [
                { "id": "input", "type": "component", "component_type": "input", "position": { "x": 1, "y": 2 },
                  "config": { "type": "object", "schema": { "topic": { "type": "string", "required": true } } } },
                { "id": "brief", "type": "component", "component_type": "prompt", "meta": { "color": "red" },
                  "config": { "template": "Write a short research brief about {{topic}}." },
                  "inputs": { "topic": { "kind": "ref", "source": "input", "path": "$.topic" } } },
                { "id": "output", "type": "component", "component_type": "output",
                  "inputs": { "value": { "kind": "ref", "source": "brief", "path": "$" } } },
              ]
            }
            """;

        var result = await new EngineHarness().RunAsync(json, new JsonObject { ["topic"] = "kelp" });

        Assert.Equal("Write a short research brief about kelp.", result.Output!.GetValue<string>());
        Assert.Equal(3, DefinitionParser.Parse(json).Definition!.Version);
    }

    [Fact]
    public void YamlScalars_FollowTheCoreSchema_AndQuotedStaysText()
    {
        var parsed = DefinitionParser.Parse("""
            name: scalars
            nodes:
              - id: output
                type: component
                component_type: output
                inputs:
                  a: { kind: literal, value: 12 }
                  b: { kind: literal, value: 1.5 }
                  c: { kind: literal, value: true }
                  d: { kind: literal, value: ~ }
                  e: { kind: literal, value: "12" }
                  f: { kind: literal, value: 'true' }
                  g:
                    kind: literal
                    value: |
                      two
                      lines
            """);

        Assert.Empty(parsed.Problems);
        var inputs = parsed.Definition!.Nodes[0].Inputs.ToDictionary(input => input.Key, input => ((LiteralBinding)input.Value).Value);
        Assert.Equal("12", inputs["a"]!.ToJsonString());
        Assert.Equal("1.5", inputs["b"]!.ToJsonString());
        Assert.Equal("true", inputs["c"]!.ToJsonString());
        Assert.Null(inputs["d"]);
        Assert.Equal("\"12\"", inputs["e"]!.ToJsonString());
        Assert.Equal("\"true\"", inputs["f"]!.ToJsonString());
        Assert.Equal("two\nlines", inputs["g"]!.GetValue<string>()); // the text ends right after "lines": no final line break to keep
    }

    [Fact]
    public void BrokenYaml_ReportsWhere()
    {
        var parsed = DefinitionParser.Parse("name: x\nnodes:\n  - id: a\n    inputs: { b: [1, 2 }\n");

        Assert.Null(parsed.Definition);
        var problem = Assert.Single(parsed.Problems);
        Assert.Equal(ValidationCodes.InvalidDefinition, problem.Code);
        Assert.Contains("line 4", problem.Message);
    }

    [Theory]
    [InlineData("$", "")]
    [InlineData("$.a.b[2]", "a|b|2")]
    [InlineData("a[0][1].c", "a|0|1|c")]
    [InlineData("$['odd name'].x", "odd name|x")]
    public void JsonPath_ParsesTheSubset(string text, string segments)
    {
        Assert.True(JsonPath.TryParse(text, out var path, out var error), error);
        Assert.Equal(segments, string.Join("|", path.Segments));
    }

    [Theory]
    [InlineData("$.a[*]")]
    [InlineData("$..a")]
    [InlineData("$.a[1")]
    [InlineData("$.a[?(@.b)]")]
    public void JsonPath_RejectsWhatIsOutsideTheSubset(string text) =>
        Assert.False(JsonPath.TryParse(text, out _, out _));

    [Fact]
    public void GetDependencies_ListsWorkflowNodesPrebuiltAgentsAndWorkflowAndAgentTools_Once()
    {
        const string definition = """
            name: deps
            nodes:
              - { id: input, type: component, component_type: input }
              - { id: w, type: workflow, workflow_id: wf-1, inputs: { x: { kind: ref, source: input } } }
              - { id: p, type: agent, agent_id: ag-1, inputs: { x: { kind: ref, source: input } } }
              - id: a
                type: agent
                model: { connection_id: c }
                tools: [ "workflow:wf-2", { source: "agent:ag-2", name: helper }, "integration:conn-9", "workflow:wf-1" ]
                inputs: { x: { kind: ref, source: w } }
              - { id: output, type: component, component_type: output, inputs: { v: { kind: ref, source: a } } }
            """;

        var dependencies = new EngineHarness().Engine.GetDependencies(definition);

        Assert.Equal(["wf-1", "ag-1", "wf-2", "ag-2"], dependencies);
        Assert.Equal([SeedWorkflows.DemoLookupId], new EngineHarness().Engine.GetDependencies(SeedWorkflows.DemoResearchDefinition));
        Assert.Empty(new EngineHarness().Engine.GetDependencies("not: [valid"));
    }
    [Fact]
    public void YamlAliasBomb_IsRejected_InsteadOfExpanded()
    {
        var lines = new List<string> { "a0: &a0 [x, x, x, x, x, x, x, x, x, x]" };
        for (var level = 1; level < 12; level++)
        {
            lines.Add($"a{level}: &a{level} [{string.Join(", ", Enumerable.Repeat($"*a{level - 1}", 10))}]");
        }

        lines.Add("name: bomb");

        var parsed = DefinitionParser.Parse(string.Join("\n", lines));

        Assert.Null(parsed.Definition);
        Assert.Contains("expands to more than", Assert.Single(parsed.Problems).Message);
    }

    [Fact]
    public void DefinitionsWithinTheBounds_Parse_AndEachBoundHasItsCode()
    {
        // Anchors reused a few times and 60 levels of nesting are ordinary: they parse.
        var nested = new string('[', 60) + "1" + new string(']', 60);
        var ordinary = DefinitionParser.Parse($"shared: &s {{ kind: literal, value: hi }}\nname: x\nextra: {nested}\nnodes:\n"
            + "  - { id: input, type: component, component_type: input }\n"
            + "  - { id: output, type: component, component_type: output, inputs: { a: *s, b: *s, c: *s } }\n");
        Assert.NotNull(ordinary.Definition);
        Assert.Empty(ordinary.Problems);

        Assert.Equal(ValidationCodes.DefinitionTooDeep,
            Assert.Single(DefinitionParser.Parse("name: x\nextra: " + new string('[', 65) + new string(']', 65)).Problems).Code);
        Assert.Equal(ValidationCodes.DefinitionTooDeep,
            Assert.Single(DefinitionParser.Parse("{\"name\": \"x\", \"extra\": " + new string('[', 64) + new string(']', 64) + "}").Problems).Code);
        Assert.Equal(ValidationCodes.DefinitionTooLarge,
            Assert.Single(DefinitionParser.Parse("name: x\nnote: " + new string('n', DefinitionBounds.MaxLength)).Problems).Code);
        Assert.Equal(ValidationCodes.DefinitionTooLarge,
            Assert.Single(DefinitionParser.Parse("[" + string.Join(",", Enumerable.Repeat("1", DefinitionBounds.MaxValues + 1)) + "]").Problems).Code);
        Assert.Equal(ValidationCodes.AliasExpansionTooLarge,
            Assert.Single(DefinitionParser.Parse("a: &a " + new string('x', 100_000) + "\nb: [" + string.Join(", ", Enumerable.Repeat("*a", 50)) + "]\nname: x").Problems).Code);
    }

    [Fact]
    public void YamlDuplicateKeys_AreReported()
    {
        var parsed = DefinitionParser.Parse("name: x\nname: y\nnodes: []\n");

        Assert.Equal(ValidationCodes.InvalidDefinition, Assert.Single(parsed.Problems).Code);
    }
}
