using System.Text.Json.Nodes;
using CompassPS.LocalServer.Engine;
using Xunit;

namespace CompassPS.LocalServer.Tests.Engine;

/// <summary>Definitions with fields of the wrong shape: validation reports them and runs fail cleanly, never a crash.</summary>
public sealed class OddDefinitionTests
{
    public static TheoryData<string> OddDefinitions => new()
    {
        "name: 5\nnodes:\n  - { id: 7, type: component, component_type: input }\n  - { id: output, type: component, component_type: output, inputs: { v: { kind: ref, source: 7 } } }",
        "name: x\nnodes:\n  - { id: input, type: component, component_type: input, config: just-text }\n  - { id: output, type: component, component_type: output, inputs: [a, b] }",
        "name: x\nnodes:\n  - { id: input, type: component, component_type: [input] }\n  - { id: output, type: component, component_type: output, config: { mode: structured, fields: [1, [2], { name: 3 }] } }",
        "name: x\nnodes:\n  - { id: input, type: component, component_type: input, config: { type: object, schema: [a, b] } }\n  - { id: output, type: component, component_type: output, inputs: { v: { kind: ref, source: input, path: 5 } } }",
        "name: x\nnodes:\n  - { id: input, type: component, component_type: input, config: { type: object, schema: { a: [1], b: { type: [x] } } } }\n  - { id: output, type: component, component_type: output, inputs: { v: { kind: list, items: { a: 1 } } } }",
        "name: x\nnodes:\n  - { id: input, type: component, component_type: input }\n  - { id: a, type: agent, model: gpt, tools: lookup, response_format: json, settings: hot, inputs: { i: { kind: ref, source: input } } }\n  - { id: output, type: component, component_type: output, inputs: { v: { kind: ref, source: a } } }",
        "name: x\nnodes:\n  - { id: input, type: component, component_type: input }\n  - { id: a, type: agent, model: { connection_id: [1] }, tools: [ 5, { source: 6 }, null ], batch_over: [1], inputs: { i: { kind: object, entries: [1] } } }\n  - { id: output, type: component, component_type: output, inputs: { v: { kind: ref, source: a } } }",
        "name: x\nnodes:\n  - { id: input, type: component, component_type: input }\n  - { id: p, type: component, component_type: prompt, config: { template: [1] }, inputs: { v: { kind: config } } }\n  - { id: output, type: component, component_type: output, inputs: { v: { kind: template, value: 3 } } }",
        "name: x\nnodes:\n  - { id: input, type: component, component_type: input }\n  - { id: w, type: workflow, workflow_id: { a: 1 }, inputs: { v: { kind: ref, source: input } } }\n  - { id: i, type: integration, integration_type: http, connection_id: [x], config: { method: 9, headers: [1] } }\n  - { id: output, type: component, component_type: output, inputs: { v: { kind: ref, source: w } } }",
        "name: x\ninput_schema: 5\nversion: many\nnodes:\n  - null\n  - 5\n  - [a]\n  - { type: component }\n  - { id: input, type: component, component_type: input, depends_on: 5 }\n  - { id: output, type: component, component_type: output, depends_on: [[1]], inputs: { v: { source: input } } }",
        """{"name": "x", "nodes": [{"id": "input", "type": "component", "component_type": "input"}, {"id": "output", "type": "component", "component_type": "output", "inputs": {"v": {"kind": "ref", "source": "input", "path": "$..x"}}}]}""",
    };

    [Theory]
    [MemberData(nameof(OddDefinitions))]
    public async Task OddShapes_AreReported_AndRunsFailCleanly(string definition)
    {
        var harness = new EngineHarness();

        var validation = harness.Validate(definition);
        Assert.All(validation.Errors.Concat(validation.Warnings), issue => Assert.False(string.IsNullOrWhiteSpace(issue.Message)));
        _ = harness.Engine.GetDependencies(definition);

        try
        {
            await harness.RunAsync(definition, new JsonObject { ["message"] = "hi" });
            Assert.True(validation.Valid || validation.Errors.All(error => error.Code is ValidationCodes.ConnectionNotFound or ValidationCodes.WorkflowNotFound),
                "a run of a definition with build errors must fail");
        }
        catch (RunFailedException failure)
        {
            Assert.False(string.IsNullOrWhiteSpace(failure.Message));
        }
    }
}
