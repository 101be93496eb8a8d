using System.Text.Json.Nodes;
using CompassPS.LocalServer.Store;

namespace CompassPS.LocalServer.Api;

/// <summary>
/// Builds the wire shapes of /work/shared/reference/wire.md from stored objects. Callers hold the store's lock,
/// because some shapes (deployment statistics, run counts) are computed from other objects.
/// </summary>
public static class Wire
{
    public static JsonObject Run(RunEntity run) => new()
    {
        ["id"] = run.Id,
        ["workflow_id"] = run.WorkflowId,
        ["deployment_id"] = run.DeploymentId,
        ["conversation_id"] = run.ConversationId,
        ["parent_run_id"] = run.ParentRunId,
        ["version"] = run.Version,
        ["status"] = run.Status,
        ["trigger"] = run.Trigger,
        ["input_data"] = run.InputData?.DeepClone(),
        ["output"] = run.Output?.DeepClone(),
        ["error"] = run.Error,
        ["total_tokens"] = run.TotalTokens,
        ["duration_ms"] = run.DurationMs,
        ["step_count"] = run.StepCount,
        ["created_at"] = ApiResults.Timestamp(run.CreatedAt),
        ["started_at"] = ApiResults.Timestamp(run.StartedAt),
        ["completed_at"] = ApiResults.Timestamp(run.CompletedAt),
    };

    /// <summary>One per-node (or per-tool-call) execution record of GET /v1/runs/{id}/executions.</summary>
    public static JsonObject Execution(StepEntity step) => new()
    {
        ["id"] = step.Id,
        ["run_id"] = step.RunId,
        ["kind"] = step.Kind,
        ["node_id"] = step.NodeId,
        ["name"] = step.Name,
        ["type"] = step.Type,
        ["status"] = step.Status,
        ["parent_step_id"] = step.ParentStepId,
        ["child_run_id"] = step.ChildRunId,
        ["started_at"] = ApiResults.Timestamp(step.StartedAt),
        ["finished_at"] = ApiResults.Timestamp(step.FinishedAt),
        ["duration_ms"] = step.DurationMs,
        ["tokens"] = step.Tokens,
        ["model"] = step.Model,
        ["input"] = step.Input?.DeepClone(),
        ["output"] = step.Output?.DeepClone(),
        ["error"] = step.Error,
    };

    public static JsonObject Workflow(WorkflowEntity workflow) => new()
    {
        ["id"] = workflow.Id,
        ["name"] = workflow.Name,
        ["description"] = workflow.Description,
        ["type"] = workflow.Type,
        ["definition"] = workflow.Definition,
        ["latest_version"] = workflow.LatestVersion,
        ["deployment_id"] = workflow.DeploymentId,
        ["created_at"] = ApiResults.Timestamp(workflow.CreatedAt),
        ["updated_at"] = ApiResults.Timestamp(workflow.UpdatedAt),
    };

    public static JsonObject Version(WorkflowVersionEntity version, int? liveVersion)
    {
        var pinned = new JsonObject();
        foreach (var (workflowId, pinnedVersion) in version.PinnedVersions) pinned[workflowId] = pinnedVersion;
        return new JsonObject
        {
            ["workflow_id"] = version.WorkflowId,
            ["version"] = version.Version,
            ["created_at"] = ApiResults.Timestamp(version.CreatedAt),
            ["is_live"] = liveVersion == version.Version,
            ["pinned_versions"] = pinned,
            ["definition"] = version.Definition,
        };
    }

    public static JsonObject Deployment(DeploymentEntity deployment, DataStore store)
    {
        var since = DateTimeOffset.UtcNow.AddHours(-24);
        int recent = 0, finished = 0, succeeded = 0;
        DateTimeOffset? lastRun = null;
        foreach (var run in store.RunOrder)
        {
            if (run.DeploymentId != deployment.Id || run.ParentRunId is not null) continue;
            lastRun = run.CreatedAt;
            if (run.CreatedAt < since) continue;
            recent++;
            if (!RunStatus.IsTerminal(run.Status)) continue;
            finished++;
            if (run.Status == RunStatus.Completed) succeeded++;
        }
        return new JsonObject
        {
            ["id"] = deployment.Id,
            ["workflow_id"] = deployment.WorkflowId,
            ["name"] = deployment.Name,
            ["status"] = deployment.Status,
            ["live_version"] = deployment.LiveVersion,
            ["environment"] = deployment.Environment,
            ["runs_24h"] = recent,
            // Over the finished runs of the last 24 hours; null when there are none.
            ["success_rate"] = finished == 0 ? null : Math.Round((double)succeeded / finished, 4),
            ["last_run_at"] = ApiResults.Timestamp(lastRun),
            ["created_at"] = ApiResults.Timestamp(deployment.CreatedAt),
            ["updated_at"] = ApiResults.Timestamp(deployment.UpdatedAt),
        };
    }

    public static JsonObject Conversation(ConversationEntity conversation, DataStore store) => new()
    {
        ["id"] = conversation.Id,
        ["title"] = conversation.Title,
        ["workflow_id"] = conversation.WorkflowId,
        ["deployment_id"] = conversation.DeploymentId,
        ["run_count"] = store.RunOrder.Count(r => r.ConversationId == conversation.Id && r.ParentRunId is null),
        ["created_at"] = ApiResults.Timestamp(conversation.CreatedAt),
        ["updated_at"] = ApiResults.Timestamp(conversation.UpdatedAt),
    };

    /// <summary>A connection as any key may read it: configuration yes, credentials never (only whether there are some).</summary>
    public static JsonObject Connection(ConnectionEntity connection) => new()
    {
        ["id"] = connection.Id,
        ["name"] = connection.Name,
        ["kind"] = connection.Kind,
        ["type"] = connection.Type,
        ["configuration"] = connection.Configuration.DeepClone(),
        ["has_credentials"] = !string.IsNullOrEmpty(connection.EncryptedCredentials),
        ["status"] = connection.Status,
        ["default_model"] = connection.DefaultModel,
        ["created_at"] = ApiResults.Timestamp(connection.CreatedAt),
        ["updated_at"] = ApiResults.Timestamp(connection.UpdatedAt),
    };

    public static JsonObject Approval(ApprovalEntity approval) => new()
    {
        ["id"] = approval.Id,
        ["run_id"] = approval.RunId,
        ["node_id"] = approval.NodeId,
        ["tool"] = approval.Tool,
        ["args"] = approval.Args?.DeepClone(),
        ["status"] = approval.Status,
        ["comment"] = approval.Comment,
        ["created_at"] = ApiResults.Timestamp(approval.CreatedAt),
        ["decided_at"] = ApiResults.Timestamp(approval.DecidedAt),
    };
}
