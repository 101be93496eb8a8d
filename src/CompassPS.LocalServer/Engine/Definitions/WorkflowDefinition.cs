using System.Text.Json.Nodes;

namespace CompassPS.LocalServer.Engine.Definitions;

/// <summary>A parsed workflow definition (Compass schema, §6.3 of the reference).</summary>
public sealed class WorkflowDefinition
{
    public required string Name { get; init; }
    public string Type { get; init; } = NodeTypes.Workflow;
    public string Description { get; init; } = "";
    public JsonObject? InputSchema { get; init; }
    public int Version { get; init; } = 1;
    public IReadOnlyList<NodeDefinition> Nodes { get; init; } = [];

    public NodeDefinition? FindNode(string id) => Nodes.FirstOrDefault(node => node.Id == id);
}

public static class NodeTypes
{
    public const string Component = "component";
    public const string Agent = "agent";
    public const string Integration = "integration";
    public const string Workflow = "workflow";
}

public static class ComponentTypes
{
    public const string Input = "input";
    public const string Output = "output";
    public const string Prompt = "prompt";

    /// <summary>Compass components this server knows of but cannot run offline.</summary>
    public static readonly IReadOnlySet<string> Unsupported =
        new HashSet<string>(["document_splitter", "document_parser", "embeddings", "text_splitter"]);
}

/// <summary>One node. Fields of the other node types are simply absent (null) on a node.</summary>
public sealed class NodeDefinition
{
    public required string Id { get; init; }
    public required string Type { get; init; }
    public string? Name { get; init; }
    public string DisplayName => string.IsNullOrWhiteSpace(Name) ? Id : Name;

    /// <summary>The type reported in steps and events: the component type for components, the node type otherwise.</summary>
    public string ReportedType => Type == NodeTypes.Component && !string.IsNullOrEmpty(ComponentType) ? ComponentType : Type;

    public IReadOnlyList<KeyValuePair<string, Binding>> Inputs { get; init; } = [];
    public JsonObject Config { get; init; } = [];
    public IReadOnlyList<string> AuthoredDependsOn { get; init; } = [];

    // component
    public string? ComponentType { get; init; }

    /// <summary>The capability of a component, or an integration's operation (for HTTP: the method when none is bound).</summary>
    public string? Action { get; init; }

    // agent
    public string? AgentId { get; init; }
    public string? ModelConnectionId { get; init; }
    public string? ModelName { get; init; }
    public string? SystemPrompt { get; init; }
    public IReadOnlyList<ToolSpec> Tools { get; init; } = [];
    public JsonObject? Settings { get; init; }
    public bool ConversationHistory { get; init; }
    public JsonObject? ResponseFormat { get; init; }
    public bool ToolsRequireApproval { get; init; }

    /// <summary>What an agent batches over: "$" (its input is a list) or a field of its input; null for no batching.</summary>
    public string? BatchOver { get; init; }

    /// <summary>How many batch items an agent runs at once (Compass's default is 5).</summary>
    public int BatchConcurrency { get; init; } = DefaultBatchConcurrency;

    /// <summary>The authored batch_concurrency when it is not a whole number of 1 or more (validation reports it).</summary>
    public JsonNode? InvalidBatchConcurrency { get; init; }

    public const int DefaultBatchConcurrency = 5;

    // integration
    public string? IntegrationType { get; init; }
    public string? ConnectionId { get; init; }

    // workflow
    public string? WorkflowId { get; init; }

    /// <summary>
    /// Ids of the nodes this node reads (its derived <c>depends_on</c>), without duplicates: the sources of its
    /// bindings, and for a prompt the nodes its template names directly.
    /// </summary>
    public IReadOnlyList<string> Dependencies { get; internal set; } = [];

    /// <summary>A prompt's parsed template (null for other nodes, or when the template is missing or broken).</summary>
    public TemplateText? PromptTemplate { get; init; }

    public Binding? FindInput(string name) => Inputs.FirstOrDefault(input => input.Key == name).Value;
}

/// <summary>An agent tool: <c>workflow:&lt;id&gt;</c>, <c>agent:&lt;id&gt;</c> or <c>integration:&lt;connection id&gt;</c>.</summary>
public sealed record ToolSpec(string Source, string Kind, string TargetId, string? Name, string? Description)
{
    public const string WorkflowKind = "workflow";
    public const string AgentKind = "agent";
    public const string IntegrationKind = "integration";

    public bool CallsWorkflow => Kind is WorkflowKind or AgentKind;
}
