using System.Buffers;
using System.Collections.Concurrent;
using System.Text.Json;
using System.Globalization;
using System.Text;
using CompassPS.LocalServer.Api;
using CompassPS.LocalServer.Auth;
using CompassPS.LocalServer.Hosting;
using CompassPS.LocalServer.Store;

namespace CompassPS.LocalServer.Streams;

/// <summary>
/// GET /v1/streams/{run_id}: the run's events as Server-Sent Events. Replays from Last-Event-ID (or ?after=) + 1,
/// sends ": keepalive" comments while the run is quiet, and ends the response after the terminal event.
/// </summary>
public static class SseEndpoint
{
    private const int BatchSize = 512;
    private static readonly ConcurrentDictionary<string, byte[]> EncodedTypes = new(StringComparer.Ordinal);
    private static readonly JsonSerializerOptions JsonOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private static readonly byte[] KeepAlive = ": keepalive\n\n"u8.ToArray();

    public static async Task StreamAsync(HttpContext context, string runId, DataStore store, ServerOptions options, IHostApplicationLifetime lifetime)
    {
        var caller = ApiKeyMiddleware.GetCaller(context);
        bool? terminal;
        lock (store.Gate)
        {
            terminal = store.Runs.TryGetValue(runId, out var run) && run.ProjectId == caller.ProjectId ? RunStatus.IsTerminal(run.Status) : null;
        }
        if (terminal is null)
        {
            await ApiResults.Error(StatusCodes.Status404NotFound, "RUN_NOT_FOUND", $"Run '{runId}' was not found.").ExecuteAsync(context);
            return;
        }
        if (!TryReadResumePoint(context.Request, out var after))
        {
            await ApiResults.Validation([new FieldProblem(["header", "Last-Event-ID"], "Last-Event-ID (or ?after=) must be a whole number", "int_parsing")])
                .ExecuteAsync(context);
            return;
        }

        var log = store.GetEventLog(runId, terminal.Value);
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpResponseBodyFeature>()?.DisableBuffering();
        await response.Body.FlushAsync(context.RequestAborted);

        var cutAfter = options.Faults.CutStreamAfterEvents;
        var sent = 0;
        var batch = new List<StoredEvent>(BatchSize);
        var writer = response.BodyWriter;
        // A stream of a live run can stay open for long: it ends when the client goes or the server stops, so that
        // stopping the server never waits for its readers.
        using var ending = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);
        var aborted = ending.Token;
        try
        {
            while (!aborted.IsCancellationRequested)
            {
                batch.Clear();
                log.ReadAfter(after, batch, cutAfter > 0 ? Math.Min(BatchSize, cutAfter - sent) : BatchSize);
                if (batch.Count > 0)
                {
                    // The event that ends a run is sent only once it is committed: a client that saw run.completed
                    // finds the run completed after a crash, not failed as interrupted.
                    if (store.IsPersistent && log.IsClosed && batch[^1].Seq == log.LastSeq) await store.FlushAsync().WaitAsync(aborted);
                    foreach (var stored in batch) WriteFrame(writer, runId, stored);
                    after = batch[^1].Seq;
                    sent += batch.Count;
                    await writer.FlushAsync(aborted);
                    // Fault injection: end this connection early; the client resumes with Last-Event-ID.
                    if (cutAfter > 0 && sent >= cutAfter) return;
                    continue;
                }
                if (log.IsClosed && log.LastSeq <= after) return;
                var changed = log.WaitAfterAsync(after);
                if (!changed.IsCompleted)
                {
                    var finished = await Task.WhenAny(changed, Task.Delay(options.KeepAliveInterval, aborted));
                    if (finished != changed && !aborted.IsCancellationRequested)
                    {
                        writer.Write(KeepAlive);
                        await writer.FlushAsync(aborted);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            // The client went away, or the server is stopping.
        }
    }

    private static bool TryReadResumePoint(HttpRequest request, out long after)
    {
        after = 0;
        var text = request.Headers["Last-Event-ID"].ToString();
        if (text.Length == 0) text = request.Query["after"].ToString();
        if (text.Length == 0) return true;
        return long.TryParse(text.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out after) && after >= 0;
    }

    private static void WriteFrame(IBufferWriter<byte> writer, string runId, StoredEvent stored)
    {
        var seq = stored.Seq.ToString(CultureInfo.InvariantCulture);
        Write(writer, "id: ");
        Write(writer, seq);
        Write(writer, "\nevent: ");
        Write(writer, stored.Type);
        Write(writer, "\ndata: {\"type\":");
        writer.Write(EncodedType(stored.Type));
        Write(writer, ",\"run_id\":\"");
        Write(writer, runId);
        Write(writer, "\",\"seq\":");
        Write(writer, seq);
        Write(writer, ",");
        writer.Write(stored.Tail);
        Write(writer, "\n\n");
    }

    /// <summary>The JSON string of an event type, quoted and escaped once per type.</summary>
    private static byte[] EncodedType(string type) =>
        EncodedTypes.GetOrAdd(type, t => Encoding.UTF8.GetBytes(JsonSerializer.Serialize(t, JsonOptions)));

    private static void Write(IBufferWriter<byte> writer, string text)
    {
        var span = writer.GetSpan(Encoding.UTF8.GetMaxByteCount(text.Length));
        writer.Advance(Encoding.UTF8.GetBytes(text, span));
    }
}
