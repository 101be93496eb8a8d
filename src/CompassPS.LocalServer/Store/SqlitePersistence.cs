using System.Threading.Channels;
using Microsoft.Data.Sqlite;

namespace CompassPS.LocalServer.Store;

/// <summary>
/// One stream event: its sequence number, its type, and the tail of its JSON data: everything after the fields every
/// event of the run shares a shape for (<c>"ts":"…",…}</c>). The SSE writer puts <c>{"type","run_id","seq",</c> in
/// front; keeping them out of the stored bytes makes a run of a million events take far less memory.
/// </summary>
public readonly record struct StoredEvent(long Seq, string Type, byte[] Tail);

/// <summary>
/// Keeps the store in SQLite (one JSON document per object, one row per event). Writes are queued and a single
/// background writer commits them in batches, one transaction per batch (group commit): a run that emits 100,000
/// events costs a few dozen transactions instead of 100,000. A request that changed something waits for
/// <see cref="FlushAsync"/> before it answers, so what it acknowledges is on disk; the requests that arrive while a
/// batch commits share the next one, so waiting costs one commit per batch, not one per request.
/// </summary>
public sealed class SqlitePersistence : IAsyncDisposable
{
    private const int MaxBatch = 4096;
    private readonly string _connectionString;
    private readonly Channel<WriteOp> _queue = Channel.CreateUnbounded<WriteOp>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _writer;
    private readonly ILogger _logger;
    // Once a batch is lost, what is on disk and what is in memory differ: no later flush may claim otherwise.
    private Exception? _failure;

    public SqlitePersistence(string dataDirectory, ILogger logger)
    {
        _logger = logger;
        Directory.CreateDirectory(dataDirectory);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = Path.Combine(dataDirectory, "compass-local.db"),
            Pooling = true,
        }.ToString();
        using (var connection = Open())
        {
            Execute(connection, """
                PRAGMA journal_mode = WAL;
                CREATE TABLE IF NOT EXISTS objects (kind TEXT NOT NULL, id TEXT NOT NULL, json TEXT NOT NULL, PRIMARY KEY (kind, id)) WITHOUT ROWID;
                CREATE TABLE IF NOT EXISTS events (run_id TEXT NOT NULL, seq INTEGER NOT NULL, type TEXT NOT NULL, data BLOB NOT NULL, PRIMARY KEY (run_id, seq)) WITHOUT ROWID;
                """);
        }
        _writer = Task.Run(WriteLoopAsync);
    }

    public void Upsert(string kind, string id, string json) => _queue.Writer.TryWrite(new WriteOp(WriteKind.Upsert, kind, id, json, null));

    public void Delete(string kind, string id) => _queue.Writer.TryWrite(new WriteOp(WriteKind.Delete, kind, id, null, null));

    public void AppendEvent(string runId, StoredEvent stored) => _queue.Writer.TryWrite(new WriteOp(WriteKind.Event, "", runId, null, stored));

    /// <summary>
    /// Completes when everything queued before the call is committed (synchronous = FULL: on disk, not only handed to
    /// the operating system); faults when a batch could not be committed, this one or any before it.
    /// </summary>
    public Task FlushAsync()
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_queue.Writer.TryWrite(new WriteOp(WriteKind.Flush, "", "", null, null, done))) done.TrySetResult();
        return done.Task;
    }

    public IEnumerable<(string Kind, string Json)> LoadAllObjects()
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT kind, json FROM objects";
        using var reader = command.ExecuteReader();
        var rows = new List<(string, string)>();
        while (reader.Read()) rows.Add((reader.GetString(0), reader.GetString(1)));
        return rows;
    }

    public List<StoredEvent> LoadEvents(string runId)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT seq, type, data FROM events WHERE run_id = $run ORDER BY seq";
        command.Parameters.AddWithValue("$run", runId);
        using var reader = command.ExecuteReader();
        var events = new List<StoredEvent>();
        while (reader.Read()) events.Add(new StoredEvent(reader.GetInt64(0), reader.GetString(1), (byte[])reader.GetValue(2)));
        return events;
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _writer;
        SqliteConnection.ClearAllPools();
    }

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        Execute(connection, "PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000;");
        return connection;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private async Task WriteLoopAsync()
    {
        using var connection = Open();
        // The writer's commits are what the answers wait for: each is synced to disk. Group commit keeps that to one
        // sync per batch.
        Execute(connection, "PRAGMA synchronous = FULL;");
        using var upsert = connection.CreateCommand();
        upsert.CommandText = "INSERT INTO objects (kind, id, json) VALUES ($kind, $id, $json) ON CONFLICT (kind, id) DO UPDATE SET json = excluded.json";
        var upsertKind = upsert.Parameters.Add("$kind", SqliteType.Text);
        var upsertId = upsert.Parameters.Add("$id", SqliteType.Text);
        var upsertJson = upsert.Parameters.Add("$json", SqliteType.Text);
        using var delete = connection.CreateCommand();
        delete.CommandText = "DELETE FROM objects WHERE kind = $kind AND id = $id";
        var deleteKind = delete.Parameters.Add("$kind", SqliteType.Text);
        var deleteId = delete.Parameters.Add("$id", SqliteType.Text);
        using var insertEvent = connection.CreateCommand();
        insertEvent.CommandText = "INSERT OR REPLACE INTO events (run_id, seq, type, data) VALUES ($run, $seq, $type, $data)";
        var eventRun = insertEvent.Parameters.Add("$run", SqliteType.Text);
        var eventSeq = insertEvent.Parameters.Add("$seq", SqliteType.Integer);
        var eventType = insertEvent.Parameters.Add("$type", SqliteType.Text);
        var eventData = insertEvent.Parameters.Add("$data", SqliteType.Blob);

        var batch = new List<WriteOp>(MaxBatch);
        while (await _queue.Reader.WaitToReadAsync())
        {
            batch.Clear();
            while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var op)) batch.Add(op);
            try
            {
                using var transaction = connection.BeginTransaction();
                upsert.Transaction = delete.Transaction = insertEvent.Transaction = transaction;
                foreach (var op in batch)
                {
                    switch (op.Kind)
                    {
                        case WriteKind.Upsert:
                            upsertKind.Value = op.ObjectKind; upsertId.Value = op.Id; upsertJson.Value = op.Json;
                            upsert.ExecuteNonQuery();
                            break;
                        case WriteKind.Delete:
                            deleteKind.Value = op.ObjectKind; deleteId.Value = op.Id;
                            delete.ExecuteNonQuery();
                            break;
                        case WriteKind.Event:
                            eventRun.Value = op.Id; eventSeq.Value = op.Event!.Value.Seq; eventType.Value = op.Event.Value.Type; eventData.Value = op.Event.Value.Tail;
                            insertEvent.ExecuteNonQuery();
                            break;
                    }
                }
                transaction.Commit();
            }
            catch (Exception ex)
            {
                // A failed batch must not stop the writer: later writes (and the flush waiters below) still go through.
                _logger.LogError(ex, "Writing {Count} changes to SQLite failed", batch.Count);
                _failure ??= ex;
            }
            foreach (var op in batch)
            {
                if (_failure is null) op.Done?.TrySetResult();
                else op.Done?.TrySetException(new IOException("The local server could not write a change to its database; restart it.", _failure));
            }
        }
    }

    private enum WriteKind { Upsert, Delete, Event, Flush }

    private sealed record WriteOp(WriteKind Kind, string ObjectKind, string Id, string? Json, StoredEvent? Event, TaskCompletionSource? Done = null);
}
