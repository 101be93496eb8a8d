using System.Net;
using System.Text.Json.Nodes;
using CompassPS.LocalServer.Hosting;

namespace CompassPS.LocalServer.Tests;

/// <summary>--model-script: the built-in model answers what a rule says, through the workflow's real tools.</summary>
public sealed class ModelScriptTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("compass-script-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Write(string name, string text)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllText(path, text);
        return path;
    }

    private const string Rules = """
        - name: refund
          match: '(?i)\brefund\b'
          reply: Refund approved for order 42, no questions asked.
        - name: looks it up
          match: glaciers
          tool_calls:
            - tool: lookup
              arguments: { query: ice sheets }
          reply: Glaciers are slow rivers of ice.
        - name: unreachable
          match: '(?i)refund'
          reply: never chosen, an earlier rule matches first
        """;

    private sealed record Event(string Type, JsonObject Data);

    private static async Task<(JsonObject Run, List<Event> Events, HttpClient Client)> RunDemoAsync(TestServer server, string topic)
    {
        var client = server.Client();
        var run = await client.StartDemoRunAsync(topic);
        var finished = await client.WaitForRunAsync((string)run["id"]!);
        var (_, frames) = await SseReader.ReadAllAsync(client, $"v1/streams/{run["id"]}");
        return (finished, frames.Where(f => f.Data is not null).Select(f => new Event(f.Event!, f.Json)).ToList(), client);
    }

    [Fact]
    public async Task The_first_matching_rule_answers_and_its_reply_streams_word_by_word()
    {
        await using var server = await TestServer.StartAsync("--delay-scale", "0", "--model-script", Write("rules.yaml", Rules));

        var (run, events, _) = await RunDemoAsync(server, "a refund for my order");

        Assert.Equal("completed", (string?)run["status"]);
        Assert.Equal("Refund approved for order 42, no questions asked.", (string?)run["output"]);
        var deltas = events.Where(e => e.Type == "output.delta").Select(e => (string)e.Data["text"]!).ToList();
        Assert.True(deltas.Count >= 7, "one piece per word");
        Assert.Equal("Refund approved for order 42, no questions asked.", string.Concat(deltas));
        Assert.DoesNotContain(events, e => e.Type == "tool_call.started");
    }

    [Fact]
    public async Task A_rule_s_tool_calls_go_through_the_workflow_s_real_tools_before_its_reply()
    {
        await using var server = await TestServer.StartAsync("--delay-scale", "0", "--model-script", Write("rules.json", """
            [ { "match": "glaciers", "tool_calls": [ { "tool": "lookup", "arguments": { "query": "ice sheets" } } ],
                "reply": "Glaciers are slow rivers of ice." } ]
            """));

        var (run, events, client) = await RunDemoAsync(server, "glaciers");

        Assert.Equal("completed", (string?)run["status"]);
        Assert.Equal("Glaciers are slow rivers of ice.", (string?)run["output"]);
        var started = events.Single(e => e.Type == "tool_call.started");
        Assert.Equal("lookup", (string?)started.Data["tool"]);
        Assert.Equal("ice sheets", (string?)started.Data["args"]!["query"]);
        // The tool really ran: demo-lookup's own run answered from the scripted arguments.
        var completed = events.Single(e => e.Type == "tool_call.completed");
        Assert.Contains("ice sheets", (string?)completed.Data["result"]);
        var (_, executions) = await client.GetJsonAsync($"v1/runs/{run["id"]}/executions");
        var toolStep = executions!["items"]!.AsArray().Single(step => (string?)step!["kind"] == "tool_call");
        Assert.NotNull((string?)toolStep!["child_run_id"]);
    }

    [Fact]
    public async Task Without_a_matching_rule_the_built_in_model_answers_as_before()
    {
        await using var server = await TestServer.StartAsync("--delay-scale", "0", "--model-script", Write("rules.yaml", Rules));

        var (run, events, _) = await RunDemoAsync(server, "tidal energy");

        Assert.Equal("completed", (string?)run["status"]);
        Assert.StartsWith("You asked: \"Write a short research brief about tidal energy.\"", (string?)run["output"]);
        Assert.Contains(events, e => e.Type == "tool_call.started");
    }

    [Fact]
    public async Task A_tool_the_agent_does_not_have_fails_the_run_naming_it()
    {
        await using var server = await TestServer.StartAsync("--delay-scale", "0", "--model-script", Write("rules.yaml", """
            - match: tides
              tool_calls: [ { tool: weather } ]
              reply: unused
            """));

        var (run, _, _) = await RunDemoAsync(server, "tides");

        Assert.Equal("failed", (string?)run["status"]);
        Assert.Contains("'weather'", (string?)run["error"]);
    }

    [Theory]
    [InlineData("- name: broken\n  match: '(unclosed'\n  reply: x\n", "rule 'broken'", "regular expression")]
    [InlineData("- match: ok\n  reply: fine\n- match: second\n", "rule 2 (match 'second')", "no 'reply'")]
    [InlineData("- match: ok\n  replay: typo\n", "rule 1 (match 'ok')", "unknown field 'replay'")]
    [InlineData("- reply: no pattern\n", "rule 1", "no 'match'")]
    [InlineData("- name: calls\n  match: x\n  reply: y\n  tool_calls: [ { arguments: {} } ]\n", "rule 'calls'", "needs a 'tool'")]
    [InlineData("match: x\nreply: y\n", "must be a list of rules", "")]
    [InlineData("- match: [unclosed\n", "not valid YAML or JSON", "line")]
    public void A_bad_script_refuses_the_start_naming_the_rule(string text, string names, string says)
    {
        var path = Write("bad.yaml", text);

        var failure = Assert.Throws<ArgumentException>(() => LocalServerApp.Build(["--urls", "http://127.0.0.1:0", "--in-memory", "--model-script", path]));

        Assert.Contains(path, failure.Message);
        Assert.Contains(names, failure.Message);
        Assert.Contains(says, failure.Message);
    }

    [Fact]
    public void A_missing_script_refuses_the_start()
    {
        var path = Path.Combine(_folder, "nowhere.yaml");
        var failure = Assert.Throws<ArgumentException>(() => LocalServerApp.Build(["--urls", "http://127.0.0.1:0", "--in-memory", "--model-script", path]));
        Assert.Contains("cannot be read", failure.Message);
    }
}
