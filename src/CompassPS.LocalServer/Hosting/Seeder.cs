using CompassPS.LocalServer.Auth;
using CompassPS.LocalServer.Engine;
using CompassPS.LocalServer.Store;

namespace CompassPS.LocalServer.Hosting;

/// <summary>
/// The well-known objects of a fresh store, all in the default project (the second project starts empty): the
/// built-in local provider, and the demo workflows deployed as v1. Added once: a restart with --data keeps them.
/// </summary>
public static class Seeder
{
    // The well-known ids are the engine's (its seeded definitions refer to them).
    public const string LocalProviderId = SeedWorkflows.LocalProviderConnectionId;
    public const string DemoResearchWorkflowId = SeedWorkflows.DemoResearchId;
    public const string DemoResearchDeploymentId = SeedWorkflows.DemoResearchDeploymentId;
    public const string DemoLookupWorkflowId = SeedWorkflows.DemoLookupId;
    public const string DemoLookupDeploymentId = SeedWorkflows.DemoLookupDeploymentId;
    public const string LocalModel = SeedWorkflows.LocalModel;

    public static void SeedIfEmpty(DataStore store, IWorkflowEngine engine)
    {
        lock (store.Gate)
        {
            if (store.IsSeeded || store.Workflows.Count > 0 || store.Connections.Count > 0) return;
            var projectId = DevelopmentKeys.DefaultProject.Id;
            var now = DateTimeOffset.UtcNow;
            var provider = new ConnectionEntity
            {
                Id = LocalProviderId, ProjectId = projectId, Name = "local", Kind = "provider", Type = "local", Status = "connected",
                DefaultModel = LocalModel, CreatedAt = now, UpdatedAt = now, Sequence = store.NextSequence(),
            };
            store.Connections[provider.Id] = provider;
            store.Save(provider);

            // demo-lookup first: demo-research calls it, so its deploy pins lookup's v1.
            Deploy(store, engine, projectId, DemoLookupWorkflowId, DemoLookupDeploymentId, "demo-lookup",
                "Seeded demo: looks a topic up in a small built-in note book.", SeedWorkflows.DemoLookupDefinition, now);
            Deploy(store, engine, projectId, DemoResearchWorkflowId, DemoResearchDeploymentId, "demo-research",
                "Seeded demo: an agent on the local provider researches a topic, calling demo-lookup as a tool.", SeedWorkflows.DemoResearchDefinition, now);
            store.MarkSeeded();
        }
    }

    private static void Deploy(DataStore store, IWorkflowEngine engine, string projectId, string workflowId, string deploymentId,
        string name, string description, string definition, DateTimeOffset now)
    {
        var workflow = new WorkflowEntity
        {
            Id = workflowId, ProjectId = projectId, Name = name, Description = description, Type = "workflow", Definition = definition,
            LatestVersion = 1, DeploymentId = deploymentId, CreatedAt = now, UpdatedAt = now, Sequence = store.NextSequence(),
        };
        store.Workflows[workflow.Id] = workflow;
        store.Save(workflow);
        var version = new WorkflowVersionEntity
        {
            Id = $"{workflowId}:1", WorkflowId = workflowId, ProjectId = projectId, Version = 1, Definition = definition,
            PinnedVersions = Api.WorkflowsApi.PinDependencies(store, engine, projectId, definition), CreatedAt = now,
        };
        store.VersionsByWorkflow[workflowId] = [version];
        store.Save(version);
        var deployment = new DeploymentEntity
        {
            Id = deploymentId, ProjectId = projectId, WorkflowId = workflowId, Name = name, Status = "active", LiveVersion = 1,
            CreatedAt = now, UpdatedAt = now, Sequence = store.NextSequence(),
        };
        store.Deployments[deployment.Id] = deployment;
        store.Save(deployment);
    }
}
