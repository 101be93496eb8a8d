using System.Text;
using System.Text.Json.Nodes;

namespace CompassPS.LocalServer.Tests;

/// <summary>One SSE frame as it came over the wire, or a comment line.</summary>
public sealed record SseFrame(string? Id, string? Event, string? Data, string? Comment)
{
    public JsonObject Json => JsonNode.Parse(Data!)!.AsObject();
}

/// <summary>A deliberately small, strict reader of text/event-stream, so framing mistakes show up in tests.</summary>
public static class SseReader
{
    public static async Task<(HttpResponseMessage Response, List<SseFrame> Frames)> ReadAllAsync(HttpClient client, string path,
        string? lastEventId = null, Func<SseFrame, bool>? stopAfter = null, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(45));
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.ParseAdd("text/event-stream");
        if (lastEventId is not null) request.Headers.TryAddWithoutValidation("Last-Event-ID", lastEventId);
        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cts.Token);
        var frames = new List<SseFrame>();
        if (!response.IsSuccessStatusCode) return (response, frames);
        await using var stream = await response.Content.ReadAsStreamAsync(cts.Token);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        string? id = null, type = null, comment = null;
        StringBuilder? data = null;
        while (await reader.ReadLineAsync(cts.Token) is { } line)
        {
            if (line.Length == 0)
            {
                if (id is not null || type is not null || data is not null || comment is not null)
                {
                    var frame = new SseFrame(id, type, data?.ToString(), comment);
                    frames.Add(frame);
                    if (stopAfter?.Invoke(frame) == true) break;
                }
                id = type = comment = null;
                data = null;
                continue;
            }
            if (line.StartsWith(':')) comment = line[1..].Trim();
            else if (line.StartsWith("id: ")) id = line[4..];
            else if (line.StartsWith("event: ")) type = line[7..];
            else if (line.StartsWith("data: ")) (data ??= new StringBuilder()).Append(line[6..]);
            else throw new InvalidDataException($"Unexpected SSE line: {line}");
        }
        return (response, frames);
    }

    public static List<SseFrame> Events(this List<SseFrame> frames) => frames.Where(f => f.Comment is null).ToList();
}
