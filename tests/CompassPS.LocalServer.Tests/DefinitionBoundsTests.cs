using System.Net;
using System.Text.Json;
using CompassPS.LocalServer.Store;
using Microsoft.Extensions.Logging.Abstractions;

namespace CompassPS.LocalServer.Tests;

/// <summary>
/// What a definition may cost is bounded before it is parsed deeply: a definition past a bound is refused with a 422
/// carrying its validation code and never stored, one stored by an older server fails its runs cleanly, and a run's
/// values are bounded while it runs. Every case ends with the server still answering.
/// </summary>
public sealed class DefinitionBoundsTests : IDisposable
{
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "compass-local-bounds-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dataDirectory)) Directory.Delete(_dataDirectory, recursive: true);
    }

    /// <summary>30,000 levels (60 KB of brackets), as JSON, YAML flow lists and mappings, and YAML block lists.</summary>
    public static TheoryData<string, string> TooDeep => new()
    {
        { "json lists", new string('[', 30_000) + new string(']', 30_000) },
        { "yaml flow lists", "name: deep\nnodes: " + new string('[', 30_000) + new string(']', 30_000) + "\n" },
        { "yaml flow lists, unclosed", "name: deep\nnodes: " + new string('[', 60_000) },
        { "yaml flow mappings", "name: deep\nnodes: " + string.Concat(Enumerable.Repeat("{a: ", 15_000)) + "1" + new string('}', 15_000) + "\n" },
        { "yaml block lists", "name: deep\nnodes:\n  " + string.Concat(Enumerable.Repeat("- ", 30_000)) + "x\n" },
    };

    /// <summary>Five levels of anchors, each repeating the one below ten times, over a 10 KB string: 11 KB of request.</summary>
    public static string AliasBomb()
    {
        var lines = new List<string> { "s: &l0 " + new string('x', 10_000) };
        for (var level = 1; level <= 5; level++)
            lines.Add($"l{level}: &l{level} [{string.Join(", ", Enumerable.Repeat($"*l{level - 1}", 10))}]");
        lines.Add("name: bomb");
        lines.Add("nodes: []");
        return string.Join("\n", lines);
    }

    [Theory]
    [MemberData(nameof(TooDeep))]
    public async Task A_definition_nested_30000_deep_is_refused_on_create_and_update_and_never_stored(string shape, string definition)
    {
        await using var server = await TestServer.StartAsync("--delay-scale", "0");
        var client = server.Client();
        var (_, before) = await client.GetJsonAsync("v1/workflows/");

        var (created, createdBody) = await client.PostJsonAsync("v1/workflows/", new { name = "deep", definition });
        AssertRefused(created, createdBody, "DEFINITION_TOO_DEEP", shape);

        var (_, kept) = await client.PostJsonAsync("v1/workflows/", new { name = "kept", definition = Definitions.MissingInput });
        var keptId = (string)kept!["id"]!;
        var (patched, patchedBody) = await client.SendAsync(HttpMethod.Patch, $"v1/workflows/{keptId}", new { definition });
        AssertRefused(patched, patchedBody, "DEFINITION_TOO_DEEP", shape);

        var (_, after) = await client.GetJsonAsync("v1/workflows/");
        Assert.Equal((int)before!["total"]! + 1, (int)after!["total"]!);
        Assert.DoesNotContain(after["items"]!.AsArray(), w => (string?)w!["name"] == "deep");
        var (_, unchanged) = await client.GetJsonAsync($"v1/workflows/{keptId}");
        Assert.Equal(Definitions.MissingInput, (string?)unchanged!["definition"]);

        // Validating the text without storing it reports the same code, as validate reports every problem.
        var (validated, validation) = await client.PostJsonAsync($"v1/workflows/{keptId}/validate", new { definition });
        Assert.Equal(HttpStatusCode.OK, validated.StatusCode);
        Assert.Equal("DEFINITION_TOO_DEEP", (string?)validation!["errors"]![0]!["code"]);
    }

    [Fact]
    public async Task An_alias_bomb_is_refused_by_its_expanded_size_before_it_is_expanded()
    {
        await using var server = await TestServer.StartAsync("--delay-scale", "0");
        var client = server.Client();
        var definition = AliasBomb();
        Assert.InRange(definition.Length, 10_000, 11_000);

        var (created, body) = await client.PostJsonAsync("v1/workflows/", new { name = "bomb", definition });
        AssertRefused(created, body, "ALIAS_EXPANSION_TOO_LARGE", "alias bomb");
        Assert.Contains("characters", (string?)body!["detail"]![0]!["msg"]);
        var (_, workflows) = await client.GetJsonAsync("v1/workflows/?name=bomb");
        Assert.Equal(0, (int)workflows!["total"]!);
    }

    [Fact]
    public async Task A_definition_past_the_bounds_stored_by_an_older_server_fails_its_runs_cleanly()
    {
        // An older server stored anything: put the texts straight into the database it would have left.
        var deepId = Guid.NewGuid().ToString();
        var bombId = Guid.NewGuid().ToString();
        await using (var persistence = new SqlitePersistence(_dataDirectory, NullLogger.Instance))
        {
            foreach (var (id, definition) in new[] { (deepId, "name: deep\nnodes: " + new string('[', 60_000)), (bombId, AliasBomb()) })
            {
                var entity = new WorkflowEntity
                {
                    Id = id, ProjectId = TestServer.DefaultProjectId, Name = "stored-" + id[..8], Definition = definition,
                    CreatedAt = DateTimeOffset.UtcNow, UpdatedAt = DateTimeOffset.UtcNow, Sequence = 1,
                };
                persistence.Upsert("workflow", id, JsonSerializer.Serialize(entity));
            }
            await persistence.FlushAsync();
        }

        await using var server = await TestServer.StartAsync("--data", _dataDirectory, "--delay-scale", "0");
        var client = server.Client();
        foreach (var (id, code) in new[] { (deepId, "DEFINITION_TOO_DEEP"), (bombId, "ALIAS_EXPANSION_TOO_LARGE") })
        {
            var (_, validation) = await client.PostJsonAsync($"v1/workflows/{id}/validate");
            Assert.Equal(code, (string?)validation!["errors"]![0]!["code"]);
            var (deployed, deployBody) = await client.PostJsonAsync($"v1/workflows/{id}/deploy");
            Http.AssertError(deployed, deployBody, 409, "WORKFLOW_INVALID");

            var (dispatched, run) = await client.PostJsonAsync("v1/runs/", new { workflow_id = id, input_data = new { } });
            Assert.Equal(HttpStatusCode.Created, dispatched.StatusCode);
            var finished = await client.WaitForRunAsync((string)run!["id"]!);
            Assert.Equal("failed", (string?)finished["status"]);
            Assert.Contains(code, (string?)finished["error"]);
        }

        // The server is still whole: a definition within the bounds runs.
        var (_, echo) = await client.PostJsonAsync("v1/workflows/", new { name = "echo", definition = Growing("output: \"{{input.text}}\"") });
        var (_, run2) = await client.PostJsonAsync("v1/runs/", new { workflow_id = echo!["id"], input_data = new { text = "still here" } });
        var echoed = await client.WaitForRunAsync((string)run2!["id"]!);
        Assert.Equal("still here", (string?)echoed["output"]);
    }

    /// <summary>Values that grow while a run runs: a template repeating a 1 MB input, and twenty refs to it.</summary>
    public static TheoryData<string> GrowingRuns => new()
    {
        "output: { kind: template, value: \"" + string.Concat(Enumerable.Repeat("{{input.text}}", 20)) + "\" }",
        "output: { kind: list, items: [" + string.Join(", ", Enumerable.Repeat("{ kind: ref, source: input, path: $.text }", 20)) + "] }",
    };

    [Theory]
    [MemberData(nameof(GrowingRuns))]
    public async Task A_run_whose_values_grow_past_the_bound_fails_with_OUTPUT_TOO_LARGE(string outputBinding)
    {
        await using var server = await TestServer.StartAsync("--delay-scale", "0");
        var client = server.Client();
        var definition = Growing(outputBinding);
        var (_, workflow) = await client.PostJsonAsync("v1/workflows/", new { name = "grows", definition });
        var workflowId = (string)workflow!["id"]!;

        var (_, small) = await client.PostJsonAsync("v1/runs/", new { workflow_id = workflowId, input_data = new { text = "ab" } });
        Assert.Equal("completed", (string?)(await client.WaitForRunAsync((string)small!["id"]!))["status"]);

        var (_, large) = await client.PostJsonAsync("v1/runs/", new { workflow_id = workflowId, input_data = new { text = new string('y', 1_000_000) } });
        var failed = await client.WaitForRunAsync((string)large!["id"]!);
        Assert.Equal("failed", (string?)failed["status"]);
        Assert.StartsWith("OUTPUT_TOO_LARGE", (string?)failed["error"]);
        Assert.Null(failed["output"]);
    }

    /// <summary>An Input taking <c>text</c>, and an Output whose one input is <paramref name="outputBinding"/>.</summary>
    private static string Growing(string outputBinding) => $$"""
        name: grows
        nodes:
          - id: input
            type: component
            component_type: input
            config: { type: object, schema: { text: { type: string } } }
          - id: output
            type: component
            component_type: output
            inputs:
              {{outputBinding}}
        """;

    private static void AssertRefused(HttpResponseMessage response, System.Text.Json.Nodes.JsonNode? body, string code, string shape)
    {
        Assert.True(response.StatusCode == HttpStatusCode.UnprocessableEntity, $"{shape}: {(int)response.StatusCode}");
        Assert.Equal("VALIDATION_ERROR", (string?)body!["code"]);
        var problem = Assert.Single(body["detail"]!.AsArray())!;
        Assert.Equal(code, (string?)problem["type"]);
        Assert.Equal(["body", "definition"], problem["loc"]!.AsArray().Select(p => (string?)p));
    }
}
