using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using CompassPS.LocalServer.Api;
using CompassPS.LocalServer.Engine;
using CompassPS.LocalServer.Store;
using CompassPS.LocalServer.Streams;

namespace CompassPS.LocalServer.Hosting;

/// <summary>
/// Runs workflows: takes dispatched runs, executes them through the engine at most N at a time, records their
/// steps, child runs and approvals, and writes their events (run.started and the terminal event are the host's;
/// the rest come from the engine through <see cref="IRunSink"/>).
/// </summary>
public sealed class RunHost : IHostedService
{
    private readonly DataStore _store;
    private readonly IWorkflowEngine _engine;
    private readonly IEngineCatalog _catalog;
    private readonly ILogger<RunHost> _logger;
    private readonly SemaphoreSlim _slots;
    private readonly CancellationTokenSource _shutdown = new();
    private readonly ConcurrentDictionary<string, CancellationTokenSource> _cancellations = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, TaskCompletionSource<ApprovalDecision>> _approvalWaiters = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<Task, byte> _inFlight = new();

    public RunHost(DataStore store, IWorkflowEngine engine, IEngineCatalog catalog, ServerOptions options, ILogger<RunHost> logger)
    {
        _store = store;
        _engine = engine;
        _catalog = catalog;
        _logger = logger;
        _slots = new SemaphoreSlim(options.MaxConcurrentRuns, options.MaxConcurrentRuns);
    }

    public IWorkflowEngine Engine => _engine;
    public IEngineCatalog Catalog => _catalog;

    /// <summary>Creates the event log of a new run; call before the run becomes visible to readers.</summary>
    public void PrepareEventLog(RunEntity run) => _store.CreateEventLog(run.Id);

    /// <summary>Queues a created (pending) run; it starts when a slot is free.</summary>
    public void Dispatch(string runId)
    {
        var task = Task.Run(async () =>
        {
            try
            {
                await _slots.WaitAsync(_shutdown.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            try
            {
                await ExecuteAsync(runId, parentToken: _shutdown.Token);
            }
            finally
            {
                _slots.Release();
            }
        });
        _inFlight.TryAdd(task, 0);
        task.ContinueWith(t => _inFlight.TryRemove(t, out _), TaskScheduler.Default);
    }

    /// <summary>Cancels a run that has not finished; false when it had already finished.</summary>
    public bool TryCancel(string runId)
    {
        if (!Finish(runId, RunStatus.Cancelled, output: null, error: null, tokens: null, out _)) return false;
        try
        {
            if (_cancellations.TryGetValue(runId, out var cts)) cts.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The engine returned in the meantime; the run is already recorded as cancelled.
        }
        return true;
    }

    /// <summary>Records a decision on a pending approval and resumes the run waiting for it.</summary>
    public ApprovalEntity Decide(string approvalId, string projectId, bool approve, string? comment)
    {
        ApprovalEntity approval;
        lock (_store.Gate)
        {
            if (!_store.Approvals.TryGetValue(approvalId, out approval!) || approval.ProjectId != projectId)
                throw new ApiException(StatusCodes.Status404NotFound, "APPROVAL_NOT_FOUND", $"Approval '{approvalId}' was not found.");
            if (approval.Status != "pending")
                throw new ApiException(StatusCodes.Status409Conflict, "APPROVAL_NOT_PENDING", $"Approval '{approvalId}' was already {approval.Status}.");
            approval.Status = approve ? "approved" : "rejected";
            approval.Comment = comment;
            approval.DecidedAt = DateTimeOffset.UtcNow;
            _store.Save(approval);
        }
        if (_approvalWaiters.TryRemove(approvalId, out var waiter)) waiter.TrySetResult(new ApprovalDecision(approve, comment));
        return approval;
    }

    /// <summary>At start: runs that were in flight when the server stopped can never finish; they fail with a reason.</summary>
    public void FailInterruptedRuns()
    {
        List<(string Id, string Status)> interrupted;
        lock (_store.Gate)
        {
            interrupted = _store.RunOrder.Where(r => !RunStatus.IsTerminal(r.Status)).Select(r => (r.Id, r.Status)).ToList();
            foreach (var approval in _store.Approvals.Values.Where(a => a.Status == "pending"))
            {
                approval.Status = "rejected";
                approval.Comment = "The local server restarted before a decision; the run was failed.";
                approval.DecidedAt = DateTimeOffset.UtcNow;
                _store.Save(approval);
            }
        }
        foreach (var (id, status) in interrupted)
        {
            Finish(id, RunStatus.Failed, null,
                $"The local server stopped while this run was {status}; it was marked failed when the server restarted.", null, out _);
        }
        if (interrupted.Count > 0) _logger.LogWarning("Marked {Count} interrupted run(s) failed", interrupted.Count);
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Stops the engine's work; interrupted runs stay as they are and are failed at the next start.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _shutdown.CancelAsync();
        foreach (var waiter in _approvalWaiters.Values) waiter.TrySetCanceled();
        try
        {
            await Task.WhenAll(_inFlight.Keys).WaitAsync(TimeSpan.FromSeconds(10), cancellationToken);
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
            _logger.LogWarning("Some runs did not stop in time");
        }
        catch (Exception)
        {
            // Each run's failure was already recorded on the run.
        }
        try
        {
            await _store.FlushAsync();
        }
        catch (IOException ex)
        {
            _logger.LogError(ex, "The last changes could not be written before the server stopped");
        }
    }

    private async Task<RunEntity?> ExecuteAsync(string runId, CancellationToken parentToken)
    {
        RunRequest? request;
        string? problem;
        lock (_store.Gate)
        {
            if (!_store.Runs.TryGetValue(runId, out var run) || RunStatus.IsTerminal(run.Status)) return run;
            (request, problem) = BuildRequest(run);
            if (request is not null)
            {
                run.Status = RunStatus.Running;
                run.StartedAt = DateTimeOffset.UtcNow;
                _store.Save(run);
            }
        }
        if (request is null)
        {
            Finish(runId, RunStatus.Failed, null, problem, null, out var failed);
            return failed;
        }

        var log = LogOf(runId);
        Append(runId, log, "run.started", new JsonObject
        {
            ["workflow_id"] = request.WorkflowId,
            ["version"] = request.Version,
        }, terminal: false);

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(parentToken);
        _cancellations[runId] = cts;
        // A cancel that came between the start above and this registration found nothing to cancel.
        if (GetRun(runId) is { Status: RunStatus.Cancelled }) await cts.CancelAsync();
        try
        {
            var sink = new RunSink(this, runId, request.ProjectId, log);
            var result = await _engine.ExecuteAsync(request, sink, _catalog, cts.Token);
            Finish(runId, RunStatus.Completed, result.Output, null, result.TotalTokens, out var completed);
            return completed;
        }
        catch (RunFailedException ex)
        {
            Finish(runId, RunStatus.Failed, null, ex.Message, null, out var failed, ex.NodeId);
            return failed;
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            // Cancelled through the API (already recorded) or with the run that called this one. When the server is
            // shutting down the run stays as it is: the next start fails it with a reason.
            if (!_shutdown.IsCancellationRequested) Finish(runId, RunStatus.Cancelled, null, null, null, out _);
            if (parentToken.IsCancellationRequested) throw;
            return GetRun(runId);
        }
        catch (Exception ex)
        {
            _logger.LogError(ex, "The engine failed on run {RunId}", runId);
            Finish(runId, RunStatus.Failed, null, $"The workflow engine failed unexpectedly: {ex.Message}", null, out var failed);
            return failed;
        }
        finally
        {
            _cancellations.TryRemove(runId, out _);
        }
    }

    /// <summary>What to run: the frozen version for a deployment run, the draft for a workflow run.</summary>
    private (RunRequest? Request, string? Problem) BuildRequest(RunEntity run)
    {
        string definition;
        var pinned = new Dictionary<string, int>();
        if (!_store.Workflows.TryGetValue(run.WorkflowId, out var workflow))
            return (null, $"Workflow '{run.WorkflowId}' no longer exists.");
        if (run.Version is { } versionNumber)
        {
            var version = _store.VersionsByWorkflow.GetValueOrDefault(run.WorkflowId)?.FirstOrDefault(v => v.Version == versionNumber);
            if (version is null) return (null, $"Version {versionNumber} of workflow '{workflow.Name}' no longer exists.");
            definition = version.Definition;
            foreach (var (id, v) in version.PinnedVersions) pinned[id] = v;
        }
        else
        {
            definition = workflow.Definition;
        }
        if (run.ParentRunId is { } parentId && _store.Runs.TryGetValue(parentId, out var parent) && parent.Version is { } parentVersion)
        {
            // A child inherits the pins of the deployed run that called it, unless its own version pins them.
            var parentPins = _store.VersionsByWorkflow.GetValueOrDefault(parent.WorkflowId)?.FirstOrDefault(v => v.Version == parentVersion)?.PinnedVersions;
            foreach (var (id, v) in parentPins ?? []) pinned.TryAdd(id, v);
        }

        var history = new List<ConversationTurn>();
        if (run.ConversationId is { } conversationId)
        {
            // The conversation's own runs, not every run of the store; the index groups ids case-insensitively.
            foreach (var earlier in _store.RunIndex.Candidates(run.ProjectId, workflowId: null, deploymentId: null, conversationId))
            {
                if (earlier.Sequence >= run.Sequence) break;
                if (earlier.ConversationId == conversationId && earlier.Status == RunStatus.Completed)
                    history.Add(new ConversationTurn(earlier.InputData?.DeepClone(), earlier.Output?.DeepClone()));
            }
        }

        return (new RunRequest
        {
            RunId = run.Id,
            ProjectId = run.ProjectId,
            WorkflowId = run.WorkflowId,
            Version = run.Version,
            DefinitionText = definition,
            Input = run.InputData?.DeepClone(),
            Config = run.Config?.DeepClone() as JsonObject,
            ConversationId = run.ConversationId,
            History = history,
            PinnedVersions = pinned,
        }, null);
    }

    /// <summary>
    /// Moves a run to a terminal status once (later calls lose) and appends its terminal event, which closes its stream.
    /// </summary>
    private bool Finish(string runId, string status, JsonNode? output, string? error, int? tokens, out RunEntity? run, string? nodeId = null)
    {
        JsonObject fields;
        lock (_store.Gate)
        {
            if (!_store.Runs.TryGetValue(runId, out run) || RunStatus.IsTerminal(run.Status)) return false;
            var now = DateTimeOffset.UtcNow;
            run.Status = status;
            run.CompletedAt = now;
            run.DurationMs = (long)(now - (run.StartedAt ?? run.CreatedAt)).TotalMilliseconds;
            if (tokens is { } t) run.TotalTokens = t;
            if (status == RunStatus.Completed) run.Output = output;
            if (status == RunStatus.Failed) run.Error = error ?? "The run failed.";
            _store.Save(run);
            fields = status switch
            {
                RunStatus.Completed => new JsonObject { ["output"] = output?.DeepClone(), ["total_tokens"] = run.TotalTokens, ["duration_ms"] = run.DurationMs },
                RunStatus.Failed => new JsonObject { ["error"] = run.Error, ["node_id"] = nodeId, ["duration_ms"] = run.DurationMs },
                _ => new JsonObject { ["duration_ms"] = run.DurationMs },
            };
            if (status == RunStatus.Cancelled)
            {
                foreach (var approval in _store.Approvals.Values.Where(a => a.RunId == runId && a.Status == "pending"))
                {
                    approval.Status = "rejected";
                    approval.Comment = "The run was cancelled.";
                    approval.DecidedAt = now;
                    _store.Save(approval);
                }
            }
        }
        Append(runId, LogOf(runId), "run." + status, fields, terminal: true);
        _store.ReleaseEventLogWhenPersisted(runId);
        return true;
    }

    private RunEntity? GetRun(string runId)
    {
        lock (_store.Gate) return _store.Runs.GetValueOrDefault(runId);
    }

    private RunEventLog LogOf(string runId) => _store.GetEventLog(runId, runIsTerminal: false);

    private void Append(string runId, RunEventLog log, string type, JsonObject fields, bool terminal)
    {
        log.Append(type, fields, terminal, stored => _store.PersistEvent(runId, stored));
    }

    private void SetStatusOfRunAndAncestors(string runId, string from, string to)
    {
        lock (_store.Gate)
        {
            for (var id = runId; id is not null && _store.Runs.TryGetValue(id, out var run); id = run.ParentRunId)
            {
                if (run.Status != from) continue;
                run.Status = to;
                _store.Save(run);
            }
        }
    }

    /// <summary>The engine's handle on one run.</summary>
    private sealed class RunSink(RunHost host, string runId, string projectId, RunEventLog log) : IRunSink
    {
        public Task EmitAsync(string type, JsonObject fields, CancellationToken cancellationToken)
        {
            host.Append(runId, log, type, fields, terminal: false);
            return Task.CompletedTask;
        }

        public Task<string> StepStartedAsync(StepStart step, CancellationToken cancellationToken)
        {
            var store = host._store;
            var entity = new StepEntity
            {
                Id = DataStore.NewId(), RunId = runId, ParentStepId = step.ParentStepId, Kind = step.Kind, NodeId = step.NodeId,
                Name = step.Name, Type = step.Type, Status = "running", Model = step.Model, Input = step.Input?.DeepClone(),
                StartedAt = DateTimeOffset.UtcNow, Sequence = store.NextSequence(),
            };
            lock (store.Gate)
            {
                if (!store.StepsByRun.TryGetValue(runId, out var steps)) store.StepsByRun[runId] = steps = [];
                steps.Add(entity);
                store.Save(entity);
                if (store.Runs.TryGetValue(runId, out var run))
                {
                    run.StepCount++;
                    store.Save(run);
                }
            }
            return Task.FromResult(entity.Id);
        }

        public Task StepFinishedAsync(string stepId, StepEnd end, CancellationToken cancellationToken)
        {
            var store = host._store;
            lock (store.Gate)
            {
                var step = store.StepsByRun.GetValueOrDefault(runId)?.FindLast(s => s.Id == stepId)
                    ?? throw new InvalidOperationException($"Step '{stepId}' does not belong to run '{runId}'.");
                step.Status = end.Status;
                step.Output = end.Output?.DeepClone();
                step.Error = end.Error;
                step.Tokens = end.Tokens;
                step.FinishedAt = DateTimeOffset.UtcNow;
                step.DurationMs = (long)(step.FinishedAt.Value - step.StartedAt).TotalMilliseconds;
                store.Save(step);
            }
            return Task.CompletedTask;
        }

        public async Task<ApprovalDecision> RequestApprovalAsync(ApprovalRequest request, CancellationToken cancellationToken)
        {
            var store = host._store;
            var approval = new ApprovalEntity
            {
                Id = DataStore.NewId(), ProjectId = projectId, RunId = runId, NodeId = request.NodeId, Tool = request.Tool,
                Args = request.Args?.DeepClone(), CreatedAt = DateTimeOffset.UtcNow, Sequence = store.NextSequence(),
            };
            var waiter = new TaskCompletionSource<ApprovalDecision>(TaskCreationOptions.RunContinuationsAsynchronously);
            host._approvalWaiters[approval.Id] = waiter;
            var ancestors = new List<string>();
            lock (store.Gate)
            {
                store.Approvals[approval.Id] = approval;
                store.Save(approval);
                for (var id = runId; id is not null && store.Runs.TryGetValue(id, out var run); id = run.ParentRunId) ancestors.Add(id);
            }
            host.SetStatusOfRunAndAncestors(runId, RunStatus.Running, RunStatus.AwaitingApproval);
            // The request shows on the run's own stream and on the streams of the runs that called it.
            foreach (var id in ancestors)
            {
                host.Append(id, host.LogOf(id), "approval.requested", new JsonObject
                {
                    ["approval_id"] = approval.Id, ["node_id"] = request.NodeId, ["tool"] = request.Tool, ["args"] = request.Args?.DeepClone(),
                }, terminal: false);
            }
            try
            {
                using var registration = cancellationToken.Register(() => waiter.TrySetCanceled(cancellationToken));
                return await waiter.Task;
            }
            finally
            {
                host._approvalWaiters.TryRemove(approval.Id, out _);
                // At shutdown the run keeps its status, so the next start says what it was waiting for.
                if (!host._shutdown.IsCancellationRequested)
                    host.SetStatusOfRunAndAncestors(runId, RunStatus.AwaitingApproval, RunStatus.Running);
            }
        }

        public async Task<ChildRunResult> RunChildAsync(string workflowId, int? version, JsonNode? input, string parentStepId, CancellationToken cancellationToken)
        {
            var store = host._store;
            RunEntity child;
            lock (store.Gate)
            {
                if (!store.Workflows.TryGetValue(workflowId, out var workflow) || workflow.ProjectId != projectId)
                    throw new RunFailedException($"Workflow '{workflowId}' was not found in this project.");
                var parent = store.Runs[runId];
                if (version is null && workflow.DeploymentId is { } deploymentId && store.Deployments.TryGetValue(deploymentId, out var deployment))
                    version = deployment.LiveVersion;
                child = new RunEntity
                {
                    Id = DataStore.NewId(), ProjectId = projectId, WorkflowId = workflowId, Version = version, ParentRunId = runId,
                    ParentStepId = parentStepId, Trigger = parent.Trigger, InputData = input?.DeepClone(), Status = RunStatus.Pending,
                    CreatedAt = DateTimeOffset.UtcNow, Sequence = store.NextSequence(),
                };
                store.CreateEventLog(child.Id);
                store.AddRun(child);
                store.Save(child);
                var step = store.StepsByRun.GetValueOrDefault(runId)?.FindLast(s => s.Id == parentStepId);
                if (step is not null)
                {
                    step.ChildRunId = child.Id;
                    store.Save(step);
                }
            }
            var finished = await host.ExecuteAsync(child.Id, cancellationToken) ?? child;
            lock (store.Gate)
                return new ChildRunResult(finished.Id, finished.Status, finished.Output?.DeepClone(), finished.Error, finished.TotalTokens);
        }
    }
}
