using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;

namespace CompassPS.LocalServer.Tests;

/// <summary>
/// Every acknowledged write is on disk before it is acknowledged: the real server process, with --data, is killed
/// (SIGKILL, no shutdown of any kind) straight after an answer, restarted on the same folder, and must still have
/// everything it acknowledged: created workflows and runs, deletions, and runs whose terminal event a client saw.
/// </summary>
public sealed partial class DurabilityTests : IDisposable
{
    private const int Rounds = 20;
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "compass-local-durability-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dataDirectory)) Directory.Delete(_dataDirectory, recursive: true);
    }

    [Fact]
    public async Task Nothing_acknowledged_is_lost_when_the_server_is_killed_straight_after_answering()
    {
        var workflows = new List<string>();
        var runs = new List<string>();
        var deleted = new List<string>();
        var completed = new List<string>();
        for (var round = 0; round <= Rounds; round++)
        {
            using var server = await ServerProcess.StartAsync(_dataDirectory);
            var client = server.Client;

            // Two reads per round (the lists hold every object the test made): the rounds stay short.
            var (_, listedWorkflows) = await client.GetJsonAsync("v1/workflows/?limit=200");
            var (_, listedRuns) = await client.GetJsonAsync("v1/runs/?limit=200");
            var workflowIds = listedWorkflows!["items"]!.AsArray().Select(w => (string)w!["id"]!).ToHashSet();
            var runStatuses = listedRuns!["items"]!.AsArray().ToDictionary(r => (string)r!["id"]!, r => (string?)r!["status"]);
            foreach (var id in workflows) Assert.True(workflowIds.Contains(id), $"round {round}: workflow {id} was lost");
            foreach (var id in runs) Assert.True(runStatuses.ContainsKey(id), $"round {round}: run {id} was lost");
            foreach (var id in deleted) Assert.False(workflowIds.Contains(id), $"round {round}: deleted workflow {id} is back");
            foreach (var id in completed)
                Assert.True(runStatuses[id] == "completed", $"round {round}: run {id} ended run.completed on its stream, and is now {runStatuses[id]}");
            if (round == Rounds) break;

            if (workflows.Count > 0)
            {
                var (gone, _) = await client.SendAsync(HttpMethod.Delete, $"v1/workflows/{workflows[0]}");
                Assert.Equal(HttpStatusCode.NoContent, gone.StatusCode);
                deleted.Add(workflows[0]);
                workflows.RemoveAt(0);
            }

            if (round % 2 == 1)
            {
                // Killed straight after the stream delivered the event that ends the run.
                var runId = await CreateRunAsync(client, round, runs);
                var (_, frames) = await SseReader.ReadAllAsync(client, $"v1/streams/{runId}", stopAfter: frame => frame.Event == "run.completed");
                Assert.Equal("run.completed", frames.Events()[^1].Event);
                server.Kill();
                completed.Add(runId);
                continue;
            }

            // Killed straight after the last of a few concurrent 201s.
            await Task.WhenAll(
                CreateWorkflowAsync(client, round, 0, workflows),
                CreateWorkflowAsync(client, round, 1, workflows),
                CreateRunAsync(client, round, runs),
                CreateRunAsync(client, round, runs));
            server.Kill();
        }
    }

    private static async Task CreateWorkflowAsync(HttpClient client, int round, int index, List<string> acknowledged)
    {
        var (response, body) = await client.PostJsonAsync("v1/workflows/", new { name = $"round-{round}-{index}", definition = Definitions.MissingInput });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        lock (acknowledged) acknowledged.Add((string)body!["id"]!);
    }

    private static async Task<string> CreateRunAsync(HttpClient client, int round, List<string> acknowledged)
    {
        var (response, body) = await client.PostJsonAsync("v1/runs/", new { deployment_id = TestServer.DemoDeploymentId, input_data = new { topic = $"round {round}" } });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var id = (string)body!["id"]!;
        lock (acknowledged) acknowledged.Add(id);
        return id;
    }

    /// <summary>The published server (compass-local.dll, copied next to the tests) as a child process of the test.</summary>
    private sealed class ServerProcess : IDisposable
    {
        private readonly Process _process;

        private ServerProcess(Process process, Uri baseUrl)
        {
            _process = process;
            Client = new HttpClient { BaseAddress = baseUrl, Timeout = TimeSpan.FromSeconds(60) };
            Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TestServer.ProjectKey);
        }

        public HttpClient Client { get; }

        public static async Task<ServerProcess> StartAsync(string dataDirectory)
        {
            var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var argument in new[] { Path.Combine(AppContext.BaseDirectory, "compass-local.dll"), "--urls", "http://127.0.0.1:0",
                "--data", dataDirectory, "--delay-scale", "0" })
                start.ArgumentList.Add(argument);
            var process = Process.Start(start)!;
            var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
            process.OutputDataReceived += (_, line) =>
            {
                if (line.Data is not null && ListeningLine().Match(line.Data) is { Success: true } match) listening.TrySetResult(new Uri(match.Groups[1].Value.TrimEnd('/') + "/"));
            };
            process.ErrorDataReceived += (_, _) => { };
            process.Exited += (_, _) => listening.TrySetException(new InvalidOperationException($"the server exited with {process.ExitCode} before listening"));
            process.EnableRaisingEvents = true;
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            try
            {
                return new ServerProcess(process, await listening.Task.WaitAsync(TimeSpan.FromSeconds(60)));
            }
            catch
            {
                if (!process.HasExited) process.Kill();
                process.Dispose();
                throw;
            }
        }

        /// <summary>SIGKILL on Linux and macOS, TerminateProcess on Windows: the server gets no chance to write anything.</summary>
        public void Kill()
        {
            _process.Kill();
            _process.WaitForExit();
        }

        public void Dispose()
        {
            if (!_process.HasExited) Kill();
            Client.Dispose();
            _process.Dispose();
        }
    }

    [GeneratedRegex(@"Now listening on: (http://\S+)")]
    private static partial Regex ListeningLine();
}
