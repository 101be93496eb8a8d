using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;
using CompassPS.LocalServer.Api;
using CompassPS.LocalServer.Store;

namespace CompassPS.LocalServer.Streams;

/// <summary>
/// The ordered events of one run, held in memory for streaming (and written through to SQLite by the store).
/// Sequence numbers grow by one from 1; a reader resuming after <c>Last-Event-ID: N</c> gets the events above N.
/// Readers wait on a signal that is only allocated while someone is waiting, which keeps appends cheap.
/// </summary>
public sealed class RunEventLog
{
    private readonly object _gate = new();
    private readonly List<StoredEvent> _events;
    private TaskCompletionSource? _changed;

    public RunEventLog(List<StoredEvent>? loaded = null, bool closed = false)
    {
        _events = loaded ?? [];
        IsClosed = closed;
    }

    /// <summary>True once the run's terminal event is in the log: readers stop after it.</summary>
    public bool IsClosed { get; private set; }

    public long LastSeq
    {
        get { lock (_gate) return _events.Count == 0 ? 0 : _events[^1].Seq; }
    }

    /// <summary>
    /// Appends an event: the host's fields (type, run_id, seq, ts) first and the engine's fields after them.
    /// Returns null when the log is already closed: nothing may follow a terminal event. <paramref name="persist"/>
    /// queues the event for the database before any reader can see it, so a reader that then waits for a commit
    /// (as a stream does before it sends a terminal event) waits for this event too.
    /// </summary>
    public StoredEvent? Append(string type, JsonObject? fields, bool terminal, Action<StoredEvent>? persist = null)
    {
        TaskCompletionSource? wake;
        StoredEvent stored;
        lock (_gate)
        {
            if (IsClosed) return null;
            var seq = (_events.Count == 0 ? 0 : _events[^1].Seq) + 1;
            stored = new StoredEvent(seq, type, SerializeTail(fields));
            persist?.Invoke(stored);
            _events.Add(stored);
            if (terminal) IsClosed = true;
            wake = _changed;
            _changed = null;
        }
        wake?.TrySetResult();
        return stored;
    }

    /// <summary>Copies up to <paramref name="max"/> events after <paramref name="afterSeq"/>; returns how many.</summary>
    public int ReadAfter(long afterSeq, List<StoredEvent> into, int max)
    {
        lock (_gate)
        {
            var start = IndexAfter(afterSeq);
            var count = Math.Min(max, _events.Count - start);
            for (var i = 0; i < count; i++) into.Add(_events[start + i]);
            return count;
        }
    }

    /// <summary>Completes when an event after <paramref name="afterSeq"/> exists or the log closes.</summary>
    public Task WaitAfterAsync(long afterSeq)
    {
        lock (_gate)
        {
            if (IsClosed || IndexAfter(afterSeq) < _events.Count) return Task.CompletedTask;
            _changed ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _changed.Task;
        }
    }

    /// <summary>The index of the first event whose seq is above <paramref name="afterSeq"/> (binary search: seqs only grow).</summary>
    private int IndexAfter(long afterSeq)
    {
        int low = 0, high = _events.Count;
        while (low < high)
        {
            var middle = (low + high) >>> 1;
            if (_events[middle].Seq <= afterSeq) low = middle + 1;
            else high = middle;
        }
        return low;
    }

    private static byte[] SerializeTail(JsonObject? fields)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, ApiResults.WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("ts", ApiResults.Timestamp(DateTimeOffset.UtcNow));
            if (fields is not null)
            {
                foreach (var (name, value) in fields)
                {
                    if (name is "type" or "run_id" or "seq" or "ts") continue;
                    writer.WritePropertyName(name);
                    if (value is null) writer.WriteNullValue();
                    else value.WriteTo(writer);
                }
            }
            writer.WriteEndObject();
        }
        // Without the opening brace: SseEndpoint writes {"type","run_id","seq", in front of it.
        return buffer.WrittenSpan[1..].ToArray();
    }
}
