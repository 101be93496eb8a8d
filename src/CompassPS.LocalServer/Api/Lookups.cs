using CompassPS.LocalServer.Store;

namespace CompassPS.LocalServer.Api;

/// <summary>Finds a project's objects by id; an object of another project is "not found", never "forbidden".</summary>
public static class Lookups
{
    public static RunEntity Run(DataStore store, string projectId, string id) =>
        store.Runs.TryGetValue(id, out var run) && run.ProjectId == projectId ? run : throw NotFound("RUN_NOT_FOUND", "Run", id);

    public static WorkflowEntity Workflow(DataStore store, string projectId, string id) =>
        store.Workflows.TryGetValue(id, out var workflow) && workflow.ProjectId == projectId ? workflow : throw NotFound("WORKFLOW_NOT_FOUND", "Workflow", id);

    public static DeploymentEntity Deployment(DataStore store, string projectId, string id) =>
        store.Deployments.TryGetValue(id, out var deployment) && deployment.ProjectId == projectId ? deployment : throw NotFound("DEPLOYMENT_NOT_FOUND", "Deployment", id);

    public static ConversationEntity Conversation(DataStore store, string projectId, string id) =>
        store.Conversations.TryGetValue(id, out var conversation) && conversation.ProjectId == projectId ? conversation : throw NotFound("CONVERSATION_NOT_FOUND", "Conversation", id);

    public static ApprovalEntity Approval(DataStore store, string projectId, string id) =>
        store.Approvals.TryGetValue(id, out var approval) && approval.ProjectId == projectId ? approval : throw NotFound("APPROVAL_NOT_FOUND", "Approval", id);

    public static ApiException NotFound(string code, string what, string id) =>
        new(StatusCodes.Status404NotFound, code, $"{what} '{id}' was not found.");
}
