using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using CompassPS.LocalServer.Engine;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Xunit;

namespace CompassPS.LocalServer.Tests.Engine;

/// <summary>The OpenAI-compatible provider against a fake chat completions server on 127.0.0.1 that streams SSE.</summary>
public sealed class OpenAiCompatibleProviderTests
{
    private const string ApiKey = "sk-test-do-not-leak";

    private static string AgentOn(string connectionId, string tools = "") => $$"""
        name: real model
        nodes:
          - { id: input, type: component, component_type: input }
          - id: agent
            type: agent
            model: { connection_id: {{connectionId}}, model: "" }
            system_prompt: You are terse.
            settings: { temperature: 0.2 }
            inputs: { input: { kind: ref, source: input, path: $.message } }
        {{tools}}
          - { id: output, type: component, component_type: output, inputs: { value: { kind: ref, source: agent } } }
        """;

    /// <summary>A fake provider: the first call of a turn with tools asks for the lookup tool; otherwise it streams an answer.</summary>
    private sealed class FakeProvider
    {
        public List<JsonObject> Requests { get; } = [];
        public List<string> AuthorizationHeaders { get; } = [];
        public List<string> GatewayHeaders { get; } = [];

        public async Task HandleAsync(HttpContext http)
        {
            var body = JsonNode.Parse(await new StreamReader(http.Request.Body).ReadToEndAsync())!.AsObject();
            lock (Requests)
            {
                Requests.Add(body);
                AuthorizationHeaders.Add(http.Request.Headers.Authorization.ToString());
                GatewayHeaders.Add(http.Request.Headers["X-Gateway-Key"].ToString());
            }

            http.Response.ContentType = "text/event-stream";
            var messages = body["messages"]!.AsArray();
            var toolAnswered = messages.Any(message => message!["role"]!.GetValue<string>() == "tool");
            if (body["tools"] is JsonArray && !toolAnswered)
            {
                await SendAsync(http, """{"choices":[{"index":0,"delta":{"role":"assistant","tool_calls":[{"index":0,"id":"call_abc","type":"function","function":{"name":"demo-lookup","arguments":"{\"que"}}]}}]}""");
                await SendAsync(http, """{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"ry\":\"otters\"}"}}]}}]}""");
                await SendAsync(http, """{"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}""");
            }
            else
            {
                foreach (var piece in new[] { "Otters ", "hold ", "hands." })
                {
                    await SendAsync(http, new JsonObject { ["choices"] = new JsonArray(new JsonObject { ["index"] = 0, ["delta"] = new JsonObject { ["content"] = piece } }) }.ToJsonString());
                }

                await SendAsync(http, """{"choices":[],"usage":{"prompt_tokens":30,"completion_tokens":3,"total_tokens":33}}""");
            }

            await http.Response.WriteAsync("data: [DONE]\n\n");
        }

        private static async Task SendAsync(HttpContext http, string json)
        {
            await http.Response.WriteAsync($"data: {json}\n\n", Encoding.UTF8);
            await http.Response.Body.FlushAsync();
        }
    }

    private static async Task<(LoopbackServer Server, FakeProvider Provider, EngineHarness Harness)> StartAsync(string type = "lmstudio")
    {
        var provider = new FakeProvider();
        var server = await LoopbackServer.StartAsync(app => app.MapPost("/v1/chat/completions", provider.HandleAsync));
        var harness = new EngineHarness();
        harness.Catalog.Add(new ConnectionRecord("conn-llm", "studio", "provider", type, "connected", "fake-model-7b",
            new JsonObject { ["base_url"] = server.BaseUrl + "v1" }, new JsonObject { ["api_key"] = ApiKey }));
        return (server, provider, harness);
    }

    [Fact]
    public async Task StreamsTheAnswerAsOutputDeltas_WithTheKeyAsBearer()
    {
        var (server, provider, harness) = await StartAsync();
        await using var _ = server;

        var result = await harness.RunAsync(AgentOn("conn-llm"), JsonValue.Create("tell me about otters"));

        Assert.Equal("Otters hold hands.", result.Output!.GetValue<string>());
        Assert.Equal(["Otters ", "hold ", "hands."],
            harness.Sink.RootEvents.Where(recorded => recorded.Type == "output.delta").Select(delta => delta.Fields["text"]!.GetValue<string>()));
        Assert.Equal(33, result.TotalTokens);
        var request = Assert.Single(provider.Requests);
        Assert.Equal($"Bearer {ApiKey}", Assert.Single(provider.AuthorizationHeaders));
        Assert.Equal("fake-model-7b", request["model"]!.GetValue<string>());
        Assert.True(request["stream"]!.GetValue<bool>());
        Assert.Equal(0.2, request["temperature"]!.GetValue<double>());
        Assert.Equal("""[{"role":"system","content":"You are terse."},{"role":"user","content":"tell me about otters"}]""", request["messages"]!.ToJsonString());
        var step = harness.Sink.Steps.Single(recorded => recorded.Start.NodeId == "agent");
        Assert.Equal(("fake-model-7b", 33), (step.Start.Model, step.End!.Tokens));
    }

    [Fact]
    public async Task ToolCallsStreamedInFragments_AreRunAndTheirResultsSentBack()
    {
        var (server, provider, harness) = await StartAsync();
        await using var _ = server;
        var tools = $"""
                tools: [ "workflow:{SeedWorkflows.DemoLookupId}" ]
            """;

        var result = await harness.RunAsync(AgentOn("conn-llm", tools), JsonValue.Create("otters?"));

        Assert.Equal("Otters hold hands.", result.Output!.GetValue<string>());
        var child = Assert.Single(harness.Sink.Children);
        Assert.Equal("""{"query":"otters"}""", child.Input!.ToJsonString());
        Assert.Equal(2, provider.Requests.Count);
        var firstTools = provider.Requests[0]["tools"]!.AsArray();
        Assert.Equal("demo-lookup", firstTools[0]!["function"]!["name"]!.GetValue<string>());
        Assert.Equal("""["query"]""", firstTools[0]!["function"]!["parameters"]!["required"]!.ToJsonString());
        var followUp = provider.Requests[1]["messages"]!.AsArray();
        Assert.Equal("call_abc", followUp[2]!["tool_calls"]![0]!["id"]!.GetValue<string>());
        Assert.Equal("""{"query":"otters"}""", followUp[2]!["tool_calls"]![0]!["function"]!["arguments"]!.GetValue<string>());
        Assert.Equal("tool", followUp[3]!["role"]!.GetValue<string>());
        Assert.Equal("call_abc", followUp[3]!["tool_call_id"]!.GetValue<string>());
        Assert.Equal("Reference notes for 'otters': one offline source, the Compass local library.", followUp[3]!["content"]!.GetValue<string>());
        var completed = harness.Sink.RootEvents.Single(recorded => recorded.Type == "tool_call.completed");
        Assert.Equal("call_abc", completed.Fields["tool_call_id"]!.GetValue<string>());
    }

    [Fact]
    public async Task AnyConnectionWithABaseUrl_IsCalledTheSameWay()
    {
        var (server, _, harness) = await StartAsync(type: "openai");
        await using var _s = server;

        var result = await harness.RunAsync(AgentOn("conn-llm"), JsonValue.Create("hi"));

        Assert.Equal("Otters hold hands.", result.Output!.GetValue<string>());
    }

    [Fact]
    public async Task ProviderError_FailsTheRunWithItsStatus_NeverTheKey()
    {
        await using var server = await LoopbackServer.StartAsync(app => app.MapPost("/v1/chat/completions", (HttpContext http) =>
            Results.Json(new { error = new { message = $"Incorrect API key provided: {http.Request.Headers.Authorization}" } }, statusCode: 401)));
        var harness = new EngineHarness();
        harness.Catalog.Add(new ConnectionRecord("conn-llm", "studio", "provider", "ollama", "connected", "m",
            new JsonObject { ["base_url"] = server.BaseUrl + "v1/" }, new JsonObject { ["api_key"] = ApiKey }));

        var failure = await Assert.ThrowsAsync<RunFailedException>(() => harness.RunAsync(AgentOn("conn-llm"), JsonValue.Create("hi")));

        Assert.StartsWith("the provider 'studio' answered 401 Unauthorized: ", failure.Message);
        Assert.Contains("Incorrect API key provided: Bearer ***", failure.Message);
        Assert.DoesNotContain(ApiKey, failure.Message);
        Assert.DoesNotContain(harness.Sink.Events, recorded => recorded.Fields.ToJsonString().Contains(ApiKey));
    }
    [Fact]
    public async Task ThroughAGateway_CallsTheProxyWithBothKeys()
    {
        var provider = new FakeProvider();
        await using var proxy = await LoopbackServer.StartAsync(app => app.MapPost("/proxy/v1/chat/completions", provider.HandleAsync));
        var harness = new EngineHarness();
        harness.Catalog.Add(new ConnectionRecord("conn-gw", "apigee", "gateway", "apigee", "connected", null,
            new JsonObject { ["base_url"] = proxy.BaseUrl + "proxy/v1", ["header_name"] = "X-Gateway-Key" }, new JsonObject { ["api_key"] = "gw-secret" }));
        harness.Catalog.Add(new ConnectionRecord("conn-llm", "cloud", "provider", "openai", "connected", "gpt-x",
            new JsonObject { ["gateway_id"] = "conn-gw" }, new JsonObject { ["api_key"] = ApiKey }));

        Assert.True(harness.Validate(AgentOn("conn-llm")).Valid);
        var result = await harness.RunAsync(AgentOn("conn-llm"), JsonValue.Create("hi"));

        Assert.Equal("Otters hold hands.", result.Output!.GetValue<string>());
        Assert.Equal(($"Bearer {ApiKey}", "gw-secret"), (Assert.Single(provider.AuthorizationHeaders), Assert.Single(provider.GatewayHeaders)));
    }

    [Fact]
    public void AMissingGateway_IsConnectionNotFound()
    {
        var harness = new EngineHarness();
        harness.Catalog.Add(new ConnectionRecord("conn-llm", "cloud", "provider", "openai", "connected", "gpt-x",
            new JsonObject { ["gateway_id"] = "gone" }, []));

        var issue = Assert.Single(harness.Validate(AgentOn("conn-llm")).Errors);

        Assert.Equal((ValidationCodes.ConnectionNotFound, "agent"), (issue.Code, issue.NodeId));
        Assert.Contains("gateway 'gone'", issue.Message);
    }
    [Fact]
    public async Task AStreamCutMidAnswer_FailsTheRunClearly()
    {
        // A raw TCP server, because only it can end a chunked response cleanly in the middle (Kestrel would reset the
        // connection, and a reset may discard the bytes already sent): headers, one event, then the connection closes.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var serving = Task.Run(async () =>
        {
            using var client = await listener.AcceptTcpClientAsync();
            var stream = client.GetStream();
            var buffer = new byte[65536];
            var request = new StringBuilder();
            while (!request.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
            {
                request.Append(Encoding.ASCII.GetString(buffer, 0, await stream.ReadAsync(buffer)));
            }

            const string firstEvent = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Half \"}}]}\n\n";
            var head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
                + $"{Encoding.UTF8.GetByteCount(firstEvent):x}\r\n{firstEvent}\r\n";
            await stream.WriteAsync(Encoding.UTF8.GetBytes(head));
            client.Client.Shutdown(SocketShutdown.Send);
        });
        var harness = new EngineHarness();
        harness.Catalog.Add(new ConnectionRecord("conn-llm", "studio", "provider", "lmstudio", "connected", "m",
            [], new JsonObject { ["base_url"] = $"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}/v1" }));

        var failure = await Assert.ThrowsAsync<RunFailedException>(() => harness.RunAsync(AgentOn("conn-llm"), JsonValue.Create("hi")));
        await serving;

        Assert.StartsWith("the connection to the provider 'studio' broke off during its answer", failure.Message);
        Assert.Equal("Half ", harness.Sink.RootEvents.Single(recorded => recorded.Type == "output.delta").Fields["text"]!.GetValue<string>());
    }
}
