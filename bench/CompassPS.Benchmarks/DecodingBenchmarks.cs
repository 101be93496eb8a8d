using System.Net.ServerSentEvents;
using System.Text.Json;
using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using CompassPS.Client;

namespace CompassPS.Benchmarks;

/// <summary>One run, as Get-CompassRun -Id decodes it, against parsing the JSON and nothing else.</summary>
[MemoryDiagnoser]
public class RunDecoding
{
    private readonly byte[] _body = WireSamples.RunBytes();

    [Benchmark(Baseline = true, Description = "JsonDocument.Parse only (the floor)")]
    public int ParseOnly()
    {
        using var document = JsonDocument.Parse(_body);
        return document.RootElement.GetArrayLengthOrPropertyCount();
    }

    [Benchmark(Description = "CompassPS Run.FromJson")]
    public Run CompassPS()
    {
        using var document = JsonDocument.Parse(_body);
        return Run.FromJson(document.RootElement);
    }

    [Benchmark(Description = "JsonNode.Parse (a generic tree)")]
    public JsonNode? GenericTree() => JsonNode.Parse(_body);
}

/// <summary>A page of 200 runs (the wire's largest), as Get-CompassRun lists them.</summary>
[MemoryDiagnoser]
public class PageDecoding
{
    private readonly byte[] _body = WireSamples.PageBytes(200);

    [Benchmark(Baseline = true, Description = "JsonDocument.Parse only (the floor)")]
    public int ParseOnly()
    {
        using var document = JsonDocument.Parse(_body);
        return document.RootElement.GetProperty("items").GetArrayLength();
    }

    [Benchmark(Description = "CompassPS Run.FromJson per item")]
    public int CompassPS()
    {
        using var document = JsonDocument.Parse(_body);
        var count = 0;
        foreach (var item in document.RootElement.GetProperty("items").EnumerateArray())
        {
            if (Run.FromJson(item).Id.Length > 0) count++;
        }
        return count;
    }
}

/// <summary>1,000 events of a run's stream, as Watch-CompassRun decodes them, against the raw SseParser.</summary>
[MemoryDiagnoser]
public class EventStreamDecoding
{
    private readonly byte[] _stream = WireSamples.EventStreamBytes(1000);

    [Benchmark(Baseline = true, Description = "SseParser, string data (the floor)")]
    public int RawParser()
    {
        var count = 0;
        foreach (var item in SseParser.Create(new MemoryStream(_stream, writable: false)).Enumerate())
        {
            if (item.Data.Length > 0) count++;
        }
        return count;
    }

    [Benchmark(Description = "SseParser + RunEvent.Decode (the module before its own reader)")]
    public int SseParserAndDecode()
    {
        var count = 0;
        foreach (var item in SseParser.Create(new MemoryStream(_stream, writable: false), (type, data) => data.ToArray()).Enumerate())
        {
            if (item.Data.Length > 0 && RunEvent.Decode(item.Data, item.EventType, item.EventId, "66666666-6666-4666-8666-666666666666").Seq > 0) count++;
        }
        return count;
    }

    [Benchmark(Description = "CompassPS: SseReader + RunEvent.Decode")]
    public int CompassPS()
    {
        var count = 0;
        // The reader and decoding Watch-CompassRun uses (CompassClient's event connection).
        var reader = new SseReader(new MemoryStream(_stream, writable: false), CompassClientOptions.DefaultMaxResponseBytes);
        while (reader.ReadAsync(CancellationToken.None).GetAwaiter().GetResult() is SseEvent item)
        {
            if (item.Data.Length > 0 && RunEvent.Decode(item.Data, item.EventType, item.EventId, "66666666-6666-4666-8666-666666666666").Seq > 0) count++;
        }
        return count;
    }
}

internal static class JsonElementExtensions
{
    public static int GetArrayLengthOrPropertyCount(this JsonElement element) =>
        element.ValueKind == JsonValueKind.Array ? element.GetArrayLength() : element.EnumerateObject().Count();
}
