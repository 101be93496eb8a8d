using System.Text.Json.Nodes;
using CompassPS.LocalServer.Auth;
using CompassPS.LocalServer.Engine;
using CompassPS.LocalServer.Store;

namespace CompassPS.LocalServer.Hosting;

/// <summary>
/// The --seed file: connections, workflows and deployments created at start, so a test starts from a known state.
/// <code>
/// connections: [ { id?, name, kind, type, configuration?, credentials?, default_model?, status?, project? } ]
/// workflows:   [ { id?, name, description?, type?, definition | definition_file, project? } ]
/// deployments: [ { id?, workflow (its name or id), status?, project? } ]
/// </code>
/// Created in that order, each list in file order, so a deployed workflow can call one deployed before it. Ids given
/// are kept. An object that already exists (same id, or same name when no id is given; for a deployment, its
/// workflow already deployed) is left as it is, so a restart with --data and the same seed changes nothing.
/// Any problem refuses the start with an <see cref="ArgumentException"/> that names the entry.
/// </summary>
public static class Fixtures
{
    private static readonly string[] Sections = ["connections", "workflows", "deployments"];
    private static readonly string[] ConnectionFields = ["id", "name", "kind", "type", "configuration", "credentials", "default_model", "status", "project"];
    private static readonly string[] WorkflowFields = ["id", "name", "description", "type", "definition", "definition_file", "project"];
    private static readonly string[] DeploymentFields = ["id", "workflow", "status", "project"];
    private static readonly string[] Kinds = ["provider", "integration", "gateway"];
    private static readonly string[] ConnectionStatuses = ["connected", "error", "inactive"];
    private static readonly string[] WorkflowTypes = ["workflow", "agent"];
    private static readonly string[] DeploymentStatuses = ["active", "paused"];

    public static void Apply(string path, DataStore store, IWorkflowEngine engine, IEngineCatalog catalog, CredentialProtector protector)
    {
        if (ConfigFile.Load(path, "seed file") is not JsonObject root)
            throw new ArgumentException($"The seed file '{path}' must be a mapping with any of: {string.Join(", ", Sections)}.");
        ConfigFile.RefuseUnknownFields(root, $"The seed file '{path}'", Sections);
        foreach (var (entry, where) in Entries(root, "connections", path)) AddConnection(entry, where, store, protector);
        foreach (var (entry, where) in Entries(root, "workflows", path)) AddWorkflow(entry, where, path, store);
        foreach (var (entry, where) in Entries(root, "deployments", path)) AddDeployment(entry, where, store, engine, catalog);
    }

    private static IEnumerable<(JsonObject Entry, string Where)> Entries(JsonObject root, string section, string path)
    {
        switch (root[section])
        {
            case null:
                yield break;
            case JsonArray list:
                for (var index = 0; index < list.Count; index++)
                {
                    var name = (list[index] as JsonObject)?["name"] is JsonValue value && value.TryGetValue<string>(out var text) ? $" ('{text}')" : "";
                    var where = $"The seed file '{path}', {section}[{index + 1}]{name}";
                    yield return list[index] is JsonObject entry ? (entry, where) : throw new ArgumentException($"{where} must be a mapping.");
                }
                break;
            default:
                throw new ArgumentException($"The seed file '{path}': '{section}' must be a list.");
        }
    }

    private static void AddConnection(JsonObject entry, string where, DataStore store, CredentialProtector protector)
    {
        ConfigFile.RefuseUnknownFields(entry, where, ConnectionFields);
        var project = Project(entry, where);
        var id = Id(entry, where);
        var name = ConfigFile.String(entry, "name", where, required: true)!.Trim();
        var kind = Choice(entry, "kind", where, Kinds, required: true)!;
        var type = ConfigFile.String(entry, "type", where, required: true)!.Trim();
        var configuration = Mapping(entry, "configuration", where) ?? [];
        var credentials = Mapping(entry, "credentials", where);
        var status = Choice(entry, "status", where, ConnectionStatuses) ?? "connected";
        var defaultModel = ConfigFile.String(entry, "default_model", where)
            ?? (configuration["default_model"] is JsonValue model && model.TryGetValue<string>(out var configured) ? configured : null);
        lock (store.Gate)
        {
            if (Exists(store.Connections, id, where) || (id is null && store.Connections.Values.Any(c => c.ProjectId == project && c.Name.Equals(name, StringComparison.OrdinalIgnoreCase))))
                return;
            var now = DateTimeOffset.UtcNow;
            var connection = new ConnectionEntity
            {
                Id = id ?? DataStore.NewId(), ProjectId = project, Name = name, Kind = kind, Type = type, Configuration = configuration,
                EncryptedCredentials = credentials is { Count: > 0 } ? protector.Protect(credentials) : null, Status = status,
                DefaultModel = defaultModel, CreatedAt = now, UpdatedAt = now, Sequence = store.NextSequence(),
            };
            store.Connections[connection.Id] = connection;
            store.Save(connection);
        }
    }

    private static void AddWorkflow(JsonObject entry, string where, string seedPath, DataStore store)
    {
        ConfigFile.RefuseUnknownFields(entry, where, WorkflowFields);
        var project = Project(entry, where);
        var id = Id(entry, where);
        var name = ConfigFile.String(entry, "name", where, required: true)!.Trim();
        var type = Choice(entry, "type", where, WorkflowTypes) ?? "workflow";
        var definition = Definition(entry, where, seedPath);
        lock (store.Gate)
        {
            if (Exists(store.Workflows, id, where) || (id is null && store.Workflows.Values.Any(w => w.ProjectId == project && w.Name.Equals(name, StringComparison.OrdinalIgnoreCase))))
                return;
            var now = DateTimeOffset.UtcNow;
            var workflow = new WorkflowEntity
            {
                Id = id ?? DataStore.NewId(), ProjectId = project, Name = name, Description = ConfigFile.String(entry, "description", where) ?? "",
                Type = type, Definition = definition, CreatedAt = now, UpdatedAt = now, Sequence = store.NextSequence(),
            };
            store.Workflows[workflow.Id] = workflow;
            store.Save(workflow);
        }
    }

    private static void AddDeployment(JsonObject entry, string where, DataStore store, IWorkflowEngine engine, IEngineCatalog catalog)
    {
        ConfigFile.RefuseUnknownFields(entry, where, DeploymentFields);
        var project = Project(entry, where);
        var id = Id(entry, where);
        var target = ConfigFile.String(entry, "workflow", where, required: true)!.Trim();
        var status = Choice(entry, "status", where, DeploymentStatuses) ?? "active";
        WorkflowEntity workflow;
        lock (store.Gate)
        {
            workflow = store.Workflows.Values.FirstOrDefault(w => w.ProjectId == project && (w.Id.Equals(target, StringComparison.OrdinalIgnoreCase) || w.Name.Equals(target, StringComparison.OrdinalIgnoreCase)))
                ?? throw new ArgumentException($"{where}: there is no workflow '{target}' in its project (seed workflows come before deployments).");
            if (Exists(store.Deployments, id, where) || workflow.DeploymentId is not null) return;
        }

        var validation = engine.Validate(workflow.Definition, workflow.Type, project, catalog);
        if (!validation.Valid || validation.Errors.Count > 0)
        {
            var problems = string.Join("; ", validation.Errors.Select(e => e.NodeId is { } node ? $"{e.Code} at '{node}': {e.Message}" : $"{e.Code}: {e.Message}"));
            throw new ArgumentException($"{where}: the workflow '{workflow.Name}' cannot be deployed: {problems}");
        }

        lock (store.Gate)
        {
            var now = DateTimeOffset.UtcNow;
            var version = new WorkflowVersionEntity
            {
                Id = $"{workflow.Id}:1", WorkflowId = workflow.Id, ProjectId = project, Version = 1, Definition = workflow.Definition,
                PinnedVersions = Api.WorkflowsApi.PinDependencies(store, engine, project, workflow.Definition), CreatedAt = now,
            };
            store.VersionsByWorkflow[workflow.Id] = [version];
            store.Save(version);
            var deployment = new DeploymentEntity
            {
                Id = id ?? DataStore.NewId(), ProjectId = project, WorkflowId = workflow.Id, Name = workflow.Name, Status = status, LiveVersion = 1,
                CreatedAt = now, UpdatedAt = now, Sequence = store.NextSequence(),
            };
            store.Deployments[deployment.Id] = deployment;
            store.Save(deployment);
            workflow.DeploymentId = deployment.Id;
            workflow.LatestVersion = 1;
            workflow.UpdatedAt = now;
            store.Save(workflow);
        }
    }

    private static string Definition(JsonObject entry, string where, string seedPath)
    {
        var file = ConfigFile.String(entry, "definition_file", where);
        var inline = entry["definition"];
        if ((file is null) == (inline is null))
            throw new ArgumentException($"{where} needs exactly one of 'definition' (inline) and 'definition_file' (a path relative to the seed file).");
        if (file is not null)
        {
            var full = ConfigFile.Resolve(seedPath, file);
            try
            {
                return File.ReadAllText(full);
            }
            catch (Exception failure) when (failure is IOException or UnauthorizedAccessException)
            {
                throw new ArgumentException($"{where}: the definition_file '{full}' cannot be read: {failure.Message}");
            }
        }

        // Inline: YAML text as it is; a mapping becomes JSON text (Compass accepts both).
        return inline is JsonValue value && value.TryGetValue<string>(out var text) ? text : inline!.ToJsonString();
    }

    private static string Project(JsonObject entry, string where)
    {
        var name = ConfigFile.String(entry, "project", where) ?? "default";
        return DevelopmentKeys.Projects.FirstOrDefault(p => p.Name.Equals(name, StringComparison.OrdinalIgnoreCase) || p.Id.Equals(name, StringComparison.OrdinalIgnoreCase))?.Id
            ?? throw new ArgumentException($"{where}: project must be 'default' or 'second' (or their ids), not '{name}'.");
    }

    private static string? Id(JsonObject entry, string where)
    {
        var id = ConfigFile.String(entry, "id", where);
        if (id is null) return null;
        return Guid.TryParse(id, out var guid) ? guid.ToString() : throw new ArgumentException($"{where}: id '{id}' is not a UUID.");
    }

    private static bool Exists<T>(Dictionary<string, T> existing, string? id, string where) => id is not null && existing.ContainsKey(id);

    private static string? Choice(JsonObject entry, string field, string where, string[] allowed, bool required = false)
    {
        var value = ConfigFile.String(entry, field, where, required);
        return value is null || allowed.Contains(value) ? value : throw new ArgumentException($"{where}: {field} must be one of {string.Join(", ", allowed)}, not '{value}'.");
    }

    private static JsonObject? Mapping(JsonObject entry, string field, string where) => entry[field] switch
    {
        null => null,
        JsonObject obj => (JsonObject)obj.DeepClone(),
        _ => throw new ArgumentException($"{where}: '{field}' must be a mapping."),
    };
}
