using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CompassPS.LocalServer.Auth;
using CompassPS.LocalServer.Hosting;
using CompassPS.LocalServer.Store;
using CompassPS.LocalServer.Streams;

namespace CompassPS.LocalServer.Api;

/// <summary>Runs: dispatch, read, list, executions, tree, summary, cancel; and the run event stream.</summary>
public static partial class RunsApi
{
    private static readonly TimeSpan IdempotencyWindow = TimeSpan.FromHours(24);

    public static void Map(RouteGroupBuilder v1)
    {
        v1.MapPost("/runs", CreateAsync).WithSummary("Dispatch a run of a deployment (live version) or a workflow (draft)");
        v1.MapGet("/runs", List).WithSummary("List runs, newest first");
        // A literal segment outranks the {run_id} parameter, so "summary" is never read as a run id.
        v1.MapGet("/runs/summary", Summary).WithSummary("Aggregate run statistics over a window");
        v1.MapGet("/runs/{run_id}", Get).WithSummary("Read a run");
        v1.MapGet("/runs/{run_id}/executions", Executions).WithSummary("Per-node execution records of a run");
        v1.MapGet("/runs/{run_id}/tree", Tree).WithSummary("The run's step tree, sub-runs nested");
        v1.MapPost("/runs/{run_id}/cancel", Cancel).WithSummary("Cancel a run that has not finished");
        v1.MapGet("/streams/{run_id}", (HttpContext context, string run_id, DataStore store, ServerOptions options, IHostApplicationLifetime lifetime) =>
            SseEndpoint.StreamAsync(context, run_id, store, options, lifetime)).WithSummary("Server-Sent Events of a run");
    }

    private static async Task<IResult> CreateAsync(HttpContext context, DataStore store, RunHost host)
    {
        var caller = ApiKeyMiddleware.GetCaller(context);
        var body = await RequestBody.ReadAsync(context);
        var deploymentId = body.String("deployment_id");
        var workflowId = body.String("workflow_id");
        if (deploymentId is null && workflowId is null)
            body.Add("deployment_id", "Give deployment_id or workflow_id", "missing");
        else if (deploymentId is not null && workflowId is not null)
            body.Add("workflow_id", "Give deployment_id or workflow_id, not both", "value_error");
        var input = body.Raw("input_data");
        if (input is not null && input.GetValueKind() is not (JsonValueKind.Object or JsonValueKind.String))
            body.Add("input_data", "Input should be an object, or a string for a chat input", "model_attributes_type");
        var conversationId = body.String("conversation_id");
        var config = body.Object("config");
        body.ThrowIfProblems();

        var idempotencyKey = context.Request.Headers["Idempotency-Key"].ToString().Trim();
        if (idempotencyKey.Length > 255)
            throw new RequestValidationException([new FieldProblem(["header", "Idempotency-Key"], "At most 255 characters", "string_too_long")]);
        // Only a request with an Idempotency-Key is ever compared with another.
        var bodyHash = idempotencyKey.Length == 0 ? "" : Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(body.Fields.ToJsonString())));

        RunEntity run;
        lock (store.Gate)
        {
            if (idempotencyKey.Length > 0 && store.IdempotencyKeys.TryGetValue(DataStore.IdempotencyId(caller.ProjectId, idempotencyKey), out var seen)
                && DateTimeOffset.UtcNow - seen.CreatedAt < IdempotencyWindow)
            {
                if (seen.BodyHash != bodyHash)
                    throw new ApiException(StatusCodes.Status409Conflict, "IDEMPOTENCY_KEY_REUSED",
                        "This Idempotency-Key was already used with a different request body.");
                if (store.Runs.TryGetValue(seen.RunId, out var first)) return ApiResults.Json(Wire.Run(first));
            }

            int? version = null;
            string trigger;
            if (deploymentId is not null)
            {
                var deployment = Lookups.Deployment(store, caller.ProjectId, deploymentId);
                if (deployment.Status != "active")
                    throw new ApiException(StatusCodes.Status409Conflict, "DEPLOYMENT_NOT_ACTIVE",
                        $"Deployment '{deployment.Id}' is {deployment.Status}; only an active deployment accepts runs.");
                workflowId = deployment.WorkflowId;
                version = deployment.LiveVersion;
                trigger = "manual";
            }
            else
            {
                Lookups.Workflow(store, caller.ProjectId, workflowId!);
                trigger = "test";
            }
            if (conversationId is not null)
            {
                var conversation = Lookups.Conversation(store, caller.ProjectId, conversationId);
                conversation.UpdatedAt = DateTimeOffset.UtcNow;
                store.Save(conversation);
            }

            run = new RunEntity
            {
                Id = DataStore.NewId(), ProjectId = caller.ProjectId, WorkflowId = workflowId!, DeploymentId = deploymentId,
                ConversationId = conversationId, Version = version, Status = RunStatus.Pending, Trigger = trigger,
                InputData = input ?? new JsonObject(), Config = config, CreatedAt = DateTimeOffset.UtcNow, Sequence = store.NextSequence(),
            };
            host.PrepareEventLog(run);
            store.AddRun(run);
            store.Save(run);
            if (idempotencyKey.Length > 0)
            {
                var record = new IdempotencyEntity
                {
                    Id = DataStore.IdempotencyId(caller.ProjectId, idempotencyKey), ProjectId = caller.ProjectId, Key = idempotencyKey,
                    BodyHash = bodyHash, RunId = run.Id, CreatedAt = DateTimeOffset.UtcNow,
                };
                store.IdempotencyKeys[record.Id] = record;
                store.Save(record);
            }
        }
        host.Dispatch(run.Id);
        lock (store.Gate)
        {
            context.Response.Headers.Location = $"/v1/runs/{run.Id}";
            return ApiResults.Json(Wire.Run(run), StatusCodes.Status201Created);
        }
    }

    private static IResult List(HttpContext context, DataStore store)
    {
        var caller = ApiKeyMiddleware.GetCaller(context);
        var paging = Paging.From(context.Request);
        var query = context.Request.Query;
        string? workflowId = Filter(query, "workflow_id"), deploymentId = Filter(query, "deployment_id"),
            conversationId = Filter(query, "conversation_id"), status = Filter(query, "status");
        if (status is not null && !RunStatus.All.Contains(status))
            throw new RequestValidationException([new FieldProblem(["query", "status"], $"Input should be one of: {string.Join(", ", RunStatus.All)}", "enum")]);
        lock (store.Gate)
        {
            var candidates = store.RunIndex.Candidates(caller.ProjectId, workflowId, deploymentId, conversationId);
            // The index list already holds exactly the matches when at most one id filter (the one it is keyed by)
            // and no status are given: the page is read by position.
            var idFilters = (workflowId is null ? 0 : 1) + (deploymentId is null ? 0 : 1) + (conversationId is null ? 0 : 1);
            if (status is null && idFilters <= 1)
                return ApiResults.Page(NewestFirst(candidates, paging.Offset, paging.Limit).Select(Wire.Run), candidates.Count, paging.Limit, paging.Offset);

            var total = 0;
            var page = new List<RunEntity>();
            for (var i = candidates.Count - 1; i >= 0; i--)
            {
                var run = candidates[i];
                if (workflowId is not null && !Same(run.WorkflowId, workflowId)) continue;
                if (deploymentId is not null && !Same(run.DeploymentId, deploymentId)) continue;
                if (conversationId is not null && !Same(run.ConversationId, conversationId)) continue;
                if (status is not null && run.Status != status) continue;
                if (total >= paging.Offset && page.Count < paging.Limit) page.Add(run);
                total++;
            }
            return ApiResults.Page(page.Select(Wire.Run), total, paging.Limit, paging.Offset);
        }
    }

    /// <summary>Up to <paramref name="limit"/> runs of an oldest-first list, newest first, skipping <paramref name="offset"/>.</summary>
    private static IEnumerable<RunEntity> NewestFirst(IReadOnlyList<RunEntity> oldestFirst, int offset, int limit)
    {
        for (long i = oldestFirst.Count - 1L - offset, taken = 0; i >= 0 && taken < limit; i--, taken++)
            yield return oldestFirst[(int)i];
    }

    private static IResult Get(HttpContext context, string run_id, DataStore store)
    {
        var caller = ApiKeyMiddleware.GetCaller(context);
        lock (store.Gate) return ApiResults.Json(Wire.Run(Lookups.Run(store, caller.ProjectId, run_id)));
    }

    private static IResult Executions(HttpContext context, string run_id, DataStore store)
    {
        var caller = ApiKeyMiddleware.GetCaller(context);
        var paging = Paging.From(context.Request);
        lock (store.Gate)
        {
            var run = Lookups.Run(store, caller.ProjectId, run_id);
            // Execution order (oldest first) reads like the run itself; the envelope is the usual one.
            var steps = store.StepsByRun.GetValueOrDefault(run.Id) ?? [];
            return paging.Answer(steps, Wire.Execution);
        }
    }

    private static IResult Tree(HttpContext context, string run_id, DataStore store)
    {
        var caller = ApiKeyMiddleware.GetCaller(context);
        lock (store.Gate)
        {
            var run = Lookups.Run(store, caller.ProjectId, run_id);
            return ApiResults.Json(RunNode(run, store, depth: 0));
        }
    }

    private static IResult Cancel(HttpContext context, string run_id, DataStore store, RunHost host)
    {
        var caller = ApiKeyMiddleware.GetCaller(context);
        lock (store.Gate) Lookups.Run(store, caller.ProjectId, run_id);
        if (!host.TryCancel(run_id))
        {
            lock (store.Gate)
            {
                var finished = store.Runs[run_id];
                throw new ApiException(StatusCodes.Status409Conflict, "RUN_ALREADY_FINISHED",
                    $"Run '{run_id}' already finished with status '{finished.Status}'.", new JsonObject { ["status"] = finished.Status });
            }
        }
        lock (store.Gate) return ApiResults.Json(Wire.Run(store.Runs[run_id]));
    }

    private static IResult Summary(HttpContext context, DataStore store)
    {
        var caller = ApiKeyMiddleware.GetCaller(context);
        var query = context.Request.Query;
        var window = Filter(query, "window") ?? "30d";
        var match = WindowPattern().Match(window);
        if (!match.Success)
            throw new RequestValidationException([new FieldProblem(["query", "window"], "A window is a whole number and a unit: s, m, h or d (e.g. 24h, 30d)", "value_error")]);
        var amount = int.Parse(match.Groups[1].Value);
        var span = match.Groups[2].Value switch
        {
            "s" => TimeSpan.FromSeconds(amount),
            "m" => TimeSpan.FromMinutes(amount),
            "h" => TimeSpan.FromHours(amount),
            _ => TimeSpan.FromDays(amount),
        };
        string? workflowId = Filter(query, "workflow_id"), deploymentId = Filter(query, "deployment_id");
        var since = DateTimeOffset.UtcNow - span;
        var byStatus = RunStatus.All.ToDictionary(s => s, _ => 0);
        var durations = new List<long>();
        long tokens = 0;
        var total = 0;
        lock (store.Gate)
        {
            foreach (var run in store.RunOrder)
            {
                if (run.ProjectId != caller.ProjectId || run.ParentRunId is not null || run.CreatedAt < since) continue;
                if (workflowId is not null && !Same(run.WorkflowId, workflowId)) continue;
                if (deploymentId is not null && !Same(run.DeploymentId, deploymentId)) continue;
                total++;
                byStatus[run.Status] = byStatus.GetValueOrDefault(run.Status) + 1;
                tokens += run.TotalTokens;
                if (RunStatus.IsTerminal(run.Status) && run.DurationMs is { } ms) durations.Add(ms);
            }
        }
        var finished = byStatus[RunStatus.Completed] + byStatus[RunStatus.Failed] + byStatus[RunStatus.Cancelled];
        durations.Sort();
        var statusCounts = new JsonObject();
        foreach (var (status, count) in byStatus) statusCounts[status] = count;
        return ApiResults.Json(new JsonObject
        {
            ["window"] = window,
            ["total"] = total,
            ["by_status"] = statusCounts,
            ["success_rate"] = finished == 0 ? null : Math.Round((double)byStatus[RunStatus.Completed] / finished, 4),
            ["total_tokens"] = tokens,
            ["latency_ms"] = new JsonObject
            {
                ["avg"] = durations.Count == 0 ? null : Math.Round(durations.Average(), 1),
                // Nearest-rank p95.
                ["p95"] = durations.Count == 0 ? null : durations[Math.Max(0, (int)Math.Ceiling(durations.Count * 0.95) - 1)],
            },
        });
    }

    /// <summary>A run as a tree node: its steps nest by parent step, and a step that ran a sub-workflow holds that run.</summary>
    private static JsonObject RunNode(RunEntity run, DataStore store, int depth)
    {
        var workflow = store.Workflows.GetValueOrDefault(run.WorkflowId);
        var steps = store.StepsByRun.GetValueOrDefault(run.Id) ?? [];
        var children = new JsonArray();
        foreach (var step in steps.Where(s => s.ParentStepId is null)) children.Add(StepNode(step, steps, store, depth));
        return new JsonObject
        {
            ["id"] = run.Id,
            ["kind"] = "run",
            ["name"] = workflow?.Name ?? run.WorkflowId,
            ["type"] = workflow?.Type ?? "workflow",
            ["workflow_id"] = run.WorkflowId,
            ["version"] = run.Version,
            ["status"] = run.Status,
            ["failed"] = run.Status == RunStatus.Failed,
            ["started_at"] = ApiResults.Timestamp(run.StartedAt),
            ["duration_ms"] = run.DurationMs,
            ["tokens"] = run.TotalTokens,
            ["input"] = run.InputData?.DeepClone(),
            ["output"] = run.Output?.DeepClone(),
            ["error"] = run.Error,
            ["children"] = children,
        };
    }

    private static JsonObject StepNode(StepEntity step, List<StepEntity> steps, DataStore store, int depth)
    {
        var node = Wire.Execution(step);
        node["failed"] = step.Status == "failed";
        if (step.Kind == "tool_call")
        {
            node["args"] = step.Input?.DeepClone();
            node["result"] = step.Output?.DeepClone();
        }
        var children = new JsonArray();
        foreach (var child in steps.Where(s => s.ParentStepId == step.Id)) children.Add(StepNode(child, steps, store, depth));
        // Depth guard: a workflow that calls itself must not make the tree endless.
        if (step.ChildRunId is { } childRunId && depth < 64 && store.Runs.TryGetValue(childRunId, out var childRun))
            children.Add(RunNode(childRun, store, depth + 1));
        node["children"] = children;
        return node;
    }

    private static string? Filter(IQueryCollection query, string name)
    {
        var value = query[name].ToString().Trim();
        return value.Length == 0 ? null : value;
    }

    private static bool Same(string? a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);

    [GeneratedRegex("^([0-9]{1,6})([smhd])$")]
    private static partial Regex WindowPattern();
}
