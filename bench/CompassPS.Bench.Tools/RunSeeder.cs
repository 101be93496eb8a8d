using System.Text;
using System.Text.Json;

namespace CompassPS.Bench.Tools;

/// <summary>Creates many runs quickly (the setup of a scenario, not a measured candidate).</summary>
public static class RunSeeder
{
    /// <summary>
    /// Dispatches <paramref name="count"/> runs to a deployment with <paramref name="parallelism"/> requests in
    /// flight; <paramref name="inputTemplate"/> is the input_data JSON with {0} replaced by the row number.
    /// Returns the run ids in row order.
    /// </summary>
    public static string[] CreateRuns(HttpClient client, string deploymentId, int count, int parallelism, string inputTemplate) =>
        CreateRunsAsync(client, deploymentId, count, parallelism, inputTemplate).GetAwaiter().GetResult();

    // Asynchronous with a fixed number in flight: blocking thread-pool threads instead would starve the pool on two
    // cores and make this "limit" slower than the clients it is compared with.
    private static async Task<string[]> CreateRunsAsync(HttpClient client, string deploymentId, int count, int parallelism, string inputTemplate)
    {
        var ids = new string[count];
        var next = -1;
        var deployment = JsonSerializer.Serialize(deploymentId);
        async Task Worker()
        {
            int row;
            while ((row = Interlocked.Increment(ref next)) < count)
            {
                var body = $"{{\"deployment_id\":{deployment},\"input_data\":{inputTemplate.Replace("{0}", row.ToString(System.Globalization.CultureInfo.InvariantCulture))}}}";
                using var content = new StringContent(body, Encoding.UTF8, "application/json");
                using var response = await client.PostAsync("v1/runs/", content).ConfigureAwait(false);
                var text = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
                if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"Seeding runs failed at row {row}: HTTP {(int)response.StatusCode} {text}");
                using var json = JsonDocument.Parse(text);
                ids[row] = json.RootElement.GetProperty("id").GetString()!;
            }
        }
        await Task.WhenAll(Enumerable.Range(0, parallelism).Select(_ => Worker())).ConfigureAwait(false);
        return ids;
    }

    /// <summary>Creates one run whose input is a single (possibly huge) JSON text; returns its id.</summary>
    public static string CreateRun(HttpClient client, string deploymentId, string inputJson)
    {
        var body = $"{{\"deployment_id\":{JsonSerializer.Serialize(deploymentId)},\"input_data\":{inputJson}}}";
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = client.PostAsync("v1/runs/", content).GetAwaiter().GetResult();
        var text = response.Content.ReadAsStringAsync().GetAwaiter().GetResult();
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"Creating a run failed: HTTP {(int)response.StatusCode} {text}");
        using var json = JsonDocument.Parse(text);
        return json.RootElement.GetProperty("id").GetString()!;
    }

    /// <summary>A JSON string of <paramref name="words"/> short words: the local model answers one event per word.</summary>
    public static string WordsJson(int words)
    {
        var text = new StringBuilder(words * 3 + 2).Append('"');
        for (var i = 0; i < words; i++)
        {
            if (i > 0) text.Append(' ');
            text.Append((char)('a' + i % 26));
        }
        return text.Append('"').ToString();
    }

    /// <summary>Polls the run list until nothing is pending or running, so one scenario's runs do not slow the next.</summary>
    public static void WaitUntilIdle(HttpClient client, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (Count(client, "pending") + Count(client, "running") == 0) return;
            Thread.Sleep(100);
        }
        throw new TimeoutException($"The server still had runs in flight after {timeout.TotalSeconds:N0} s.");
    }

    private static long Count(HttpClient client, string status)
    {
        var text = client.GetStringAsync($"v1/runs/?status={status}&limit=1").GetAwaiter().GetResult();
        using var json = JsonDocument.Parse(text);
        return json.RootElement.GetProperty("total").GetInt64();
    }

    /// <summary>Fetches one run's JSON (for the waiting scenario's completion times).</summary>
    public static JsonElement GetRun(HttpClient client, string id)
    {
        var text = client.GetStringAsync($"v1/runs/{Uri.EscapeDataString(id)}").GetAwaiter().GetResult();
        using var json = JsonDocument.Parse(text);
        return json.RootElement.Clone();
    }
}
