using System.Text.Json.Nodes;
using CompassPS.LocalServer.Engine;
using Xunit;

namespace CompassPS.LocalServer.Tests.Engine;

public sealed class ValidationTests
{
    private const string Local = SeedWorkflows.LocalProviderConnectionId;
    private const string In = "  - { id: input, type: component, component_type: input }";
    private const string Out = "  - { id: output, type: component, component_type: output, inputs: { value: { kind: ref, source: input } } }";

    private static string Definition(params string[] nodeLines) => "name: under test\nnodes:\n" + string.Join("\n", nodeLines);

    private static string OutputOf(string source) =>
        $"  - {{ id: output, type: component, component_type: output, inputs: {{ value: {{ kind: ref, source: {source} }} }} }}";

    private static string Agent(string id, string connection = Local, string extra = "") =>
        $"  - {{ id: {id}, type: agent, model: {{ connection_id: '{connection}', model: '' }}, inputs: {{ input: {{ kind: ref, source: input, path: $.message }} }}{extra} }}";

    private static ValidationResult Validate(string definition, string workflowType = "workflow", Action<InMemoryCatalog>? arrange = null)
    {
        var harness = new EngineHarness();
        arrange?.Invoke(harness.Catalog);
        return harness.Validate(definition, workflowType);
    }

    private static ValidationIssue AssertError(ValidationResult result, string code, string? nodeId)
    {
        Assert.False(result.Valid);
        var issue = Assert.Single(result.Errors, error => error.Code == code);
        Assert.Equal(nodeId, issue.NodeId);
        Assert.False(string.IsNullOrWhiteSpace(issue.Message));
        return issue;
    }

    private static ValidationIssue AssertWarningOnly(ValidationResult result, string code, string? nodeId)
    {
        Assert.True(result.Valid, string.Join("; ", result.Errors.Select(error => $"{error.Code}: {error.Message}")));
        var issue = Assert.Single(result.Warnings, warning => warning.Code == code);
        Assert.Equal(nodeId, issue.NodeId);
        return issue;
    }

    [Fact]
    public void SeededWorkflows_AreValid_WithoutWarnings()
    {
        foreach (var definition in new[] { SeedWorkflows.DemoResearchDefinition, SeedWorkflows.DemoLookupDefinition })
        {
            var result = Validate(definition);
            Assert.True(result.Valid, string.Join("; ", result.Errors.Select(error => error.Message)));
            Assert.Empty(result.Warnings);
        }
    }

    [Theory]
    [InlineData("nodes: [ { id: a")]
    [InlineData("{ \"name\": \"x\", ")]
    [InlineData("just a sentence")]
    [InlineData("")]
    [InlineData("name: no nodes list\nnodes: { a: 1 }")]
    public void TextThatIsNotADefinition_IsInvalidDefinition(string text)
    {
        var result = Validate(text);

        Assert.False(result.Valid);
        Assert.Contains(result.Errors, error => error.Code == ValidationCodes.InvalidDefinition);
    }

    [Fact]
    public void MissingName_AndDuplicateNodeIds_AreInvalidDefinition()
    {
        Assert.Contains(Validate($"nodes:\n{In}\n{Out}").Errors, error => error.Code == ValidationCodes.InvalidDefinition && error.Message.Contains("name"));
        var duplicate = Validate(Definition(In, In.Replace("input }", "input, name: again }"), Out));
        Assert.Contains(duplicate.Errors, error => error.Code == ValidationCodes.InvalidDefinition && error.NodeId == "input");
    }

    [Fact]
    public void UnknownBindingKind_IsInvalidBinding()
    {
        var result = Validate(Definition(In, "  - { id: output, type: component, component_type: output, inputs: { value: { kind: magic, source: input } } }"));

        Assert.Contains("unknown binding kind 'magic'", AssertError(result, ValidationCodes.InvalidBinding, "output").Message);
    }

    [Fact]
    public void UnknownNodeType() =>
        AssertError(Validate(Definition(In, "  - { id: robot, type: robot }", Out)), ValidationCodes.UnknownNodeType, "robot");

    [Fact]
    public void MissingInput() =>
        AssertError(Validate(Definition("  - { id: output, type: component, component_type: output, inputs: { value: 1 } }")), ValidationCodes.MissingInput, null);

    [Fact]
    public void DuplicateInput() =>
        AssertError(Validate(Definition(In, "  - { id: input2, type: component, component_type: input }", Out)), ValidationCodes.DuplicateInput, "input2");

    [Fact]
    public void MissingOutput() =>
        AssertError(Validate(Definition(In)), ValidationCodes.MissingOutput, null);

    [Fact]
    public void DuplicateOutput() =>
        AssertError(Validate(Definition(In, Out, Out.Replace("id: output", "id: output2"))), ValidationCodes.DuplicateOutput, "output2");

    [Fact]
    public void InputHasDependencies() =>
        AssertError(Validate(Definition(
            "  - { id: input, type: component, component_type: input, inputs: { x: { kind: ref, source: output } } }", Out)),
            ValidationCodes.InputHasDependencies, "input");

    [Fact]
    public void OutputNoDependencies() =>
        AssertError(Validate(Definition(In, "  - { id: output, type: component, component_type: output, inputs: { value: { kind: literal, value: 1 } } }")),
            ValidationCodes.OutputNoDependencies, "output");

    [Fact]
    public void UnknownDependency() =>
        Assert.Contains("'ghost'", AssertError(Validate(Definition(In, OutputOf("ghost"))), ValidationCodes.UnknownDependency, "output").Message);

    [Fact]
    public void CycleDetected()
    {
        var result = Validate(Definition(In,
            "  - { id: a, type: component, component_type: prompt, config: { template: '{{x}}' }, inputs: { x: { kind: ref, source: b } } }",
            "  - { id: b, type: component, component_type: prompt, config: { template: '{{x}}' }, inputs: { x: { kind: ref, source: a } } }",
            OutputOf("b")));

        var issue = AssertError(result, ValidationCodes.CycleDetected, "a");
        Assert.Contains("'a', 'b'", issue.Message);
    }

    [Fact]
    public void UnknownComponentType()
    {
        AssertError(Validate(Definition(In, "  - { id: t, type: component, component_type: teleporter }", Out)), ValidationCodes.UnknownComponentType, "t");
        AssertError(Validate(Definition(In, "  - { id: t, type: component }", Out)), ValidationCodes.UnknownComponentType, "t");
    }

    [Theory]
    [InlineData("  - { id: p, type: component, component_type: document_parser }", "document_parser")]
    [InlineData("  - { id: p, type: component, component_type: embeddings }", "embeddings")]
    [InlineData("  - { id: p, type: integration, integration_type: postgres, connection_id: c }", "postgres")]
    public void ComponentsTheLocalServerCannotRun_AreUnsupported_NotACrash(string node, string name)
    {
        var issue = AssertError(Validate(Definition(In, node, Out)), ValidationCodes.UnsupportedComponent, "p");

        Assert.Contains(name, issue.Message);
        Assert.Contains("local server cannot run", issue.Message);
    }

    [Fact]
    public async Task RunningAnUnsupportedComponent_FailsTheRunWithTheSameMessage()
    {
        var failure = await Assert.ThrowsAsync<RunFailedException>(() => new EngineHarness().RunAsync(
            Definition(In, "  - { id: p, type: component, component_type: document_parser, inputs: { d: { kind: ref, source: input } } }", OutputOf("p")),
            JsonValue.Create("x")));

        Assert.StartsWith("the definition cannot run: UNSUPPORTED_COMPONENT: the component 'p' is a document_parser, which the local server cannot run", failure.Message);
        Assert.Equal("p", failure.NodeId);
    }

    [Theory]
    [InlineData("  - { id: p, type: component, component_type: prompt, config: {} }", "p")]
    [InlineData("  - { id: input, type: component, component_type: input, config: { type: object } }", "input")]
    [InlineData("  - { id: s, type: component, component_type: output, config: { mode: structured }, inputs: { a: { kind: ref, source: input } } }", "s")]
    [InlineData("  - { id: i, type: integration, connection_id: c }", "i")]
    public void MissingComponentConfig(string node, string nodeId)
    {
        var definition = node.Contains("component_type: input") ? Definition(node, Out) : Definition(In, node, Out);
        var result = Validate(definition);

        Assert.Contains(result.Errors, error => error.Code == ValidationCodes.MissingComponentConfig && error.NodeId == nodeId);
    }

    [Theory]
    [InlineData("  - { id: input, type: component, component_type: input, config: { type: voice } }", "input")]
    [InlineData("  - { id: input, type: component, component_type: input, config: { type: object, schema: { when: { type: date } } } }", "input")]
    [InlineData("  - { id: o2, type: component, component_type: output, config: { mode: fancy }, inputs: { v: { kind: ref, source: input } } }", "o2")]
    [InlineData("  - { id: p, type: component, component_type: prompt, config: { template: 'bad {{ 9x[ }}' } }", "p")]
    public void InvalidComponentConfig(string node, string nodeId)
    {
        var definition = node.Contains("component_type: input") ? Definition(node, Out) : Definition(In, node, Out);
        var result = Validate(definition);

        Assert.Contains(result.Errors, error => error.Code == ValidationCodes.InvalidComponentConfig && error.NodeId == nodeId);
    }

    [Fact]
    public void ResponseFormatThatIsNotAnObject_IsInvalidComponentConfig() =>
        AssertError(Validate(Definition(In, Agent("a", extra: ", response_format: { type: array }"), OutputOf("a"))),
            ValidationCodes.InvalidComponentConfig, "a");

    [Fact]
    public void PromptParamHasPath_IsAWarning()
    {
        var result = Validate(Definition(In,
            "  - { id: p, type: component, component_type: prompt, config: { template: 'Say {{input.message}}' } }", OutputOf("p")));

        AssertWarningOnly(result, ValidationCodes.PromptParamHasPath, "p");
    }

    [Fact]
    public void MissingConnection()
    {
        AssertError(Validate(Definition(In, "  - { id: a, type: agent, inputs: { input: { kind: ref, source: input } } }", OutputOf("a"))),
            ValidationCodes.MissingConnection, "a");
        AssertError(Validate(Definition(In, "  - { id: i, type: integration, integration_type: http, inputs: { x: { kind: ref, source: input } } }", OutputOf("i"))),
            ValidationCodes.MissingConnection, "i");
    }

    [Fact]
    public void MissingModel() =>
        AssertError(Validate(Definition(In, Agent("a", "no-default"), OutputOf("a")), arrange: catalog =>
            catalog.Add(new ConnectionRecord("no-default", "bare", "provider", "local", "connected", null, [], []))),
            ValidationCodes.MissingModel, "a");

    [Fact]
    public void ConnectionNotFound() =>
        AssertError(Validate(Definition(In, Agent("a", "nowhere"), OutputOf("a"))), ValidationCodes.ConnectionNotFound, "a");

    [Fact]
    public void ConnectionInactive() =>
        AssertError(Validate(Definition(In, Agent("a", "off"), OutputOf("a")), arrange: catalog =>
            catalog.Add(new ConnectionRecord("off", "off", "provider", "local", "inactive", "m", [], []))),
            ValidationCodes.ConnectionInactive, "a");

    [Theory]
    [InlineData("integration", "http", "{\"base_url\":\"http://127.0.0.1:9/\"}", "not a model provider")]
    [InlineData("provider", "anthropic", "{}", "cannot call providers of type 'anthropic'")]
    [InlineData("provider", "openai", "{}", "has no base_url")]
    public void ConnectionCapability(string kind, string type, string configuration, string expected)
    {
        var result = Validate(Definition(In, Agent("a", "c"), OutputOf("a")), arrange: catalog =>
            catalog.Add(new ConnectionRecord("c", "conn", kind, type, "connected", "m", JsonNode.Parse(configuration)!.AsObject(), [])));

        Assert.Contains(expected, AssertError(result, ValidationCodes.ConnectionCapability, "a").Message);
    }

    [Fact]
    public void IntegrationOnAProviderConnection_IsConnectionCapability() =>
        AssertError(Validate(Definition(In,
            $"  - {{ id: i, type: integration, integration_type: http, connection_id: '{Local}', inputs: {{ x: {{ kind: ref, source: input }} }} }}", OutputOf("i"))),
            ValidationCodes.ConnectionCapability, "i");

    [Fact]
    public void DoesNotReachOutput_IsAWarning() =>
        AssertWarningOnly(Validate(Definition(In,
            "  - { id: stray, type: component, component_type: prompt, config: { template: '{{m}}' }, inputs: { m: { kind: ref, source: input } } }", Out)),
            ValidationCodes.DoesNotReachOutput, "stray");

    [Fact]
    public void ConnectedNotAssigned_IsAWarning() =>
        AssertWarningOnly(Validate(Definition(In,
            "  - { id: p, type: component, component_type: prompt, config: { template: '{{m}}' }, inputs: { m: { kind: ref, source: input } } }",
            "  - { id: output, type: component, component_type: output, depends_on: [p, input], inputs: { value: { kind: ref, source: p } } }")),
            ValidationCodes.ConnectedNotAssigned, "output");

    [Fact]
    public void MissingRequiredParameter_PromptTokenWithoutInput() =>
        AssertError(Validate(Definition(In,
            "  - { id: p, type: component, component_type: prompt, config: { template: 'Hi {{who}}' }, inputs: { m: { kind: ref, source: input } } }", OutputOf("p"))),
            ValidationCodes.MissingRequiredParameter, "p");

    [Fact]
    public void MissingRequiredParameter_WorkflowNodeWithoutARequiredField() =>
        Assert.Contains("'query'", AssertError(Validate(Definition(In,
            $"  - {{ id: w, type: workflow, workflow_id: '{SeedWorkflows.DemoLookupId}', inputs: {{ other: {{ kind: ref, source: input }} }} }}", OutputOf("w"))),
            ValidationCodes.MissingRequiredParameter, "w").Message);

    [Fact]
    public void MissingRequiredParameter_AgentWithoutInput_AndWorkflowWithoutId()
    {
        AssertError(Validate(Definition(In, $"  - {{ id: a, type: agent, model: {{ connection_id: '{Local}' }}, depends_on: [input] }}", OutputOf("a"))),
            ValidationCodes.MissingRequiredParameter, "a");
        AssertError(Validate(Definition(In, "  - { id: w, type: workflow, inputs: { x: { kind: ref, source: input } } }", OutputOf("w"))),
            ValidationCodes.MissingRequiredParameter, "w");
    }

    [Fact]
    public void TypeMismatch_LiteralOfTheWrongTypeIntoAChildField() =>
        AssertError(Validate(Definition(In,
            $"  - {{ id: w, type: workflow, workflow_id: '{SeedWorkflows.DemoLookupId}', inputs: {{ query: {{ kind: literal, value: 5 }}, other: {{ kind: ref, source: input }} }} }}", OutputOf("w"))),
            ValidationCodes.TypeMismatch, "w");

    [Fact]
    public void TypeMismatch_TemplateIntoAnIntegerOutputField() =>
        AssertError(Validate(Definition(In,
            "  - { id: output, type: component, component_type: output, config: { mode: structured, fields: [ { name: n, type: { type: integer } } ] }, inputs: { n: { kind: template, value: '{{input.message}}' } } }")),
            ValidationCodes.TypeMismatch, "output");

    [Fact]
    public void TypeMismatch_InputFieldTypeIntoAChildField()
    {
        var result = Validate(Definition(
            "  - { id: input, type: component, component_type: input, config: { type: object, schema: { n: { type: integer } } } }",
            $"  - {{ id: w, type: workflow, workflow_id: '{SeedWorkflows.DemoLookupId}', inputs: {{ query: {{ kind: ref, source: input, path: $.n }} }} }}", OutputOf("w")));

        Assert.Equal("'query' of 'w' is a string, but it is bound to an integer", AssertError(result, ValidationCodes.TypeMismatch, "w").Message);
    }

    [Fact]
    public void AgentShape_TwoAgents_OtherNodes_AndOutputNotConsumingTheAgent()
    {
        AssertError(Validate(Definition(In, Agent("a"), Agent("b"), OutputOf("a")), "agent"), ValidationCodes.AgentShape, "b");
        AssertError(Validate(Definition(In, Agent("a"),
            "  - { id: p, type: component, component_type: prompt, config: { template: '{{x}}' }, inputs: { x: { kind: ref, source: a } } }", OutputOf("p")), "agent"),
            ValidationCodes.AgentShape, "p");
        AssertError(Validate(Definition(In, Agent("a"), Out), "agent"), ValidationCodes.AgentShape, "output");
    }

    [Fact]
    public void AgentShape_AppliesWhenTheDefinitionSaysAgent_Too() =>
        Assert.Contains(Validate("type: agent\n" + Definition(In, Out)).Errors, error => error.Code == ValidationCodes.AgentShape);

    [Fact]
    public void NestedAgent() =>
        AssertError(Validate(Definition(In, "  - { id: a, type: agent, agent_id: other, inputs: { input: { kind: ref, source: input } } }", OutputOf("a")), "agent"),
            ValidationCodes.NestedAgent, "a");

    [Fact]
    public void WorkflowNotFound_ForWorkflowNodesPrebuiltAgentsAndTools()
    {
        AssertError(Validate(Definition(In, "  - { id: w, type: workflow, workflow_id: nope, inputs: { x: { kind: ref, source: input } } }", OutputOf("w"))),
            ValidationCodes.WorkflowNotFound, "w");
        AssertError(Validate(Definition(In, "  - { id: a, type: agent, agent_id: nope, inputs: { x: { kind: ref, source: input } } }", OutputOf("a"))),
            ValidationCodes.WorkflowNotFound, "a");
        AssertError(Validate(Definition(In, Agent("a", extra: ", tools: [ 'agent:nope' ]"), OutputOf("a"))), ValidationCodes.WorkflowNotFound, "a");
    }

    [Fact]
    public void ToolNotDeployed() =>
        AssertError(Validate(Definition(In, Agent("a", extra: ", tools: [ 'workflow:draft-only' ]"), OutputOf("a")), arrange: catalog =>
            catalog.Add(new WorkflowRecord("draft-only", "Draft", "workflow", SeedWorkflows.DemoLookupDefinition, null, null))),
            ValidationCodes.ToolNotDeployed, "a");

    [Fact]
    public void MalformedToolSource_IsInvalidDefinition() =>
        AssertError(Validate(Definition(In, Agent("a", extra: ", tools: [ 'lookup' ]"), OutputOf("a"))), ValidationCodes.InvalidDefinition, "a");
}
