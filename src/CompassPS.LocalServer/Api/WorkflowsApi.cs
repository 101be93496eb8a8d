using System.Text.Json;
using System.Text.Json.Nodes;
using CompassPS.LocalServer.Auth;
using CompassPS.LocalServer.Engine;
using CompassPS.LocalServer.Hosting;
using CompassPS.LocalServer.Store;

namespace CompassPS.LocalServer.Api;

/// <summary>Workflows (and agents, which are workflows of type agent): CRUD, validate, deploy, versions.</summary>
public static class WorkflowsApi
{
    private static readonly string[] WorkflowTypes = ["workflow", "agent"];

    public static void Map(RouteGroupBuilder v1)
    {
        v1.MapGet("/workflows", List).WithSummary("List workflows and agents (filters: type, name)");
        v1.MapPost("/workflows", CreateAsync).WithSummary("Create a workflow or agent");
        v1.MapGet("/workflows/{workflow_id}", Get).WithSummary("Read a workflow");
        v1.MapPatch("/workflows/{workflow_id}", UpdateAsync).WithSummary("Update a workflow's draft or metadata");
        v1.MapDelete("/workflows/{workflow_id}", Delete).WithSummary("Delete a workflow, its versions and its deployment");
        v1.MapPost("/workflows/{workflow_id}/validate", ValidateAsync).WithSummary("Validate the draft (or a given definition)");
        v1.MapPost("/workflows/{workflow_id}/deploy", Deploy).WithSummary("Freeze the draft into the next version and make it live");
        v1.MapGet("/workflows/{workflow_id}/versions", Versions).WithSummary("Version history, newest first");
    }

    /// <summary>The live versions of the workflows a definition calls, as a deploy freezes them.</summary>
    public static Dictionary<string, int> PinDependencies(DataStore store, IWorkflowEngine engine, string projectId, string definition)
    {
        var pins = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        foreach (var dependency in engine.GetDependencies(definition))
        {
            if (store.Workflows.TryGetValue(dependency, out var called) && called.ProjectId == projectId
                && called.DeploymentId is { } deploymentId && store.Deployments.TryGetValue(deploymentId, out var deployment))
                pins[called.Id] = deployment.LiveVersion;
        }
        return pins;
    }

    private static IResult List(HttpContext context, DataStore store)
    {
        var caller = ApiKeyMiddleware.GetCaller(context);
        var paging = Paging.From(context.Request);
        var type = context.Request.Query["type"].ToString();
        var name = context.Request.Query["name"].ToString();
        if (type.Length > 0 && !WorkflowTypes.Contains(type))
            throw new RequestValidationException([new FieldProblem(["query", "type"], "Input should be 'workflow' or 'agent'", "enum")]);
        lock (store.Gate)
        {
            var matches = store.Workflows.Values
                .Where(w => w.ProjectId == caller.ProjectId)
                .Where(w => type.Length == 0 || w.Type == type)
                .Where(w => name.Length == 0 || string.Equals(w.Name, name, StringComparison.OrdinalIgnoreCase))
                .OrderByDescending(w => w.Sequence)
                .ToList();
            return paging.Answer(matches, Wire.Workflow);
        }
    }

    private static async Task<IResult> CreateAsync(HttpContext context, DataStore store, RunHost host)
    {
        var caller = ApiKeyMiddleware.GetCaller(context);
        var body = await RequestBody.ReadAsync(context);
        var name = body.String("name", required: true);
        var description = body.String("description") ?? "";
        var type = body.String("type", allowed: WorkflowTypes) ?? "workflow";
        var definition = DefinitionText(body, required: true, host.Engine);
        body.ThrowIfProblems();
        var now = DateTimeOffset.UtcNow;
        var workflow = new WorkflowEntity
        {
            Id = DataStore.NewId(), ProjectId = caller.ProjectId, Name = name!.Trim(), Description = description, Type = type,
            Definition = definition!, CreatedAt = now, UpdatedAt = now, Sequence = store.NextSequence(),
        };
        lock (store.Gate)
        {
            store.Workflows[workflow.Id] = workflow;
            store.Save(workflow);
            context.Response.Headers.Location = $"/v1/workflows/{workflow.Id}";
            return ApiResults.Json(Wire.Workflow(workflow), StatusCodes.Status201Created);
        }
    }

    private static IResult Get(HttpContext context, string workflow_id, DataStore store)
    {
        var caller = ApiKeyMiddleware.GetCaller(context);
        lock (store.Gate) return ApiResults.Json(Wire.Workflow(Lookups.Workflow(store, caller.ProjectId, workflow_id)));
    }

    private static async Task<IResult> UpdateAsync(HttpContext context, string workflow_id, DataStore store, RunHost host)
    {
        var caller = ApiKeyMiddleware.GetCaller(context);
        var body = await RequestBody.ReadAsync(context);
        var name = body.Has("name") ? body.String("name", required: true) : null;
        var description = body.String("description");
        var type = body.String("type", allowed: WorkflowTypes);
        var definition = body.Has("definition") ? DefinitionText(body, required: true, host.Engine) : null;
        body.ThrowIfProblems();
        lock (store.Gate)
        {
            var workflow = Lookups.Workflow(store, caller.ProjectId, workflow_id);
            if (name is not null) workflow.Name = name.Trim();
            if (description is not null) workflow.Description = description;
            if (type is not null) workflow.Type = type;
            if (definition is not null) workflow.Definition = definition;
            workflow.UpdatedAt = DateTimeOffset.UtcNow;
            store.Save(workflow);
            return ApiResults.Json(Wire.Workflow(workflow));
        }
    }

    private static IResult Delete(HttpContext context, string workflow_id, DataStore store)
    {
        var caller = ApiKeyMiddleware.GetCaller(context);
        lock (store.Gate)
        {
            var workflow = Lookups.Workflow(store, caller.ProjectId, workflow_id);
            store.Workflows.Remove(workflow.Id);
            store.Delete("workflow", workflow.Id);
            foreach (var version in store.VersionsByWorkflow.GetValueOrDefault(workflow.Id) ?? []) store.Delete("version", version.Id);
            store.VersionsByWorkflow.Remove(workflow.Id);
            if (workflow.DeploymentId is { } deploymentId && store.Deployments.Remove(deploymentId)) store.Delete("deployment", deploymentId);
            // Runs stay: their history outlives the workflow.
            return Results.NoContent();
        }
    }

    private static async Task<IResult> ValidateAsync(HttpContext context, string workflow_id, DataStore store, RunHost host)
    {
        var caller = ApiKeyMiddleware.GetCaller(context);
        var body = await RequestBody.ReadAsync(context, allowEmpty: true);
        var given = body.Has("definition") ? DefinitionText(body, required: true) : null;
        body.ThrowIfProblems();
        string definition, type;
        lock (store.Gate)
        {
            var workflow = Lookups.Workflow(store, caller.ProjectId, workflow_id);
            definition = given ?? workflow.Definition;
            type = workflow.Type;
        }
        return ApiResults.Json(ValidationBody(host.Engine.Validate(definition, type, caller.ProjectId, host.Catalog)));
    }

    private static IResult Deploy(HttpContext context, string workflow_id, DataStore store, RunHost host)
    {
        var caller = ApiKeyMiddleware.GetCaller(context);
        string definition, type;
        lock (store.Gate)
        {
            var workflow = Lookups.Workflow(store, caller.ProjectId, workflow_id);
            definition = workflow.Definition;
            type = workflow.Type;
        }
        var validation = host.Engine.Validate(definition, type, caller.ProjectId, host.Catalog);
        if (!validation.Valid || validation.Errors.Count > 0)
        {
            throw new ApiException(StatusCodes.Status409Conflict, "WORKFLOW_INVALID",
                $"The workflow has {validation.Errors.Count} validation error(s); fix them before deploying.", ValidationBody(validation));
        }
        lock (store.Gate)
        {
            var workflow = Lookups.Workflow(store, caller.ProjectId, workflow_id);
            var now = DateTimeOffset.UtcNow;
            var versions = store.VersionsByWorkflow.TryGetValue(workflow.Id, out var list) ? list : store.VersionsByWorkflow[workflow.Id] = [];
            var number = versions.Count == 0 ? 1 : versions[^1].Version + 1;
            var version = new WorkflowVersionEntity
            {
                Id = $"{workflow.Id}:{number}", WorkflowId = workflow.Id, ProjectId = workflow.ProjectId, Version = number,
                Definition = workflow.Definition, PinnedVersions = PinDependencies(store, host.Engine, workflow.ProjectId, workflow.Definition),
                CreatedAt = now,
            };
            versions.Add(version);
            store.Save(version);

            if (workflow.DeploymentId is not { } deploymentId || !store.Deployments.TryGetValue(deploymentId, out var deployment))
            {
                deployment = new DeploymentEntity
                {
                    Id = DataStore.NewId(), ProjectId = workflow.ProjectId, WorkflowId = workflow.Id, Name = workflow.Name,
                    CreatedAt = now, Sequence = store.NextSequence(),
                };
                store.Deployments[deployment.Id] = deployment;
                workflow.DeploymentId = deployment.Id;
            }
            deployment.LiveVersion = number;
            // Deploying again brings an archived deployment back; a paused one stays paused until resumed.
            if (deployment.Status == "archived") deployment.Status = "active";
            deployment.UpdatedAt = now;
            store.Save(deployment);
            workflow.LatestVersion = number;
            workflow.UpdatedAt = now;
            store.Save(workflow);
            var answer = Wire.Deployment(deployment, store);
            answer["deployment_id"] = deployment.Id;
            answer["version"] = number;
            return ApiResults.Json(answer);
        }
    }

    private static IResult Versions(HttpContext context, string workflow_id, DataStore store)
    {
        var caller = ApiKeyMiddleware.GetCaller(context);
        var paging = Paging.From(context.Request);
        lock (store.Gate)
        {
            var workflow = Lookups.Workflow(store, caller.ProjectId, workflow_id);
            int? live = workflow.DeploymentId is { } id && store.Deployments.TryGetValue(id, out var deployment) ? deployment.LiveVersion : null;
            var versions = (store.VersionsByWorkflow.GetValueOrDefault(workflow.Id) ?? []).AsEnumerable().Reverse().ToList();
            return paging.Answer(versions, v => Wire.Version(v, live));
        }
    }

    public static JsonObject ValidationBody(ValidationResult result)
    {
        static JsonArray Issues(IEnumerable<ValidationIssue> issues) =>
            new(issues.Select(i => (JsonNode)new JsonObject { ["code"] = i.Code, ["message"] = i.Message, ["node_id"] = i.NodeId }).ToArray());
        return new JsonObject { ["valid"] = result.Valid, ["errors"] = Issues(result.Errors), ["warnings"] = Issues(result.Warnings) };
    }

    /// <summary>
    /// A definition arrives as YAML or JSON text; a JSON object is accepted too and kept as its text. With
    /// <paramref name="engine"/>, a text past the engine's cost bounds (length, nesting, alias expansion) is a
    /// problem (422, its validation code as the type) and is never stored: every later parse of it would pay the cost.
    /// A draft may otherwise be invalid: validate and deploy report that.
    /// </summary>
    private static string? DefinitionText(RequestBody body, bool required, IWorkflowEngine? engine = null)
    {
        if (!body.Fields.TryGetPropertyValue("definition", out var node) || node is null)
        {
            if (required) body.Add("definition", "Field required", "missing");
            return null;
        }
        var text = node.GetValueKind() == JsonValueKind.Object
            ? node.ToJsonString(new JsonSerializerOptions { WriteIndented = true })
            : body.String("definition", required: true);
        if (text is not null && engine?.CheckBounds(text) is { } tooCostly)
        {
            body.Add("definition", tooCostly.Message, tooCostly.Code);
            return null;
        }
        return text;
    }
}
