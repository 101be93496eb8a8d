using CompassPS.LocalServer.Auth;
using CompassPS.LocalServer.Store;

namespace CompassPS.LocalServer.Api;

/// <summary>Conversations: a thread of runs; an agent with conversation_history sees its earlier turns.</summary>
public static class ConversationsApi
{
    public static void Map(RouteGroupBuilder v1)
    {
        v1.MapGet("/conversations", List).WithSummary("List conversations (filters: workflow_id, deployment_id)");
        v1.MapPost("/conversations", CreateAsync).WithSummary("Create a conversation for a workflow or deployment");
        v1.MapGet("/conversations/{conversation_id}", Get).WithSummary("Read a conversation");
        v1.MapPatch("/conversations/{conversation_id}", UpdateAsync).WithSummary("Rename a conversation");
        v1.MapDelete("/conversations/{conversation_id}", Delete).WithSummary("Delete a conversation (its runs stay)");
        v1.MapGet("/conversations/{conversation_id}/runs", Runs).WithSummary("The conversation's runs, newest first");
    }

    private static IResult List(HttpContext context, DataStore store)
    {
        var caller = ApiKeyMiddleware.GetCaller(context);
        var paging = Paging.From(context.Request);
        var workflowId = context.Request.Query["workflow_id"].ToString();
        var deploymentId = context.Request.Query["deployment_id"].ToString();
        lock (store.Gate)
        {
            var matches = store.Conversations.Values
                .Where(c => c.ProjectId == caller.ProjectId)
                .Where(c => workflowId.Length == 0 || string.Equals(c.WorkflowId, workflowId, StringComparison.OrdinalIgnoreCase))
                .Where(c => deploymentId.Length == 0 || string.Equals(c.DeploymentId, deploymentId, StringComparison.OrdinalIgnoreCase))
                .OrderByDescending(c => c.Sequence)
                .ToList();
            return paging.Answer(matches, c => Wire.Conversation(c, store));
        }
    }

    private static async Task<IResult> CreateAsync(HttpContext context, DataStore store)
    {
        var caller = ApiKeyMiddleware.GetCaller(context);
        var body = await RequestBody.ReadAsync(context);
        var title = body.String("title") ?? "New conversation";
        var workflowId = body.String("workflow_id");
        var deploymentId = body.String("deployment_id");
        if (workflowId is null && deploymentId is null) body.Add("workflow_id", "Give workflow_id or deployment_id", "missing");
        body.ThrowIfProblems();
        lock (store.Gate)
        {
            if (deploymentId is not null)
            {
                var deployment = Lookups.Deployment(store, caller.ProjectId, deploymentId);
                if (workflowId is not null && !string.Equals(workflowId, deployment.WorkflowId, StringComparison.OrdinalIgnoreCase))
                    throw new RequestValidationException([new FieldProblem(["body", "workflow_id"], "The deployment belongs to another workflow", "value_error")]);
                workflowId = deployment.WorkflowId;
            }
            else
            {
                Lookups.Workflow(store, caller.ProjectId, workflowId!);
            }
            var now = DateTimeOffset.UtcNow;
            var conversation = new ConversationEntity
            {
                Id = DataStore.NewId(), ProjectId = caller.ProjectId, Title = title, WorkflowId = workflowId, DeploymentId = deploymentId,
                CreatedAt = now, UpdatedAt = now, Sequence = store.NextSequence(),
            };
            store.Conversations[conversation.Id] = conversation;
            store.Save(conversation);
            context.Response.Headers.Location = $"/v1/conversations/{conversation.Id}";
            return ApiResults.Json(Wire.Conversation(conversation, store), StatusCodes.Status201Created);
        }
    }

    private static IResult Get(HttpContext context, string conversation_id, DataStore store)
    {
        var caller = ApiKeyMiddleware.GetCaller(context);
        lock (store.Gate) return ApiResults.Json(Wire.Conversation(Lookups.Conversation(store, caller.ProjectId, conversation_id), store));
    }

    private static async Task<IResult> UpdateAsync(HttpContext context, string conversation_id, DataStore store)
    {
        var caller = ApiKeyMiddleware.GetCaller(context);
        var body = await RequestBody.ReadAsync(context);
        var title = body.String("title", required: true);
        body.ThrowIfProblems();
        lock (store.Gate)
        {
            var conversation = Lookups.Conversation(store, caller.ProjectId, conversation_id);
            conversation.Title = title!;
            conversation.UpdatedAt = DateTimeOffset.UtcNow;
            store.Save(conversation);
            return ApiResults.Json(Wire.Conversation(conversation, store));
        }
    }

    private static IResult Delete(HttpContext context, string conversation_id, DataStore store)
    {
        var caller = ApiKeyMiddleware.GetCaller(context);
        lock (store.Gate)
        {
            var conversation = Lookups.Conversation(store, caller.ProjectId, conversation_id);
            store.Conversations.Remove(conversation.Id);
            store.Delete("conversation", conversation.Id);
            return Results.NoContent();
        }
    }

    private static IResult Runs(HttpContext context, string conversation_id, DataStore store)
    {
        var caller = ApiKeyMiddleware.GetCaller(context);
        var paging = Paging.From(context.Request);
        lock (store.Gate)
        {
            var conversation = Lookups.Conversation(store, caller.ProjectId, conversation_id);
            var runs = store.RunOrder.Where(r => r.ConversationId == conversation.Id && r.ParentRunId is null).Reverse().ToList();
            return paging.Answer(runs, Wire.Run);
        }
    }
}
