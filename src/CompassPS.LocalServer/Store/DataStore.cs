using System.Collections.Concurrent;
using System.Text.Json;
using CompassPS.LocalServer.Streams;

namespace CompassPS.LocalServer.Store;

/// <summary>
/// Every object of the local server, in memory, guarded by <see cref="Gate"/>; with a data folder each change is
/// also written through to SQLite (<see cref="SqlitePersistence"/>) and the whole store is loaded back at start.
/// Callers hold <see cref="Gate"/> while they read or change objects and call <c>Save</c> before releasing it,
/// so the persisted document is a consistent snapshot.
/// </summary>
public sealed class DataStore
{
    private static readonly JsonSerializerOptions StorageJson = new();
    private readonly SqlitePersistence? _persistence;
    private readonly ConcurrentDictionary<string, RunEventLog> _eventLogs = new(StringComparer.Ordinal);
    private long _sequence;

    public DataStore(SqlitePersistence? persistence)
    {
        _persistence = persistence;
        if (persistence is not null) Load(persistence);
    }

    public object Gate { get; } = new();

    public Dictionary<string, RunEntity> Runs { get; } = new(StringComparer.OrdinalIgnoreCase);
    /// <summary>Runs in creation order (oldest first). Add runs with <see cref="AddRun"/>, which keeps the index too.</summary>
    public List<RunEntity> RunOrder { get; } = [];
    /// <summary>Top-level runs by project and by the common listing filters, for pages without a full scan.</summary>
    public RunIndex RunIndex { get; } = new();
    public Dictionary<string, List<StepEntity>> StepsByRun { get; } = new(StringComparer.OrdinalIgnoreCase);
    public Dictionary<string, WorkflowEntity> Workflows { get; } = new(StringComparer.OrdinalIgnoreCase);
    public Dictionary<string, List<WorkflowVersionEntity>> VersionsByWorkflow { get; } = new(StringComparer.OrdinalIgnoreCase);
    public Dictionary<string, DeploymentEntity> Deployments { get; } = new(StringComparer.OrdinalIgnoreCase);
    public Dictionary<string, ConversationEntity> Conversations { get; } = new(StringComparer.OrdinalIgnoreCase);
    public Dictionary<string, ConnectionEntity> Connections { get; } = new(StringComparer.OrdinalIgnoreCase);
    public Dictionary<string, ApprovalEntity> Approvals { get; } = new(StringComparer.OrdinalIgnoreCase);
    public Dictionary<string, IdempotencyEntity> IdempotencyKeys { get; } = new(StringComparer.Ordinal);

    /// <summary>True when the store was loaded with objects (a restart with --data): seeds are not added again.</summary>
    public bool IsSeeded { get; private set; }

    public long NextSequence() => Interlocked.Increment(ref _sequence);

    /// <summary>Adds a new run (newer than every other) to <see cref="Runs"/>, <see cref="RunOrder"/> and <see cref="RunIndex"/>.</summary>
    public void AddRun(RunEntity run)
    {
        Runs[run.Id] = run;
        RunOrder.Add(run);
        RunIndex.Add(run);
    }

    public static string NewId() => Guid.NewGuid().ToString();

    public static string IdempotencyId(string projectId, string key) => projectId + "|" + key;

    public void MarkSeeded()
    {
        IsSeeded = true;
        _persistence?.Upsert("meta", "seeded", "true");
    }

    public void Save(RunEntity run) => Persist("run", run.Id, run);
    public void Save(StepEntity step) => Persist("step", step.Id, step);
    public void Save(WorkflowEntity workflow) => Persist("workflow", workflow.Id, workflow);
    public void Save(WorkflowVersionEntity version) => Persist("version", version.Id, version);
    public void Save(DeploymentEntity deployment) => Persist("deployment", deployment.Id, deployment);
    public void Save(ConversationEntity conversation) => Persist("conversation", conversation.Id, conversation);
    public void Save(ConnectionEntity connection) => Persist("connection", connection.Id, connection);
    public void Save(ApprovalEntity approval) => Persist("approval", approval.Id, approval);
    public void Save(IdempotencyEntity record) => Persist("idempotency", record.Id, record);

    public void Delete(string kind, string id) => _persistence?.Delete(kind, id);

    /// <summary>The event log of a run: the live one, or the persisted one loaded on first use after a restart.</summary>
    public RunEventLog GetEventLog(string runId, bool runIsTerminal) =>
        _eventLogs.GetOrAdd(runId, id => _persistence is null
            ? new RunEventLog(closed: runIsTerminal)
            : new RunEventLog(_persistence.LoadEvents(id), closed: runIsTerminal));

    /// <summary>The (empty) event log of a run that is being created now.</summary>
    public RunEventLog CreateEventLog(string runId) => _eventLogs.GetOrAdd(runId, _ => new RunEventLog());

    /// <summary>
    /// With a data folder, drops a finished run's events from memory once they are committed; streams that hold the
    /// log keep reading it, later readers load it from SQLite. In memory the log is the only copy and stays.
    /// </summary>
    public void ReleaseEventLogWhenPersisted(string runId)
    {
        if (_persistence is null) return;
        // Only once committed: a failed commit keeps the log in memory, the only copy left.
        _persistence.FlushAsync().ContinueWith(_ => _eventLogs.TryRemove(runId, out RunEventLog? _),
            CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
    }

    public void PersistEvent(string runId, StoredEvent stored) => _persistence?.AppendEvent(runId, stored);

    /// <summary>
    /// Completes when every change saved before the call is committed to disk (at once in memory). A request waits for
    /// it before acknowledging a change; the requests waiting at the same time share one commit.
    /// </summary>
    public Task FlushAsync() => _persistence?.FlushAsync() ?? Task.CompletedTask;

    /// <summary>True with a data folder: acknowledged changes must be committed first.</summary>
    public bool IsPersistent => _persistence is not null;

    private void Persist<T>(string kind, string id, T entity) =>
        _persistence?.Upsert(kind, id, JsonSerializer.Serialize(entity, StorageJson));

    private void Load(SqlitePersistence persistence)
    {
        foreach (var (kind, json) in persistence.LoadAllObjects())
        {
            switch (kind)
            {
                case "meta": IsSeeded = true; break;
                case "run":
                    var run = Deserialize<RunEntity>(json);
                    Runs[run.Id] = run;
                    RunOrder.Add(run);
                    break;
                case "step":
                    var step = Deserialize<StepEntity>(json);
                    if (!StepsByRun.TryGetValue(step.RunId, out var steps)) StepsByRun[step.RunId] = steps = [];
                    steps.Add(step);
                    break;
                case "workflow": Add(Workflows, Deserialize<WorkflowEntity>(json), w => w.Id); break;
                case "version":
                    var version = Deserialize<WorkflowVersionEntity>(json);
                    if (!VersionsByWorkflow.TryGetValue(version.WorkflowId, out var versions)) VersionsByWorkflow[version.WorkflowId] = versions = [];
                    versions.Add(version);
                    break;
                case "deployment": Add(Deployments, Deserialize<DeploymentEntity>(json), d => d.Id); break;
                case "conversation": Add(Conversations, Deserialize<ConversationEntity>(json), c => c.Id); break;
                case "connection": Add(Connections, Deserialize<ConnectionEntity>(json), c => c.Id); break;
                case "approval": Add(Approvals, Deserialize<ApprovalEntity>(json), a => a.Id); break;
                case "idempotency": Add(IdempotencyKeys, Deserialize<IdempotencyEntity>(json), i => i.Id); break;
            }
        }
        RunOrder.Sort((a, b) => a.Sequence.CompareTo(b.Sequence));
        foreach (var run in RunOrder) RunIndex.Add(run);
        foreach (var steps in StepsByRun.Values) steps.Sort((a, b) => a.Sequence.CompareTo(b.Sequence));
        foreach (var versions in VersionsByWorkflow.Values) versions.Sort((a, b) => a.Version.CompareTo(b.Version));
        _sequence = new[]
        {
            RunOrder.Count == 0 ? 0 : RunOrder[^1].Sequence,
            StepsByRun.Values.SelectMany(s => s).Select(s => s.Sequence).DefaultIfEmpty().Max(),
            Workflows.Values.Select(w => w.Sequence).DefaultIfEmpty().Max(),
            Deployments.Values.Select(d => d.Sequence).DefaultIfEmpty().Max(),
            Conversations.Values.Select(c => c.Sequence).DefaultIfEmpty().Max(),
            Connections.Values.Select(c => c.Sequence).DefaultIfEmpty().Max(),
            Approvals.Values.Select(a => a.Sequence).DefaultIfEmpty().Max(),
        }.Max();
    }

    private static T Deserialize<T>(string json) =>
        JsonSerializer.Deserialize<T>(json, StorageJson) ?? throw new InvalidDataException($"A stored {typeof(T).Name} is empty.");

    private static void Add<T>(Dictionary<string, T> into, T item, Func<T, string> id) => into[id(item)] = item;
}
