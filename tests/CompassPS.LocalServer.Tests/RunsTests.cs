using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;

namespace CompassPS.LocalServer.Tests;

[Collection(SharedServerCollection.Name)]
public sealed class RunsTests(SharedServer shared)
{
    private TestServer Server => shared.Server;

    [Fact]
    public async Task A_deployment_run_is_created_pending_and_completes_with_output_tokens_and_times()
    {
        var client = Server.Client();
        var created = await client.StartDemoRunAsync("Q3 report");
        Assert.Contains((string?)created["status"], new[] { "pending", "running" });
        Assert.Equal(TestServer.DemoWorkflowId, (string?)created["workflow_id"]);
        Assert.Equal(TestServer.DemoDeploymentId, (string?)created["deployment_id"]);
        Assert.Equal(1, (int?)created["version"]);
        Assert.Equal("manual", (string?)created["trigger"]);
        Assert.Equal("Q3 report", (string?)created["input_data"]!["topic"]);
        foreach (var field in new[] { "output", "error", "duration_ms", "completed_at", "conversation_id" })
            Assert.True(created.ContainsKey(field), $"missing {field}");

        var run = await client.WaitForRunAsync((string)created["id"]!);
        Assert.Equal("completed", (string?)run["status"]);
        Assert.NotNull(run["output"]);
        Assert.Null(run["error"]);
        Assert.True((int)run["total_tokens"]! > 0);
        Assert.True((long)run["duration_ms"]! >= 0);
        Assert.True((int)run["step_count"]! > 0);
        var createdAt = ParseUtc(run["created_at"]);
        var startedAt = ParseUtc(run["started_at"]);
        var completedAt = ParseUtc(run["completed_at"]);
        Assert.True(createdAt <= startedAt && startedAt <= completedAt);
    }

    [Fact]
    public async Task A_JSON_answer_declares_its_length_rather_than_being_chunked()
    {
        // Compass's own JSON answers carry Content-Length; clients (CompassPS among them) read such a body straight
        // into place, so the local server must not send chunked bodies where Compass would not.
        var client = Server.Client();
        var created = await client.StartDemoRunAsync("length");
        foreach (var path in new[] { $"v1/runs/{created["id"]}", "v1/runs/?limit=5", "v1/runs/no-such-run" })
        {
            using var response = await client.GetAsync(path);
            var body = await response.Content.ReadAsByteArrayAsync();
            Assert.NotEqual(true, response.Headers.TransferEncodingChunked);
            Assert.Equal(body.Length, response.Content.Headers.ContentLength);
        }
    }

    [Fact]
    public async Task A_workflow_run_runs_the_draft_as_a_test_run()
    {
        var client = Server.Client();
        var (response, created) = await client.PostJsonAsync("v1/runs", new { workflow_id = TestServer.DemoWorkflowId, input_data = new { topic = "drafts" } });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("test", (string?)created!["trigger"]);
        Assert.Null(created["version"]);
        Assert.Null(created["deployment_id"]);
        Assert.EndsWith($"/v1/runs/{created["id"]}", response.Headers.Location!.ToString());
        var run = await client.WaitForRunAsync((string)created["id"]!);
        Assert.Equal("completed", (string?)run["status"]);
    }

    [Fact]
    public async Task A_missing_required_input_fails_the_run_with_a_clear_error()
    {
        var client = Server.Client();
        var (_, created) = await client.PostJsonAsync("v1/runs/", new { deployment_id = TestServer.DemoDeploymentId, input_data = new { } });
        var run = await client.WaitForRunAsync((string)created!["id"]!);
        Assert.Equal("failed", (string?)run["status"]);
        Assert.Contains("topic", (string?)run["error"]);
        Assert.Null(run["output"]);
    }

    [Theory]
    [InlineData("{\"input_data\":{\"topic\":\"x\"}}", "deployment_id")]
    [InlineData("{\"deployment_id\":\"33333333-3333-4333-8333-333333333333\",\"workflow_id\":\"22222222-2222-4222-8222-222222222222\"}", "workflow_id")]
    [InlineData("{\"deployment_id\":42}", "deployment_id")]
    [InlineData("{\"deployment_id\":\"33333333-3333-4333-8333-333333333333\",\"input_data\":[1,2]}", "input_data")]
    public async Task Bad_dispatch_bodies_are_422_with_a_list_of_field_problems(string json, string field)
    {
        var (response, body) = await Server.Client().SendAsync(HttpMethod.Post, "v1/runs/", json);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal("VALIDATION_ERROR", (string?)body!["code"]);
        var problems = body["detail"]!.AsArray();
        Assert.Contains(problems, p => p!["loc"]!.AsArray().Select(l => (string?)l).SequenceEqual(new[] { "body", field }));
        Assert.All(problems, p => Assert.False(string.IsNullOrEmpty((string?)p!["msg"])));
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[1]")]
    [InlineData("")]
    public async Task A_body_that_is_not_a_json_object_is_422(string json)
    {
        var (response, body) = await Server.Client().SendAsync(HttpMethod.Post, "v1/runs/", json);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal("body", (string?)body!["detail"]![0]!["loc"]![0]);
    }

    [Fact]
    public async Task Unknown_ids_are_404()
    {
        var client = Server.Client();
        var unknown = Guid.NewGuid().ToString();
        var (d, db) = await client.PostJsonAsync("v1/runs/", new { deployment_id = unknown, input_data = new { topic = "x" } });
        Http.AssertError(d, db, 404, "DEPLOYMENT_NOT_FOUND");
        var (w, wb) = await client.PostJsonAsync("v1/runs/", new { workflow_id = unknown, input_data = new { topic = "x" } });
        Http.AssertError(w, wb, 404, "WORKFLOW_NOT_FOUND");
        var (c, cb) = await client.PostJsonAsync("v1/runs/", new { deployment_id = TestServer.DemoDeploymentId, conversation_id = unknown, input_data = new { topic = "x" } });
        Http.AssertError(c, cb, 404, "CONVERSATION_NOT_FOUND");
        var (r, rb) = await client.GetJsonAsync($"v1/runs/{unknown}");
        Http.AssertError(r, rb, 404, "RUN_NOT_FOUND");
        var (s, sb) = await client.GetJsonAsync("v1/runs/not-even-a-guid");
        Http.AssertError(s, sb, 404, "RUN_NOT_FOUND");
    }

    [Fact]
    public async Task The_list_is_newest_first_in_an_envelope_and_pages_with_limit_and_offset()
    {
        var client = Server.Client();
        var ids = new List<string>();
        for (var i = 0; i < 3; i++) ids.Add((string)(await client.StartDemoRunAsync($"paging {i}"))["id"]!);

        var (response, page) = await client.GetJsonAsync("v1/runs/?limit=2");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, (int)page!["limit"]!);
        Assert.Equal(0, (int)page["offset"]!);
        Assert.True((int)page["total"]! >= 3);
        var items = page["items"]!.AsArray();
        Assert.Equal(2, items.Count);
        Assert.Equal(ids[2], (string?)items[0]!["id"]);
        Assert.Equal(ids[1], (string?)items[1]!["id"]);

        var (_, next) = await client.GetJsonAsync("v1/runs?limit=2&offset=2");
        Assert.Equal(ids[0], (string?)next!["items"]![0]!["id"]);
        Assert.Equal(2, (int)next["offset"]!);

        var (_, defaults) = await client.GetJsonAsync("v1/runs/");
        Assert.Equal(50, (int)defaults!["limit"]!);
    }

    [Theory]
    [InlineData("limit=0")]
    [InlineData("limit=201")]
    [InlineData("offset=-1")]
    [InlineData("limit=abc")]
    [InlineData("status=sleeping")]
    public async Task Bad_list_parameters_are_422(string query)
    {
        var (response, body) = await Server.Client().GetJsonAsync($"v1/runs/?{query}");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal("query", (string?)body!["detail"]![0]!["loc"]![0]);
    }

    [Fact]
    public async Task The_list_filters_by_workflow_deployment_and_status()
    {
        var client = Server.Client();
        var deploymentRun = await client.StartDemoRunAsync("filters");
        var (_, draftRun) = await client.PostJsonAsync("v1/runs/", new { workflow_id = TestServer.DemoWorkflowId, input_data = new { topic = "filters" } });
        var (_, failing) = await client.PostJsonAsync("v1/runs/", new { deployment_id = TestServer.DemoDeploymentId, input_data = new { } });
        await client.WaitForRunAsync((string)deploymentRun["id"]!);
        await client.WaitForRunAsync((string)draftRun!["id"]!);
        await client.WaitForRunAsync((string)failing!["id"]!);

        var (_, byDeployment) = await client.GetJsonAsync($"v1/runs/?deployment_id={TestServer.DemoDeploymentId}&limit=200");
        Assert.All(byDeployment!["items"]!.AsArray(), r => Assert.Equal(TestServer.DemoDeploymentId, (string?)r!["deployment_id"]));
        Assert.DoesNotContain(byDeployment["items"]!.AsArray(), r => (string?)r!["id"] == (string?)draftRun["id"]);

        var (_, byWorkflow) = await client.GetJsonAsync($"v1/runs/?workflow_id={TestServer.DemoWorkflowId}&limit=200");
        Assert.Contains(byWorkflow!["items"]!.AsArray(), r => (string?)r!["id"] == (string?)draftRun["id"]);
        Assert.All(byWorkflow["items"]!.AsArray(), r => Assert.Equal(TestServer.DemoWorkflowId, (string?)r!["workflow_id"]));

        var (_, failed) = await client.GetJsonAsync("v1/runs/?status=failed&limit=200");
        Assert.Contains(failed!["items"]!.AsArray(), r => (string?)r!["id"] == (string?)failing["id"]);
        Assert.All(failed["items"]!.AsArray(), r => Assert.Equal("failed", (string?)r!["status"]));
    }

    [Fact]
    public async Task Collections_answer_with_and_without_the_trailing_slash_and_never_redirect()
    {
        var client = Server.Client();
        foreach (var path in new[] { "v1/runs", "v1/runs/", "v1/workflows", "v1/workflows/", "v1/deployments", "v1/deployments/" })
        {
            var response = await client.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Null(response.Headers.Location);
        }
        var (created, _) = await client.PostJsonAsync("v1/runs", new { deployment_id = TestServer.DemoDeploymentId, input_data = new { topic = "slash" } });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
    }

    [Fact]
    public async Task The_seeded_workflows_and_deployments_can_be_discovered()
    {
        var client = Server.Client();
        var (_, workflows) = await client.GetJsonAsync("v1/workflows/");
        var research = workflows!["items"]!.AsArray().Single(w => (string?)w!["id"] == TestServer.DemoWorkflowId)!;
        Assert.Equal("demo-research", (string?)research["name"]);
        Assert.Equal(TestServer.DemoDeploymentId, (string?)research["deployment_id"]);
        Assert.False(string.IsNullOrWhiteSpace((string?)research["definition"]));
        Assert.Contains(workflows["items"]!.AsArray(), w => (string?)w!["id"] == TestServer.LookupWorkflowId);

        var (_, deployments) = await client.GetJsonAsync("v1/deployments/");
        var demo = deployments!["items"]!.AsArray().Single(d => (string?)d!["id"] == TestServer.DemoDeploymentId)!;
        Assert.Equal("active", (string?)demo["status"]);
        Assert.Equal(1, (int?)demo["live_version"]);
        Assert.Equal("production", (string?)demo["environment"]);
    }

    [Fact]
    public async Task The_same_idempotency_key_and_body_returns_the_first_run()
    {
        var client = Server.Client();
        var key = Guid.NewGuid().ToString();
        var body = new { deployment_id = TestServer.DemoDeploymentId, input_data = new { topic = "once" } };
        void WithKey(HttpRequestMessage r) => r.Headers.Add("Idempotency-Key", key);

        var (first, firstBody) = await client.SendAsync(HttpMethod.Post, "v1/runs/", body, WithKey);
        var (second, secondBody) = await client.SendAsync(HttpMethod.Post, "v1/runs/", body, WithKey);
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal((string?)firstBody!["id"], (string?)secondBody!["id"]);

        var (conflict, conflictBody) = await client.SendAsync(HttpMethod.Post, "v1/runs/",
            new { deployment_id = TestServer.DemoDeploymentId, input_data = new { topic = "other" } }, WithKey);
        Http.AssertError(conflict, conflictBody, 409, "IDEMPOTENCY_KEY_REUSED");

        // Without a key, the same body makes a new run each time.
        var a = await client.StartDemoRunAsync("twice");
        var b = await client.StartDemoRunAsync("twice");
        Assert.NotEqual((string?)a["id"], (string?)b["id"]);
    }

    [Fact]
    public async Task Idempotency_keys_are_per_project()
    {
        var key = Guid.NewGuid().ToString();
        var (own, _) = await Server.Client().SendAsync(HttpMethod.Post, "v1/runs/",
            new { deployment_id = TestServer.DemoDeploymentId, input_data = new { topic = "k" } }, r => r.Headers.Add("Idempotency-Key", key));
        Assert.Equal(HttpStatusCode.Created, own.StatusCode);
        // The other project reuses the key for its own (unknown here) deployment: its answer is its own 404, not the first run.
        var (other, otherBody) = await Server.Client(TestServer.OtherKey).SendAsync(HttpMethod.Post, "v1/runs/",
            new { deployment_id = TestServer.DemoDeploymentId, input_data = new { topic = "k" } }, r => r.Headers.Add("Idempotency-Key", key));
        Http.AssertError(other, otherBody, 404, "DEPLOYMENT_NOT_FOUND");
    }

    [Fact]
    public async Task A_string_input_is_kept_as_a_chat_message()
    {
        var client = Server.Client();
        var (response, created) = await client.PostJsonAsync("v1/runs/", new { workflow_id = TestServer.DemoWorkflowId, input_data = "hello there" });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("hello there", (string?)created!["input_data"]);
        // The demo takes an object with a topic, so this run fails, and says why.
        var run = await client.WaitForRunAsync((string)created["id"]!);
        Assert.Equal("failed", (string?)run["status"]);
        Assert.False(string.IsNullOrWhiteSpace((string?)run["error"]));
    }

    [Fact]
    public async Task An_overlong_idempotency_key_is_422()
    {
        var (response, body) = await Server.Client().SendAsync(HttpMethod.Post, "v1/runs/",
            new { deployment_id = TestServer.DemoDeploymentId, input_data = new { topic = "x" } },
            r => r.Headers.Add("Idempotency-Key", new string('k', 256)));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal("Idempotency-Key", (string?)body!["detail"]![0]!["loc"]![1]);
    }

    private static DateTimeOffset ParseUtc(JsonNode? node)
    {
        var text = (string)node!;
        Assert.EndsWith("Z", text);
        return DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
    }
}
