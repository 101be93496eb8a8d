using CompassPS.LocalServer.Engine;
using CompassPS.LocalServer.Store;

namespace CompassPS.LocalServer.Hosting;

/// <summary>The engine's read-only view of a project's connections and workflows.</summary>
public sealed class EngineCatalog(DataStore store, CredentialProtector protector) : IEngineCatalog
{
    public ConnectionRecord? FindConnection(string projectId, string connectionId)
    {
        ConnectionEntity? connection;
        lock (store.Gate)
        {
            if (!store.Connections.TryGetValue(connectionId, out connection) || connection.ProjectId != projectId) return null;
            connection = new ConnectionEntity
            {
                Id = connection.Id, Name = connection.Name, Kind = connection.Kind, Type = connection.Type, Status = connection.Status,
                DefaultModel = connection.DefaultModel, Configuration = (System.Text.Json.Nodes.JsonObject)connection.Configuration.DeepClone(),
                EncryptedCredentials = connection.EncryptedCredentials,
            };
        }
        return new ConnectionRecord(connection.Id, connection.Name, connection.Kind, connection.Type, connection.Status,
            connection.DefaultModel, connection.Configuration, protector.Unprotect(connection.EncryptedCredentials));
    }

    public WorkflowRecord? FindWorkflow(string projectId, string workflowId)
    {
        lock (store.Gate)
        {
            if (!store.Workflows.TryGetValue(workflowId, out var workflow) || workflow.ProjectId != projectId) return null;
            var deployment = workflow.DeploymentId is { } id && store.Deployments.TryGetValue(id, out var d) ? d : null;
            return new WorkflowRecord(workflow.Id, workflow.Name, workflow.Type, workflow.Definition, deployment?.LiveVersion, deployment?.Id);
        }
    }
}
