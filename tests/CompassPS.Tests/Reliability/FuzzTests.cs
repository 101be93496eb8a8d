using System.Text;
using System.Text.Json;
using CompassPS.Client;
using Microsoft.AspNetCore.Http;
using Xunit;

namespace CompassPS.Tests.Reliability;

/// <summary>
/// Property tests with fixed seeds: the same inputs every run, many shapes per run, each case bounded in time.
/// SSE: however a run's events are framed (chunk boundaries anywhere, even inside a UTF-8 character; CR, LF or
/// CRLF line ends; comments, keepalives, unknown fields and blank lines between events; data split over several
/// lines; connections cut or reset anywhere, even mid-event), the decoded sequence is exactly the intended one.
/// JSON: a mutated answer gives a value or a CompassApiException of kind InvalidResponse, never any other exception.
/// </summary>
public sealed class FuzzTests
{
    private const int StreamCases = 40;
    private const int JsonMutations = 400;

    private sealed record Intended(long Seq, string Type, string? Text);

    private static readonly string[] Words = { "alpha", "é", "日本語", "🙂", "x y", "quote\\\"d", "tab\\t", "", "0", "naïve", "ß", "end." };

    private static List<Intended> RunOf(Random random, int count)
    {
        var events = new List<Intended> { new(1, "run.started", null) };
        for (var seq = 2; seq < count; seq++)
        {
            events.Add(random.Next(4) == 0
                ? new Intended(seq, random.Next(2) == 0 ? "node.started" : "tool_call.completed", null)
                : new Intended(seq, "output.delta", Words[random.Next(Words.Length)] + Words[random.Next(Words.Length)]));
        }
        events.Add(new Intended(count, "run.completed", null));
        return events;
    }

    private static string Json(string runId, Intended e) =>
        $"{{\"type\":\"{e.Type}\",\"run_id\":\"{runId}\",\"seq\":{e.Seq},\"ts\":\"2026-01-01T00:00:00Z\"" +
        (e.Text is null ? "" : $",\"node_id\":\"agent\",\"text\":\"{e.Text}\"") + "}";

    /// <summary>One event framed at random: line ends, field order, noise lines, data split over several lines.</summary>
    private static string Frame(Random random, string runId, Intended e)
    {
        var newline = new[] { "\n", "\r\n", "\r" }[random.Next(3)];
        var lines = new List<string>();
        void Noise()
        {
            switch (random.Next(8))
            {
                case 0: lines.Add(": keepalive"); break;
                case 1: lines.Add(":"); break;
                case 2: lines.Add("x-unknown-field: " + random.Next()); break;
                case 3: lines.Add("garbage without a colon"); break;
                case 4: lines.Add("retry: not-a-number"); break;
            }
        }
        Noise();
        var fields = new List<string> { $"id: {e.Seq}", random.Next(2) == 0 ? $"event: {e.Type}" : $"event:{e.Type}" };
        if (random.Next(2) == 0) fields.Reverse();
        lines.AddRange(fields);
        Noise();
        // Split the JSON between members: SSE joins data lines with a line feed, which is JSON whitespace.
        var json = Json(runId, e);
        var parts = json.Split(",\"");
        var data = new StringBuilder("data: ").Append(parts[0]);
        foreach (var part in parts.Skip(1))
        {
            if (random.Next(3) == 0)
            {
                lines.Add(data.Append(',').ToString());
                data.Clear().Append(random.Next(2) == 0 ? "data:" : "data: ").Append('"').Append(part);
            }
            else data.Append(",\"").Append(part);
        }
        lines.Add(data.ToString());
        Noise();
        var text = string.Join(newline, lines) + newline + newline;
        if (random.Next(4) == 0) text += ": keepalive" + newline + newline;
        if (random.Next(6) == 0) text += newline; // an empty line dispatches nothing
        return text;
    }

    [Fact]
    public async Task Random_framing_chunking_and_cuts_never_change_the_decoded_event_sequence()
    {
        await using var server = await ScriptedServer.StartAsync();
        var runs = new Dictionary<string, List<Intended>>();
        var master = new Random(20261130);
        for (var i = 0; i < StreamCases; i++) runs[$"fuzz-{i}"] = RunOf(new Random(master.Next()), 3 + master.Next(40));

        var attempts = new Dictionary<(string, long), int>();
        server.Handle(async c =>
        {
            var runId = c.Request.Path.Value!.Split('/').Last();
            var events = runs[runId];
            if (c.Request.Path.StartsWithSegments("/v1/runs")) { await ScriptedServer.Json(c, TestData.RunJson(runId, "running")); return; }
            var last = long.TryParse(c.Request.Headers["Last-Event-ID"].ToString(), out var l) ? l : 0;
            // Deterministic: the client reads one stream at a time, so run, resume point and attempt fix the bytes.
            int attempt;
            lock (attempts) attempts[(runId, last)] = attempt = attempts.GetValueOrDefault((runId, last)) + 1;
            var random = new Random(int.Parse(runId["fuzz-".Length..]) * 100_003 + (int)last * 1_009 + attempt);
            var frames = events.Where(e => e.Seq > last).Select(e => Encoding.UTF8.GetBytes(Frame(random, runId, e))).ToList();
            var bytes = frames.SelectMany(f => f).ToArray();
            // Cut about one connection in three after its first event, anywhere: mid-event, mid-line, mid-character.
            var cutAt = frames.Count > 1 && random.Next(3) == 0 ? frames[0].Length + random.Next(bytes.Length - frames[0].Length) : bytes.Length;
            var reset = random.Next(2) == 0;
            c.Response.ContentType = "text/event-stream";
            var offset = 0;
            while (offset < cutAt)
            {
                var size = Math.Min(cutAt - offset, 1 + random.Next(48));
                await c.Response.Body.WriteAsync(bytes.AsMemory(offset, size));
                await c.Response.Body.FlushAsync();
                offset += size;
            }
            if (cutAt < bytes.Length && reset)
            {
                await Task.Delay(30);
                c.Abort();
            }
        });

        var client = TestData.Client(server, o => { o.MaxRetries = 10; o.RetryBaseDelaySec = 0.001; o.RetryMaxDelaySec = 0.005; });
        foreach (var (runId, intended) in runs)
        {
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            var decoded = new List<Intended>();
            await foreach (var e in client.StreamRunEventsAsync(runId, 0, limit.Token)) decoded.Add(new Intended(e.Seq, e.Type, e.Text));
            Assert.Equal(intended.Select(Expected), decoded);
        }
    }

    /// <summary>The intended event as the client must decode it (the JSON escapes undone).</summary>
    private static Intended Expected(Intended e) =>
        e with { Text = e.Text is null ? null : JsonSerializer.Deserialize<string>("\"" + e.Text + "\"") };

    private static readonly string RunJson = TestData.RunJson("r1", "completed", extra:
        ",\"output\":{\"answer\":\"ok\",\"items\":[1,2.5,\"three\",null,true,{\"deep\":[[]]}]},\"labels\":{\"a\":\"b\"}");

    private static readonly string[] Replacements =
    {
        "null", "true", "false", "0", "-1", "1.5", "1e400", "-1e400", "99999999999999999999999", "\"\"", "\"x\"", "[]", "{}",
        "[1,[2,[3]]]", "{\"a\":{}}", "\"2026-13-45T99:99:99Z\"", "\"\\u0000\"", "\"\\ud800\"", "NaN", "Infinity", "01", "+1", ".5",
    };

    /// <summary>Random mutations: structural (a value replaced by any other JSON), and textual (bytes cut, dropped, doubled, swapped).</summary>
    private static string Mutate(Random random, string json)
    {
        const string Inserted = "{}[]\",:x0\\ \u00e9";
        if (json.Length < 2) return json + Inserted[random.Next(Inserted.Length)];
        var kind = random.Next(6);
        if (kind < 2 && !json.Contains("\":", StringComparison.Ordinal)) kind = 2;
        switch (kind)
        {
            case 0:
            case 1:
            {
                // Replace the value of a random field with another JSON value (often of the wrong type).
                var fieldStarts = new List<int>();
                for (var i = json.IndexOf("\":", StringComparison.Ordinal); i >= 0; i = json.IndexOf("\":", i + 1, StringComparison.Ordinal)) fieldStarts.Add(i + 2);
                var start = fieldStarts[random.Next(fieldStarts.Count)];
                var end = start;
                var depth = 0;
                var inString = false;
                for (; end < json.Length; end++)
                {
                    var ch = json[end];
                    if (inString) { if (ch == '\\') end++; else if (ch == '"') inString = false; continue; }
                    if (ch == '"') inString = true;
                    else if (ch == '{' || ch == '[') depth++;
                    else if (ch == '}' || ch == ']') { if (depth == 0) break; depth--; }
                    else if (ch == ',' && depth == 0) break;
                }
                return json[..start] + Replacements[random.Next(Replacements.Length)] + json[end..];
            }
            case 2:
                return json[..random.Next(json.Length)]; // truncated
            case 3:
            {
                var at = random.Next(json.Length);
                return json.Remove(at, Math.Min(json.Length - at, 1 + random.Next(5)));
            }
            case 4:
            {
                var at = random.Next(json.Length);
                return json.Insert(at, Inserted[random.Next(Inserted.Length)].ToString());
            }
            default:
            {
                var chars = json.ToCharArray();
                var a = random.Next(chars.Length);
                var b = random.Next(chars.Length);
                (chars[a], chars[b]) = (chars[b], chars[a]);
                return new string(chars);
            }
        }
    }

    [Fact]
    public async Task Mutated_json_answers_give_a_value_or_an_invalid_response_and_nothing_else()
    {
        await using var server = await ScriptedServer.StartAsync();
        var random = new Random(424242);
        var current = "";
        server.Handle(c => ScriptedServer.Json(c, current));
        var client = TestData.Client(server, o => o.MaxRetries = 0);

        var outcomes = new Dictionary<string, int> { ["value"] = 0, ["invalid"] = 0 };
        for (var i = 0; i < JsonMutations; i++)
        {
            var body = Mutate(random, RunJson);
            if (random.Next(3) == 0) body = Mutate(random, body);
            var asList = random.Next(4) == 0;
            current = asList ? $"{{\"items\":[{body}],\"total\":1}}" : body;
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                if (asList)
                {
                    await foreach (var page in client.ListRunsAsync(new RunFilter(), 0, null, limit.Token)) Assert.NotNull(page.Items);
                }
                else
                {
                    Assert.NotNull(await client.GetRunAsync("r1", limit.Token));
                }
                outcomes["value"]++;
            }
            catch (CompassApiException ex) when (ex.Kind == CompassErrorKind.InvalidResponse)
            {
                Assert.Equal(200, (int?)ex.StatusCode);
                Assert.Contains("HTTP 200", ex.Message);
                outcomes["invalid"]++;
            }
            catch (Exception ex)
            {
                throw new Xunit.Sdk.XunitException($"Mutation {i} ({current}) threw {ex.GetType().Name}: {ex.Message}");
            }
        }
        // Both outcomes must really occur, or the mutations test nothing.
        Assert.True(outcomes["value"] > JsonMutations / 10, $"values: {outcomes["value"]}");
        Assert.True(outcomes["invalid"] > JsonMutations / 10, $"invalid: {outcomes["invalid"]}");
    }

    [Fact]
    public async Task Mutated_event_data_gives_events_or_an_invalid_response_and_nothing_else()
    {
        await using var server = await ScriptedServer.StartAsync();
        var random = new Random(77);
        var current = "";
        server.Handle(async c =>
        {
            if (c.Request.Path.StartsWithSegments("/v1/runs")) { await ScriptedServer.Json(c, TestData.RunJson("r1", "completed")); return; }
            c.Response.ContentType = "text/event-stream";
            await c.Response.WriteAsync(current);
        });
        var client = TestData.Client(server, o => { o.MaxRetries = 0; o.RetryMaxDelaySec = 0; });
        var started = "{\"type\":\"run.started\",\"run_id\":\"r1\",\"seq\":1,\"ts\":\"2026-01-01T00:00:00Z\",\"node_id\":\"n\",\"args\":{\"q\":[1,2]},\"duration_ms\":5}";
        var completed = "id: 2\nevent: run.completed\ndata: {\"type\":\"run.completed\",\"run_id\":\"r1\",\"seq\":2}\n\n";
        for (var i = 0; i < JsonMutations / 2; i++)
        {
            // Line breaks would change the framing, not the JSON: keep the mutation on one data line.
            var data = Mutate(random, started).Replace('\n', ' ').Replace('\r', ' ');
            current = $"id: 1\nevent: run.started\ndata: {data}\n\n" + completed;
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                var count = 0;
                await foreach (var e in client.StreamRunEventsAsync("r1", 0, limit.Token)) count++;
                Assert.InRange(count, 1, 2);
            }
            catch (CompassApiException ex) when (ex.Kind == CompassErrorKind.InvalidResponse)
            {
                Assert.Contains("HTTP 200", ex.Message);
            }
            catch (Exception ex)
            {
                throw new Xunit.Sdk.XunitException($"Mutation {i} ({data}) threw {ex.GetType().Name}: {ex.Message}");
            }
        }
    }
}
