using CompassPS.LocalServer.Auth;
using CompassPS.LocalServer.Store;

namespace CompassPS.LocalServer.Api;

/// <summary>Deployments: the movable pointer to a workflow's live version.</summary>
public static class DeploymentsApi
{
    private static readonly string[] Statuses = ["active", "paused", "archived"];

    public static void Map(RouteGroupBuilder v1)
    {
        v1.MapGet("/deployments", List).WithSummary("List deployments (filters: workflow_id, status)");
        v1.MapGet("/deployments/{deployment_id}", Get).WithSummary("Read a deployment with its run statistics");
        v1.MapPatch("/deployments/{deployment_id}", UpdateAsync).WithSummary("Pause, resume or archive a deployment, or promote a version");
    }

    private static IResult List(HttpContext context, DataStore store)
    {
        var caller = ApiKeyMiddleware.GetCaller(context);
        var paging = Paging.From(context.Request);
        var workflowId = context.Request.Query["workflow_id"].ToString();
        var status = context.Request.Query["status"].ToString();
        if (status.Length > 0 && !Statuses.Contains(status))
            throw new RequestValidationException([new FieldProblem(["query", "status"], "Input should be 'active', 'paused' or 'archived'", "enum")]);
        lock (store.Gate)
        {
            var matches = store.Deployments.Values
                .Where(d => d.ProjectId == caller.ProjectId)
                .Where(d => workflowId.Length == 0 || string.Equals(d.WorkflowId, workflowId, StringComparison.OrdinalIgnoreCase))
                .Where(d => status.Length == 0 || d.Status == status)
                .OrderByDescending(d => d.Sequence)
                .ToList();
            return paging.Answer(matches, d => Wire.Deployment(d, store));
        }
    }

    private static IResult Get(HttpContext context, string deployment_id, DataStore store)
    {
        var caller = ApiKeyMiddleware.GetCaller(context);
        lock (store.Gate) return ApiResults.Json(Wire.Deployment(Lookups.Deployment(store, caller.ProjectId, deployment_id), store));
    }

    private static async Task<IResult> UpdateAsync(HttpContext context, string deployment_id, DataStore store)
    {
        var caller = ApiKeyMiddleware.GetCaller(context);
        var body = await RequestBody.ReadAsync(context);
        var status = body.String("status", allowed: Statuses);
        var liveVersion = body.Integer("live_version");
        if (!body.Has("status") && !body.Has("live_version")) body.Add("status", "Give status or live_version", "missing");
        body.ThrowIfProblems();
        lock (store.Gate)
        {
            var deployment = Lookups.Deployment(store, caller.ProjectId, deployment_id);
            if (liveVersion is { } version)
            {
                if (store.VersionsByWorkflow.GetValueOrDefault(deployment.WorkflowId)?.Any(v => v.Version == version) != true)
                    throw new RequestValidationException([new FieldProblem(["body", "live_version"], $"Workflow has no version {version}", "value_error")]);
                deployment.LiveVersion = version;
            }
            if (status is not null) deployment.Status = status;
            deployment.UpdatedAt = DateTimeOffset.UtcNow;
            store.Save(deployment);
            return ApiResults.Json(Wire.Deployment(deployment, store));
        }
    }
}
