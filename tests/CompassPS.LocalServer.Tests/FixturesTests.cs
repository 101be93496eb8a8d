using System.Net;
using CompassPS.LocalServer.Hosting;

namespace CompassPS.LocalServer.Tests;

/// <summary>--seed: connections, workflows and deployments created at start, with the ids the file gives.</summary>
public sealed class FixturesTests : IDisposable
{
    private const string TicketsId = "6f1c2d3e-4a5b-4c6d-8e7f-901234567890";
    private const string TriageId = "7a1c2d3e-4a5b-4c6d-8e7f-901234567891";
    private const string TriageDeploymentId = "8b1c2d3e-4a5b-4c6d-8e7f-901234567892";

    private readonly string _folder = Directory.CreateTempSubdirectory("compass-seed-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Write(string name, string text)
    {
        var path = Path.Combine(_folder, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    private string SeedFile()
    {
        Write("workflows/triage.yaml", PromptWorkflow("Triage: {{topic}}"));
        var inline = Indent(PromptWorkflow("Draft {{topic}}"), "      ");
        return Write("seed.yaml", $$"""
            connections:
              - id: {{TicketsId}}
                name: tickets
                kind: integration
                type: http
                configuration: { base_url: "http://127.0.0.1:9" }
                credentials: { api_key: sk-seeded-secret }
            workflows:
              - id: {{TriageId}}
                name: triage
                definition_file: workflows/triage.yaml
              - name: inline-draft
                type: workflow
                definition: |
            {{inline}}
            deployments:
              - id: {{TriageDeploymentId}}
                workflow: triage
            """);
    }

    // input 'topic' -> prompt -> output: completes with the template filled in.
    private static string PromptWorkflow(string template) => $$"""
        name: prompt
        type: workflow
        nodes:
          - id: input
            type: component
            component_type: input
            config:
              type: object
              schema:
                topic: { type: string, required: true }
          - id: prompt
            type: component
            component_type: prompt
            config:
              template: "{{template}}"
            inputs:
              topic: { kind: ref, source: input, path: $.topic }
          - id: output
            type: component
            component_type: output
            config:
              mode: single
            inputs:
              value: { kind: ref, source: prompt, path: $ }
        """;

    private static string Indent(string text, string prefix) =>
        string.Join("\n", text.Split('\n').Select(line => prefix + line));

    [Fact]
    public async Task The_seed_s_objects_exist_at_start_with_their_ids_and_a_seeded_deployment_runs()
    {
        await using var server = await TestServer.StartAsync("--delay-scale", "0", "--seed", SeedFile());
        var client = server.Client();

        var (connection, tickets) = await client.GetJsonAsync($"v1/connections/{TicketsId}");
        Assert.Equal(HttpStatusCode.OK, connection.StatusCode);
        Assert.Equal("tickets", (string?)tickets!["name"]);
        Assert.True((bool)tickets["has_credentials"]!);
        Assert.DoesNotContain("sk-seeded-secret", tickets.ToJsonString());

        var (_, triage) = await client.GetJsonAsync($"v1/workflows/{TriageId}");
        Assert.Equal(TriageDeploymentId, (string?)triage!["deployment_id"]);
        Assert.Equal(1, (int?)triage["latest_version"]);
        var (_, drafts) = await client.GetJsonAsync("v1/workflows/?name=inline-draft");
        var draft = drafts!["items"]!.AsArray().Single()!;
        Assert.Null((string?)draft["deployment_id"]);

        var (created, run) = await client.PostJsonAsync("v1/runs/", new { deployment_id = TriageDeploymentId, input_data = new { topic = "printer on fire" } });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var finished = await client.WaitForRunAsync((string)run!["id"]!);
        Assert.Equal("completed", (string?)finished["status"]);
        Assert.Equal("Triage: printer on fire", (string?)finished["output"]);
    }

    [Fact]
    public async Task A_restart_with_the_same_data_and_seed_adds_nothing()
    {
        var seed = SeedFile();
        var data = Path.Combine(_folder, "data");
        await using (var first = await TestServer.StartAsync("--data", data, "--seed", seed)) { }

        await using var second = await TestServer.StartAsync("--data", data, "--seed", seed);
        var client = second.Client();

        var (_, workflows) = await client.GetJsonAsync("v1/workflows/");
        Assert.Equal(1, workflows!["items"]!.AsArray().Count(w => (string?)w!["name"] == "triage"));
        Assert.Equal(1, workflows["items"]!.AsArray().Count(w => (string?)w!["name"] == "inline-draft"));
        var (_, deployments) = await client.GetJsonAsync($"v1/deployments/?workflow_id={TriageId}");
        Assert.Single(deployments!["items"]!.AsArray());
    }

    [Theory]
    [InlineData("workflows:\n  - name: broken\n    definition: 'nodes: []'\ndeployments:\n  - workflow: broken\n", "deployments[1]", "cannot be deployed")]
    [InlineData("deployments:\n  - workflow: nowhere\n", "deployments[1]", "no workflow 'nowhere'")]
    [InlineData("workflows:\n  - name: twice\n    definition: x\n    definition_file: y.yaml\n", "workflows[1] ('twice')", "exactly one of")]
    [InlineData("connections:\n  - name: c\n    kind: database\n    type: x\n", "connections[1] ('c')", "kind must be one of")]
    [InlineData("workflows:\n  - id: not-a-uuid\n    name: w\n    definition: x\n", "workflows[1] ('w')", "not a UUID")]
    [InlineData("workflow:\n  - name: typo\n", "seed file", "unknown field 'workflow'")]
    public void A_bad_seed_refuses_the_start_naming_the_entry(string text, string names, string says)
    {
        var path = Write("bad-seed.yaml", text);

        var failure = Assert.Throws<ArgumentException>(() => LocalServerApp.Build(["--urls", "http://127.0.0.1:0", "--in-memory", "--seed", path]));

        Assert.Contains(names, failure.Message);
        Assert.Contains(says, failure.Message);
    }
}
