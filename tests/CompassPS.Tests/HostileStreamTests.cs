using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text;
using CompassPS.Client;
using CompassPS.Tests.Reliability;
using Microsoft.AspNetCore.Http;
using Xunit;

namespace CompassPS.Tests;

/// <summary>
/// A server that decides how much the module holds: lines and events without end, served lazily (the test server
/// never builds them in memory, it writes one small chunk again and again until the client hangs up). Each case
/// must end with one InvalidResponse and keep the process's managed memory within a small multiple of
/// MaxResponseBytes. Serial: the memory is measured for the whole process.
/// </summary>
[Collection(SerialReliabilityCollection.Name)]
public sealed class HostileStreamTests
{
    private readonly Xunit.Abstractions.ITestOutputHelper _output;

    public HostileStreamTests(Xunit.Abstractions.ITestOutputHelper output) => _output = output;

    private const string RunId = "run-1";
    private const long Limit = 1L << 20; // MaxResponseBytes in these tests: 1 MiB
    private const long Offered = 4L << 30; // what the server is ready to send: 4 GiB

    /// <summary>Writes <paramref name="prefix"/>, then <paramref name="repeat"/> until <see cref="Offered"/> bytes or the client leaves.</summary>
    private static async Task Endless(HttpContext c, string prefix, string repeat, StrongBox<long> written)
    {
        c.Response.StatusCode = 200;
        c.Response.ContentType = "text/event-stream";
        var chunk = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat(repeat, Math.Max(1, 64 * 1024 / repeat.Length))));
        try
        {
            await c.Response.WriteAsync(prefix, c.RequestAborted);
            while (written.Value < Offered)
            {
                await c.Response.Body.WriteAsync(chunk, c.RequestAborted);
                written.Value += chunk.Length;
            }
        }
        catch (Exception) when (c.RequestAborted.IsCancellationRequested)
        {
            // The client hung up: what this test wants.
        }
        catch (IOException)
        {
        }
    }

    /// <summary>Samples the managed heap while a case runs; the peak above the baseline is what the case cost.</summary>
    private sealed class MemoryWatch : IAsyncDisposable
    {
        private readonly long _baseline = GC.GetTotalMemory(forceFullCollection: true);
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop;
        private long _peak;

        public MemoryWatch()
        {
            _peak = _baseline;
            _loop = Task.Run(async () =>
            {
                while (!_stop.IsCancellationRequested)
                {
                    var now = GC.GetTotalMemory(false);
                    if (now > Volatile.Read(ref _peak)) Volatile.Write(ref _peak, now);
                    try { await Task.Delay(2, _stop.Token); } catch (OperationCanceledException) { }
                }
            });
        }

        public long Growth => Volatile.Read(ref _peak) - _baseline;

        public async ValueTask DisposeAsync()
        {
            _stop.Cancel();
            await _loop;
            _stop.Dispose();
        }
    }

    private async Task<CompassApiException> Hostile(string prefix, string repeat, string expected)
    {
        await using var server = await ScriptedServer.StartAsync();
        var written = new StrongBox<long>();
        server.Handle(c => Endless(c, prefix, repeat, written));
        var client = TestData.Client(server, o => o.MaxResponseBytes = Limit);
        CompassApiException ex;
        long growth;
        await using (var memory = new MemoryWatch())
        {
            ex = await Assert.ThrowsAsync<CompassApiException>(async () =>
            {
                await foreach (var _ in client.StreamRunEventsAsync(RunId, 0, default)) { }
            });
            growth = memory.Growth;
        }
        _output.WriteLine($"{expected}: managed heap peak growth {growth:N0} bytes ({growth / (double)Limit:0.0} x the bound)");
        Assert.Equal(CompassErrorKind.InvalidResponse, ex.Kind);
        Assert.Contains(expected, ex.Message);
        Assert.Contains("HTTP 200", ex.Message);
        // One stream, dropped at the bound: not reconnected.
        Assert.Equal(1, server.Count);
        // A generous multiple of the bound (the pending event, its growth, the read buffer, the test server's own
        // buffers and garbage not yet collected); reading the whole line would hold gigabytes.
        Assert.True(growth < 48 * Limit, $"the managed heap grew by {growth} bytes while reading with a {Limit}-byte bound");
        return ex;
    }

    [Fact]
    public async Task A_data_line_of_gigabytes_without_a_line_end_is_one_invalid_response_in_bounded_memory()
    {
        var ex = await Hostile("id: 1\nevent: output.delta\ndata: {\"text\":\"", "A", "longer than 1048576 bytes");
        // The preview shows what was being held: the start of the event's data.
        Assert.Contains("{\"text\":\"AAAA", ex.BodyPreview);
    }

    [Fact]
    public async Task A_comment_without_end_is_one_invalid_response_in_bounded_memory()
    {
        await Hostile(": keepalive", "x", "a comment line longer than 1048576 bytes");
    }

    [Fact]
    public async Task A_field_line_without_end_is_one_invalid_response_in_bounded_memory()
    {
        await Hostile("unknownfield", "y", "a line longer than 1048576 bytes");
    }

    [Fact]
    public async Task An_event_built_from_endless_data_lines_is_one_invalid_response_in_bounded_memory()
    {
        await Hostile("id: 1\n", "data: 0123456789abcdef0123456789abcdef\n", "an event whose data is longer than 1048576 bytes");
    }

    [Fact]
    public async Task An_endless_id_or_event_field_is_refused_at_64_KiB()
    {
        await Hostile("data: {}\nid: ", "7", "an 'id' field longer than 65536 bytes");
        await Hostile("event: ", "run.", "an 'event' field longer than 65536 bytes");
    }

    [Fact]
    public async Task Events_up_to_the_bound_still_arrive_whole()
    {
        // An output.delta whose text is just under the bound: the bound is on size, not a cut of valid events.
        var text = new string('t', (int)Limit - 200);
        await using var server = await ScriptedServer.StartAsync();
        server.Handle(async c =>
        {
            c.Response.ContentType = "text/event-stream";
            await c.Response.WriteAsync(SseTests.Event(1, "output.delta", $",\"text\":\"{text}\"") + SseTests.Event(2, "run.completed"));
        });
        var events = new List<RunEvent>();
        await foreach (var e in TestData.Client(server, o => o.MaxResponseBytes = Limit).StreamRunEventsAsync(RunId, 0, default)) events.Add(e);
        Assert.Equal(new long[] { 1, 2 }, events.Select(e => e.Seq));
        Assert.Equal(text, events[0].Text);
    }

    /// <summary>
    /// The reader against .NET's own SseParser (the reference this module used before): seeded random streams of
    /// every field, comment, line end, BOM, NUL in ids and unfinished last events, cut into random chunks; both
    /// must dispatch the same events (type, id, data), and the same last id.
    /// </summary>
    [Fact]
    public async Task The_reader_dispatches_what_the_standard_parser_dispatches()
    {
        var random = new Random(20261204);
        string[] ends = { "\n", "\r", "\r\n" };
        for (var round = 0; round < 300; round++)
        {
            var text = new StringBuilder();
            if (random.Next(4) == 0) text.Append('\uFEFF');
            var lines = random.Next(1, 30);
            for (var i = 0; i < lines; i++)
            {
                var end = ends[random.Next(ends.Length)];
                switch (random.Next(12))
                {
                    case 0: text.Append(end); break;
                    case 1: text.Append(": comment ").Append(random.Next()).Append(end); break;
                    case 2: text.Append("event:").Append(random.Next(2) == 0 ? " " : "").Append("type").Append(random.Next(3)).Append(end); break;
                    case 3: text.Append("id: ").Append(random.Next(100)).Append(random.Next(8) == 0 ? "\0x" : "").Append(end); break;
                    case 4: text.Append("retry: ").Append(random.Next(2) == 0 ? random.Next(5000).ToString() : "x1").Append(end); break;
                    case 5: text.Append("data").Append(end); break;
                    case 6: text.Append("unknown: value").Append(end); break;
                    case 7: text.Append("id").Append(end); break;
                    case 8: text.Append("data:  two spaces ü€").Append(end); break;
                    default: text.Append("data: {\"n\":").Append(random.Next()).Append('}').Append(end); break;
                }
            }
            if (random.Next(3) == 0) text.Append("data: unfinished");
            var bytes = Encoding.UTF8.GetBytes(text.ToString());

            var expected = new List<string>();
            var parser = SseParser.Create(new MemoryStream(bytes), (type, data) => data.ToArray());
            foreach (var item in parser.Enumerate()) expected.Add($"{item.EventType}|{item.EventId}|{Encoding.UTF8.GetString(item.Data)}");

            var actual = new List<string>();
            var reader = new SseReader(new ChunkedStream(bytes, random), Limit);
            while (await reader.ReadAsync(default) is SseEvent e) actual.Add($"{e.EventType}|{e.EventId}|{Encoding.UTF8.GetString(e.Data)}");

            Assert.True(expected.SequenceEqual(actual), $"round {round}: {text.ToString().Replace("\r", "\\r").Replace("\n", "\\n")}\nexpected {string.Join(" ; ", expected)}\nactual   {string.Join(" ; ", actual)}");
            Assert.Equal(string.IsNullOrEmpty(parser.LastEventId) ? null : parser.LastEventId, string.IsNullOrEmpty(reader.LastEventId) ? null : reader.LastEventId);
        }
    }

    /// <summary>A stream that hands out its bytes in chunks of 1 to 7 bytes, so boundaries fall everywhere.</summary>
    private sealed class ChunkedStream : MemoryStream
    {
        private readonly Random _random;
        public ChunkedStream(byte[] bytes, Random random) : base(bytes, writable: false) => _random = random;
        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            base.ReadAsync(buffer, offset, Math.Min(count, _random.Next(1, 8)), cancellationToken);
    }

    /// <summary>Through the cmdlet: Watch-CompassRun against an endless comment ends with one CompassPS.InvalidResponse.</summary>
    [Fact]
    public async Task Watch_CompassRun_ends_an_endless_comment_with_one_error_record()
    {
        await using var server = await ScriptedServer.StartAsync();
        var written = new StrongBox<long>();
        server.Handle(c => Endless(c, ":", "keepalive ", written));
        var result = await PowerShellHost.RunAsync(
            "Connect-Compass -BaseUrl $url -ApiKey $key -SkipCheck\nWatch-CompassRun -Id run-1 -ErrorAction Continue",
            new Dictionary<string, object?> { ["url"] = server.BaseUrl.ToString(), ["key"] = TestData.Key }, TimeSpan.FromSeconds(120));
        Assert.Null(result.Thrown);
        var error = Assert.Single(result.Errors);
        Assert.StartsWith("CompassPS.InvalidResponse", error.FullyQualifiedErrorId);
        Assert.Contains("comment line longer than", error.Exception.Message);
        Assert.Equal(1, server.Count);
    }
}
