using System.Net.ServerSentEvents;

namespace CompassPS.Bench.Tools;

/// <summary>
/// The limit for streaming: .NET's own SseParser over the run's event stream, counting events without decoding
/// their JSON or making objects.
/// </summary>
public static class RawSseLoop
{
    public static long CountEvents(HttpClient client, string runId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"v1/streams/{Uri.EscapeDataString(runId)}");
        request.Headers.Accept.ParseAdd("text/event-stream");
        using var response = client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).GetAwaiter().GetResult();
        response.EnsureSuccessStatusCode();
        using var stream = response.Content.ReadAsStream();
        long count = 0;
        foreach (var item in SseParser.Create(stream).Enumerate())
        {
            count++;
        }
        return count;
    }
}
