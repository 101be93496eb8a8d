using System.Text;
using CompassPS.Client;
using Microsoft.AspNetCore.Http;
using Xunit;

namespace CompassPS.Tests;

/// <summary>
/// Property tests with a fixed seed (so a failure reproduces): any framing of a valid event stream yields exactly
/// its events; any mutation of a valid JSON answer yields a run or an InvalidResponse, never another exception.
/// </summary>
public sealed class FuzzTests
{
    [Fact]
    public async Task Any_framing_of_a_valid_stream_yields_exactly_its_events()
    {
        var random = new Random(20261130);
        await using var server = await ScriptedServer.StartAsync();
        byte[] current = Array.Empty<byte>();
        int[] cuts = Array.Empty<int>();
        server.Handle(async c =>
        {
            c.Response.ContentType = "text/event-stream";
            var position = 0;
            foreach (var cut in cuts.Append(current.Length))
            {
                await c.Response.Body.WriteAsync(current.AsMemory(position, cut - position));
                await c.Response.Body.FlushAsync();
                position = cut;
            }
        });
        var client = TestData.Client(server);

        for (var iteration = 0; iteration < 40; iteration++)
        {
            var count = random.Next(1, 30);
            var texts = Enumerable.Range(1, count).Select(i => RandomText(random)).ToList();
            var builder = new StringBuilder();
            // One line ending per stream: mixing "\r" and "\n" would write "\r\n", which SSE reads as one line end.
            var newline = random.Next(3) switch { 0 => "\n", 1 => "\r\n", _ => "\r" };
            string Newline() => newline;
            for (var seq = 1; seq <= count + 1; seq++)
            {
                if (random.Next(3) == 0) builder.Append(": keepalive").Append(Newline());
                if (random.Next(4) == 0) builder.Append("retry: ").Append(random.Next(1, 5000)).Append(Newline());
                var terminal = seq == count + 1;
                var type = terminal ? "run.completed" : "output.delta";
                var text = terminal ? "" : ",\"text\":" + System.Text.Json.JsonSerializer.Serialize(texts[seq - 1]);
                builder.Append("id: ").Append(seq).Append(Newline());
                builder.Append("event: ").Append(type).Append(Newline());
                builder.Append("data: {\"type\":\"").Append(type).Append("\",\"run_id\":\"r1\",\"seq\":").Append(seq).Append(text).Append('}').Append(Newline());
                builder.Append(Newline());
            }
            current = Encoding.UTF8.GetBytes(builder.ToString());
            cuts = Enumerable.Range(0, random.Next(0, 12)).Select(_ => random.Next(1, current.Length)).Distinct().OrderBy(x => x).ToArray();

            var events = new List<RunEvent>();
            await foreach (var e in client.StreamRunEventsAsync("r1", 0, default)) events.Add(e);

            Assert.Equal(Enumerable.Range(1, count + 1).Select(i => (long)i), events.Select(e => e.Seq));
            Assert.Equal(texts, events.Take(count).Select(e => e.Text));
            Assert.Equal("run.completed", events[^1].Type);
        }
    }

    [Fact]
    public async Task Any_mutation_of_a_valid_answer_gives_a_run_or_an_invalid_response()
    {
        var random = new Random(424242);
        var original = Encoding.UTF8.GetBytes(TestData.RunJson("r1", "completed", extra: ",\"nested\":{\"a\":[1,2,{\"b\":null}]}"));
        await using var server = await ScriptedServer.StartAsync();
        byte[] current = original;
        server.Handle(c => { c.Response.ContentType = "application/json"; return c.Response.Body.WriteAsync(current).AsTask(); });
        var client = TestData.Client(server, o => o.MaxRetries = 0);
        var valid = 0;
        var invalid = 0;

        for (var iteration = 0; iteration < 300; iteration++)
        {
            current = Mutate(original, random);
            try
            {
                var run = await client.GetRunAsync("r1", default);
                Assert.False(string.IsNullOrEmpty(run.Id));
                valid++;
            }
            catch (CompassApiException ex)
            {
                Assert.Equal(CompassErrorKind.InvalidResponse, ex.Kind);
                invalid++;
            }
        }
        Assert.True(invalid > 100, $"{invalid} invalid of 300: the mutations should break most answers");
        Assert.True(valid + invalid == 300);
    }

    private const string JsonPunctuation = "{}[]\",:0a-\\ ";

    private static byte[] Mutate(byte[] source, Random random)
    {
        var bytes = source.ToList();
        var edits = random.Next(1, 4);
        for (var i = 0; i < edits && bytes.Count > 0; i++)
        {
            var at = random.Next(bytes.Count);
            switch (random.Next(5))
            {
                case 0: bytes.RemoveRange(at, bytes.Count - at); break;            // truncate
                case 1: bytes.RemoveAt(at); break;                                  // drop a byte
                case 2: bytes.Insert(at, (byte)random.Next(256)); break;           // insert any byte
                case 3: bytes[at] = (byte)JsonPunctuation[random.Next(JsonPunctuation.Length)]; break;
                default: bytes[at] = (byte)random.Next(256); break;                // flip
            }
        }
        return bytes.ToArray();
    }

    private static string RandomText(Random random)
    {
        const string alphabet = "abc xyz ÄÖü 中文 \"quoted\" \\ back:colon data: id: \t";
        var length = random.Next(0, 20);
        return new string(Enumerable.Range(0, length).Select(_ => alphabet[random.Next(alphabet.Length)]).ToArray());
    }
}
