using System.Net;

namespace CompassPS.LocalServer.Tests;

/// <summary>--data keeps everything in SQLite: objects and events survive a restart, in-flight runs fail with a reason.</summary>
public sealed class RestartTests : IDisposable
{
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "compass-local-tests-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dataDirectory)) Directory.Delete(_dataDirectory, recursive: true);
    }

    [Fact]
    public async Task Objects_and_events_survive_a_restart_and_seeds_are_not_added_twice()
    {
        string runId, workflowId;
        List<string?> eventsBefore;
        await using (var first = await TestServer.StartAsync("--data", _dataDirectory, "--delay-scale", "0"))
        {
            var client = first.Client();
            runId = (string)(await client.StartDemoRunAsync("persisted"))["id"]!;
            await client.WaitForRunAsync(runId);
            var (_, created) = await client.PostJsonAsync("v1/workflows/", new { name = "kept", definition = "name: kept\nnodes: []\n" });
            workflowId = (string)created!["id"]!;
            eventsBefore = (await SseReader.ReadAllAsync(client, $"v1/streams/{runId}")).Frames.Events().Select(e => e.Data).ToList();
        }

        await using var second = await TestServer.StartAsync("--data", _dataDirectory, "--delay-scale", "0");
        var again = second.Client();
        var run = await again.WaitForRunAsync(runId);
        Assert.Equal("completed", (string?)run["status"]);
        Assert.NotNull(run["output"]);
        var (_, workflows) = await again.GetJsonAsync("v1/workflows/");
        Assert.Equal(3, (int)workflows!["total"]!);
        Assert.Contains(workflows["items"]!.AsArray(), w => (string?)w!["id"] == workflowId);
        var (_, deployments) = await again.GetJsonAsync("v1/deployments/");
        Assert.Equal(2, (int)deployments!["total"]!);

        var eventsAfter = (await SseReader.ReadAllAsync(again, $"v1/streams/{runId}")).Frames.Events().Select(e => e.Data).ToList();
        Assert.Equal(eventsBefore, eventsAfter);
        var (_, tree) = await again.GetJsonAsync($"v1/runs/{runId}/tree");
        Assert.NotEmpty(tree!["children"]!.AsArray());

        // New runs after the restart continue normally.
        var newRun = await again.StartDemoRunAsync("after restart");
        Assert.Equal("completed", (string?)(await again.WaitForRunAsync((string)newRun["id"]!))["status"]);
    }

    [Fact]
    public async Task A_run_in_flight_when_the_server_stopped_is_failed_with_a_reason_at_the_next_start()
    {
        string runId;
        await using (var first = await TestServer.StartAsync("--data", _dataDirectory, "--delay-scale", "50"))
        {
            var client = first.Client();
            runId = (string)(await client.StartDemoRunAsync("interrupted"))["id"]!;
            await client.WaitForRunAsync(runId, untilStatuses: "running");
        }

        await using var second = await TestServer.StartAsync("--data", _dataDirectory, "--delay-scale", "0");
        var again = second.Client();
        var (response, run) = await again.GetJsonAsync($"v1/runs/{runId}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("failed", (string?)run!["status"]);
        Assert.Contains("stopped", (string?)run["error"]);
        Assert.NotNull(run["completed_at"]);

        var events = (await SseReader.ReadAllAsync(again, $"v1/streams/{runId}")).Frames.Events();
        Assert.Equal("run.started", events[0].Event);
        Assert.Equal("run.failed", events[^1].Event);
        Assert.Equal(Enumerable.Range(1, events.Count).Select(i => i.ToString()), events.Select(e => e.Id));
    }

    [Fact]
    public async Task A_pending_approval_of_an_interrupted_run_is_closed_at_the_next_start()
    {
        string runId, approvalId;
        await using (var first = await TestServer.StartAsync("--data", _dataDirectory, "--delay-scale", "0"))
        {
            var client = first.Client();
            var (_, workflow) = await client.PostJsonAsync("v1/workflows/", new { name = "waits", definition = Definitions.ResearchWithApproval });
            var (_, run) = await client.PostJsonAsync("v1/runs/", new { workflow_id = workflow!["id"], input_data = new { topic = "later" } });
            runId = (string)run!["id"]!;
            await client.WaitForRunAsync(runId, untilStatuses: "awaiting_approval");
            var (_, approvals) = await client.GetJsonAsync($"v1/approvals/?run_id={runId}");
            approvalId = (string)approvals!["items"]![0]!["id"]!;
        }

        await using var second = await TestServer.StartAsync("--data", _dataDirectory, "--delay-scale", "0");
        var again = second.Client();
        var (_, failed) = await again.GetJsonAsync($"v1/runs/{runId}");
        Assert.Equal("failed", (string?)failed!["status"]);
        Assert.Contains("awaiting_approval", (string?)failed["error"]);
        var (_, approval) = await again.GetJsonAsync($"v1/approvals/{approvalId}");
        Assert.Equal("rejected", (string?)approval!["status"]);
        var (late, lateBody) = await again.PostJsonAsync($"v1/approvals/{approvalId}/approve");
        Http.AssertError(late, lateBody, 409, "APPROVAL_NOT_PENDING");
    }

    [Fact]
    public async Task Credentials_are_encrypted_at_rest()
    {
        const string secret = "sk-this-must-never-be-stored-in-clear";
        await using (var server = await TestServer.StartAsync("--data", _dataDirectory, "--delay-scale", "0"))
        {
            var (response, created) = await server.Client(TestServer.AdminKey).PostJsonAsync("v1/connections/",
                new { name = "vault", kind = "integration", type = "http", configuration = new { base_url = "http://127.0.0.1:9" }, credentials = new { api_key = secret } });
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            Assert.True((bool)created!["has_credentials"]!);
        }
        foreach (var file in Directory.GetFiles(_dataDirectory))
        {
            var bytes = await File.ReadAllBytesAsync(file);
            Assert.DoesNotContain(secret, System.Text.Encoding.UTF8.GetString(bytes));
        }
    }
}
