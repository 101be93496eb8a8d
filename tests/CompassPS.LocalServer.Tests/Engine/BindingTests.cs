using System.Text.Json.Nodes;
using CompassPS.LocalServer.Engine;
using Xunit;

namespace CompassPS.LocalServer.Tests.Engine;

/// <summary>Each binding kind, seen through a structured Output whose one field is bound with it.</summary>
public sealed class BindingTests
{
    private static readonly JsonObject Order = JsonNode.Parse("""
        {"customer": "Ada", "count": 3, "items": [{"name": "lamp", "price": 12.5}, {"name": "desk", "price": 80}]}
        """)!.AsObject();

    private static string WithBinding(string binding) => $$"""
        name: binding under test
        nodes:
          - id: input
            type: component
            component_type: input
            config:
              type: object
              schema:
                customer: { type: string, required: true }
                count: { type: integer }
                items: { type: array }
          - id: output
            type: component
            component_type: output
            config:
              mode: structured
              fields: [{ name: result, type: { type: string } }, { name: anchor }]
            inputs:
              anchor: { kind: ref, source: input, path: $.customer }
              result: {{binding}}
        """;

    private static async Task<JsonNode?> ResultOf(string binding, JsonObject? config = null)
    {
        var result = await new EngineHarness().RunAsync(WithBinding(binding), Order.DeepClone(), config);
        return result.Output!["result"];
    }

    [Fact]
    public async Task Literal_IsTheConstant()
    {
        Assert.Equal(42, (await ResultOf("{ kind: literal, value: 42 }"))!.GetValue<long>());
        Assert.Equal("""{"a":[1,true,null]}""", (await ResultOf("{ kind: literal, value: { a: [1, true, null] } }"))!.ToJsonString());
    }

    [Fact]
    public async Task Ref_FollowsDotsAndIndexes()
    {
        Assert.Equal("desk", (await ResultOf("{ kind: ref, source: input, path: '$.items[1].name' }"))!.GetValue<string>());
        Assert.Equal(12.5, (await ResultOf("{ kind: ref, source: input, path: 'items[0].price' }"))!.GetValue<double>());
    }

    [Fact]
    public async Task Ref_WithRootPath_IsTheWholeOutput()
    {
        var whole = await ResultOf("{ kind: ref, source: input, path: $ }");
        Assert.True(JsonNode.DeepEquals(Order, whole));
        Assert.True(JsonNode.DeepEquals(Order, await ResultOf("{ kind: ref, source: input }")));
    }

    [Fact]
    public async Task Ref_ToAMissingField_IsNull()
    {
        Assert.Null(await ResultOf("{ kind: ref, source: input, path: '$.items[5].name' }"));
        Assert.Null(await ResultOf("{ kind: ref, source: input, path: $.nothing.here }"));
    }

    [Fact]
    public async Task Template_RendersNodePathsIntoText()
    {
        var text = await ResultOf("""{ kind: template, value: "{{input.customer}} ordered {{ input.count }}x {{input.items[0].name}}; all: {{input.items[1]}}" }""");

        Assert.Equal("""Ada ordered 3x lamp; all: {"name":"desk","price":80}""", text!.GetValue<string>());
    }

    [Fact]
    public async Task PlainStringWithTokens_IsATemplate_AndWithoutTokens_ALiteral()
    {
        Assert.Equal("Hi Ada", (await ResultOf("\"Hi {{input.customer}}\""))!.GetValue<string>());
        Assert.Equal("just text", (await ResultOf("just text"))!.GetValue<string>());
    }

    [Fact]
    public async Task List_EvaluatesEachItem()
    {
        var list = await ResultOf("""
            { kind: list, items: [ { kind: ref, source: input, path: $.customer }, { kind: literal, value: 7 }, { kind: template, value: "n={{input.count}}" } ] }
            """);

        Assert.Equal("""["Ada",7,"n=3"]""", list!.ToJsonString());
    }

    [Fact]
    public async Task Object_EvaluatesEachEntry_AndNests()
    {
        var obj = await ResultOf("""
            { kind: object, entries: { who: { kind: ref, source: input, path: $.customer }, what: { kind: list, items: [ { kind: ref, source: input, path: '$.items[0].name' } ] } } }
            """);

        Assert.Equal("""{"who":"Ada","what":["lamp"]}""", obj!.ToJsonString());
    }

    [Fact]
    public async Task Config_ReadsTheRunsConfig()
    {
        var value = await ResultOf("{ kind: config, key: region }", new JsonObject { ["region"] = "eu-west" });

        Assert.Equal("eu-west", value!.GetValue<string>());
    }

    [Fact]
    public async Task Config_Optional_IsNullWhenAbsent_AndDefaultApplies()
    {
        Assert.Null(await ResultOf("{ kind: config, key: region, optional: true }"));
        Assert.Equal("us", (await ResultOf("{ kind: config, key: region, default: us }"))!.GetValue<string>());
    }

    [Fact]
    public async Task Config_RequiredButAbsent_FailsTheRunNamingTheKey()
    {
        var failure = await Assert.ThrowsAsync<RunFailedException>(() => ResultOf("{ kind: config, key: region }", new JsonObject { ["other"] = 1 }));

        Assert.Equal("the run's config has no 'region', which node 'output' needs for 'result'", failure.Message);
        Assert.Equal("output", failure.NodeId);
    }
}
