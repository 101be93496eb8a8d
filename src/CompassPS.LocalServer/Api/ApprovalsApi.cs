using CompassPS.LocalServer.Auth;
using CompassPS.LocalServer.Hosting;
using CompassPS.LocalServer.Store;

namespace CompassPS.LocalServer.Api;

/// <summary>Approvals: tool calls of agents with tools_require_approval wait here for a decision.</summary>
public static class ApprovalsApi
{
    private static readonly string[] Statuses = ["pending", "approved", "rejected"];

    public static void Map(RouteGroupBuilder v1)
    {
        v1.MapGet("/approvals", List).WithSummary("List approvals (filters: status, run_id)");
        v1.MapGet("/approvals/{approval_id}", Get).WithSummary("Read an approval");
        v1.MapPost("/approvals/{approval_id}/approve", (HttpContext c, string approval_id, RunHost host, DataStore store) => DecideAsync(c, approval_id, host, store, approve: true))
            .WithSummary("Approve the tool call; the run resumes");
        v1.MapPost("/approvals/{approval_id}/reject", (HttpContext c, string approval_id, RunHost host, DataStore store) => DecideAsync(c, approval_id, host, store, approve: false))
            .WithSummary("Reject the tool call; the agent is told, or the run fails");
    }

    private static IResult List(HttpContext context, DataStore store)
    {
        var caller = ApiKeyMiddleware.GetCaller(context);
        var paging = Paging.From(context.Request);
        var status = context.Request.Query["status"].ToString();
        var runId = context.Request.Query["run_id"].ToString();
        if (status.Length > 0 && !Statuses.Contains(status))
            throw new RequestValidationException([new FieldProblem(["query", "status"], "Input should be 'pending', 'approved' or 'rejected'", "enum")]);
        lock (store.Gate)
        {
            var matches = store.Approvals.Values
                .Where(a => a.ProjectId == caller.ProjectId)
                .Where(a => status.Length == 0 || a.Status == status)
                .Where(a => runId.Length == 0 || string.Equals(a.RunId, runId, StringComparison.OrdinalIgnoreCase))
                .OrderByDescending(a => a.Sequence)
                .ToList();
            return paging.Answer(matches, Wire.Approval);
        }
    }

    private static IResult Get(HttpContext context, string approval_id, DataStore store)
    {
        var caller = ApiKeyMiddleware.GetCaller(context);
        lock (store.Gate) return ApiResults.Json(Wire.Approval(Lookups.Approval(store, caller.ProjectId, approval_id)));
    }

    private static async Task<IResult> DecideAsync(HttpContext context, string approvalId, RunHost host, DataStore store, bool approve)
    {
        var caller = ApiKeyMiddleware.GetCaller(context);
        var body = await RequestBody.ReadAsync(context, allowEmpty: true);
        var comment = body.String("comment");
        body.ThrowIfProblems();
        var approval = host.Decide(approvalId, caller.ProjectId, approve, comment);
        lock (store.Gate) return ApiResults.Json(Wire.Approval(approval));
    }
}
