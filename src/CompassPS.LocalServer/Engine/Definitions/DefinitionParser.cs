using System.Text.Json;
using System.Text.Json.Nodes;

namespace CompassPS.LocalServer.Engine.Definitions;

/// <summary>The outcome of parsing: a definition (null when the text is unusable) and the problems found on the way.</summary>
public sealed record ParsedDefinition(WorkflowDefinition? Definition, IReadOnlyList<ValidationIssue> Problems);

/// <summary>Turns definition text into a <see cref="WorkflowDefinition"/>, tolerating unknown fields.</summary>
public static class DefinitionParser
{
    public const string InvalidDefinition = ValidationCodes.InvalidDefinition;
    public const string InvalidBinding = ValidationCodes.InvalidBinding;

    public static ParsedDefinition Parse(string? text)
    {
        var tree = DefinitionText.Parse(text, out var error, out var code);
        if (tree is null)
        {
            return new ParsedDefinition(null, [new ValidationIssue(code, error.Length > 0 ? error : "the definition is empty", null)]);
        }

        if (tree is not JsonObject root)
        {
            return new ParsedDefinition(null, [new ValidationIssue(InvalidDefinition, "the definition must be a mapping with 'name' and 'nodes'", null)]);
        }

        var problems = new List<ValidationIssue>();
        var name = JsonValues.GetString(root, "name");
        if (string.IsNullOrWhiteSpace(name))
        {
            problems.Add(new ValidationIssue(InvalidDefinition, "the definition has no 'name'", null));
        }

        var nodes = new List<NodeDefinition>();
        if (root.TryGetPropertyValue("nodes", out var nodesValue) && nodesValue is not null)
        {
            if (nodesValue is JsonArray nodeArray)
            {
                var seen = new HashSet<string>(StringComparer.Ordinal);
                for (var index = 0; index < nodeArray.Count; index++)
                {
                    if (ParseNode(nodeArray[index], index, problems) is not { } node)
                    {
                        continue;
                    }

                    if (!seen.Add(node.Id))
                    {
                        problems.Add(new ValidationIssue(InvalidDefinition, $"the node id '{node.Id}' is used more than once", node.Id));
                        continue;
                    }

                    nodes.Add(node);
                }
            }
            else
            {
                problems.Add(new ValidationIssue(InvalidDefinition, "'nodes' must be a list", null));
            }
        }

        var version = 1;
        if (root["version"] is JsonValue versionValue && versionValue.TryGetValue<long>(out var parsedVersion) && parsedVersion is > 0 and <= int.MaxValue)
        {
            version = (int)parsedVersion;
        }

        AddPromptTemplateDependencies(nodes);
        var definition = new WorkflowDefinition
        {
            Name = name ?? "",
            Type = JsonValues.GetString(root, "type") is { Length: > 0 } type ? type : NodeTypes.Workflow,
            Description = JsonValues.GetString(root, "description") ?? "",
            InputSchema = JsonValues.GetObject(root, "input_schema"),
            Version = version,
            Nodes = nodes,
        };
        return new ParsedDefinition(definition, problems);
    }

    private static NodeDefinition? ParseNode(JsonNode? value, int index, List<ValidationIssue> problems)
    {
        if (value is not JsonObject raw)
        {
            problems.Add(new ValidationIssue(InvalidDefinition, $"node #{index + 1} must be a mapping", null));
            return null;
        }

        var id = JsonValues.GetString(raw, "id");
        if (string.IsNullOrWhiteSpace(id))
        {
            problems.Add(new ValidationIssue(InvalidDefinition, $"node #{index + 1} has no 'id'", null));
            return null;
        }

        var type = JsonValues.GetString(raw, "type");
        if (string.IsNullOrWhiteSpace(type))
        {
            // A node with a component_type is a component even when 'type' was left out.
            type = raw.ContainsKey("component_type") ? NodeTypes.Component : "";
        }

        var inputs = new List<KeyValuePair<string, Binding>>();
        if (raw["inputs"] is JsonObject inputObject)
        {
            foreach (var (parameter, bindingValue) in inputObject)
            {
                if (ParseBinding(bindingValue, id, $"inputs.{parameter}", problems) is { } binding)
                {
                    inputs.Add(new(parameter, binding));
                }
            }
        }
        else if (raw["inputs"] is not null)
        {
            problems.Add(new ValidationIssue(InvalidBinding, $"node '{id}': 'inputs' must be a mapping of parameter names to bindings", id));
        }

        var model = JsonValues.GetObject(raw, "model");
        var config = raw["config"] as JsonObject ?? [];
        TemplateText? promptTemplate = null;
        if (JsonValues.GetString(raw, "component_type") == ComponentTypes.Prompt && JsonValues.GetString(config, "template") is { } templateText)
        {
            if (TemplateText.TryParse(templateText, out var parsedTemplate, out var templateError))
            {
                promptTemplate = parsedTemplate;
            }
            else
            {
                problems.Add(new ValidationIssue(ValidationCodes.InvalidComponentConfig, $"prompt '{id}': {templateError}", id));
            }
        }

        var batchConcurrency = raw["batch_concurrency"];
        var concurrencyIsValid = batchConcurrency is null
            || (batchConcurrency is JsonValue concurrencyValue && concurrencyValue.TryGetValue<long>(out var concurrency) && concurrency is >= 1 and <= 100);
        var dependencies = inputs.SelectMany(input => input.Value.SourceNodeIds()).Distinct(StringComparer.Ordinal).ToList();

        return new NodeDefinition
        {
            Id = id,
            Type = type,
            Name = JsonValues.GetString(raw, "name"),
            Inputs = inputs,
            Config = config,
            PromptTemplate = promptTemplate,
            AuthoredDependsOn = (JsonValues.GetArray(raw, "depends_on") ?? []).Select(JsonValues.ToText).Where(text => text.Length > 0).ToList(),
            ComponentType = JsonValues.GetString(raw, "component_type"),
            Action = JsonValues.GetString(raw, "action"),
            AgentId = JsonValues.GetString(raw, "agent_id") is { Length: > 0 } agentId ? agentId : null,
            ModelConnectionId = JsonValues.GetString(model, "connection_id"),
            ModelName = JsonValues.GetString(model, "model"),
            SystemPrompt = JsonValues.GetString(raw, "system_prompt"),
            Tools = ParseTools(raw, id, problems),
            Settings = JsonValues.GetObject(raw, "settings"),
            ConversationHistory = JsonValues.GetBool(raw, "conversation_history"),
            ResponseFormat = UnwrapResponseFormat(JsonValues.GetObject(raw, "response_format")),
            ToolsRequireApproval = JsonValues.GetBool(raw, "tools_require_approval"),
            BatchOver = JsonValues.GetString(raw, "batch_over") is { Length: > 0 } batchOver ? batchOver.Trim() : null,
            BatchConcurrency = concurrencyIsValid && batchConcurrency is not null ? (int)batchConcurrency.GetValue<long>() : NodeDefinition.DefaultBatchConcurrency,
            InvalidBatchConcurrency = concurrencyIsValid ? null : batchConcurrency?.DeepClone(),
            IntegrationType = JsonValues.GetString(raw, "integration_type"),
            ConnectionId = JsonValues.GetString(raw, "connection_id"),
            WorkflowId = JsonValues.GetString(raw, "workflow_id") is { Length: > 0 } workflowId ? workflowId : null,
            Dependencies = dependencies,
        };
    }

    // A prompt's {{name}} tokens are its parameters; a token whose name is not a bound parameter but a node id
    // reads that node directly (validation warns about it), so the node is a dependency too.
    private static void AddPromptTemplateDependencies(List<NodeDefinition> nodes)
    {
        var nodeIds = nodes.Select(node => node.Id).ToHashSet(StringComparer.Ordinal);
        foreach (var node in nodes.Where(node => node.PromptTemplate is not null))
        {
            var direct = node.PromptTemplate!.Tokens
                .Select(token => token.Head)
                .Where(head => node.FindInput(head) is null && nodeIds.Contains(head));
            node.Dependencies = node.Dependencies.Concat(direct).Distinct(StringComparer.Ordinal).ToList();
        }
    }

    // response_format is a JSON Schema; an OpenAI-style wrapper ({type: json_schema, json_schema: {schema}}) is accepted too.
    private static JsonObject? UnwrapResponseFormat(JsonObject? format)
    {
        if (format is null)
        {
            return null;
        }

        if (JsonValues.GetObject(format, "json_schema") is { } wrapped)
        {
            return JsonValues.GetObject(wrapped, "schema") ?? wrapped;
        }

        return JsonValues.GetObject(format, "schema") is { } schema && !format.ContainsKey("properties") ? schema : format;
    }

    private static List<ToolSpec> ParseTools(JsonObject raw, string nodeId, List<ValidationIssue> problems)
    {
        var tools = new List<ToolSpec>();
        if (raw["tools"] is null)
        {
            return tools;
        }

        if (raw["tools"] is not JsonArray array)
        {
            problems.Add(new ValidationIssue(InvalidDefinition, $"node '{nodeId}': 'tools' must be a list", nodeId));
            return tools;
        }

        foreach (var item in array)
        {
            var spec = item as JsonObject ?? new JsonObject();
            var source = item is JsonValue ? JsonValues.ToText(item)
                : JsonValues.GetString(spec, "source") ?? JsonValues.GetString(spec, "tool") ?? JsonValues.GetString(spec, "id") ?? "";
            var colon = source.IndexOf(':');
            var kind = colon > 0 ? source[..colon].Trim() : "";
            var target = colon > 0 ? source[(colon + 1)..].Trim() : "";
            if (kind is not (ToolSpec.WorkflowKind or ToolSpec.AgentKind or ToolSpec.IntegrationKind) || target.Length == 0)
            {
                problems.Add(new ValidationIssue(InvalidDefinition,
                    $"node '{nodeId}': the tool '{source}' must be written 'workflow:<id>', 'agent:<id>' or 'integration:<connection id>'", nodeId));
                continue;
            }

            tools.Add(new ToolSpec(source, kind, target, JsonValues.GetString(spec, "name"), JsonValues.GetString(spec, "description")));
        }

        return tools;
    }

    /// <summary>
    /// Reads one binding. Besides Compass's explicit <c>{kind: ...}</c> objects, a plain string is read as a
    /// template (or a literal when it has no tokens) and any other bare value as a literal.
    /// </summary>
    public static Binding? ParseBinding(JsonNode? value, string nodeId, string where, List<ValidationIssue> problems)
    {
        if (value is not JsonObject obj || (!obj.ContainsKey("kind") && !obj.ContainsKey("source")))
        {
            if (value is JsonValue scalar && scalar.GetValueKind() == JsonValueKind.String)
            {
                return ParseTemplate(scalar.GetValue<string>(), nodeId, where, problems);
            }

            return new LiteralBinding(value?.DeepClone());
        }

        var kind = JsonValues.GetString(obj, "kind") ?? "ref";
        switch (kind)
        {
            case "literal":
                return new LiteralBinding(obj["value"]?.DeepClone());
            case "ref":
                var source = JsonValues.GetString(obj, "source");
                if (string.IsNullOrWhiteSpace(source))
                {
                    problems.Add(new ValidationIssue(InvalidBinding, $"node '{nodeId}', {where}: a ref binding needs a 'source' node", nodeId));
                    return null;
                }

                if (!JsonPath.TryParse(JsonValues.GetString(obj, "path"), out var path, out var pathError))
                {
                    problems.Add(new ValidationIssue(InvalidBinding, $"node '{nodeId}', {where}: {pathError}", nodeId));
                    return null;
                }

                return new RefBinding(source, path);
            case "template":
                var text = JsonValues.GetString(obj, "value") ?? JsonValues.GetString(obj, "template");
                if (text is null)
                {
                    problems.Add(new ValidationIssue(InvalidBinding, $"node '{nodeId}', {where}: a template binding needs a string 'value'", nodeId));
                    return null;
                }

                return ParseTemplate(text, nodeId, where, problems, alwaysTemplate: true);
            case "list":
                if (obj["items"] is not JsonArray items)
                {
                    problems.Add(new ValidationIssue(InvalidBinding, $"node '{nodeId}', {where}: a list binding needs 'items' (a list of bindings)", nodeId));
                    return null;
                }

                var parsedItems = new List<Binding>();
                for (var index = 0; index < items.Count; index++)
                {
                    if (ParseBinding(items[index], nodeId, $"{where}[{index}]", problems) is { } item)
                    {
                        parsedItems.Add(item);
                    }
                }

                return new ListBinding(parsedItems);
            case "object":
                if (obj["entries"] is not JsonObject entries)
                {
                    problems.Add(new ValidationIssue(InvalidBinding, $"node '{nodeId}', {where}: an object binding needs 'entries' (a mapping of bindings)", nodeId));
                    return null;
                }

                var parsedEntries = new List<KeyValuePair<string, Binding>>();
                foreach (var (key, entry) in entries)
                {
                    if (ParseBinding(entry, nodeId, $"{where}.{key}", problems) is { } parsed)
                    {
                        parsedEntries.Add(new(key, parsed));
                    }
                }

                return new ObjectBinding(parsedEntries);
            case "config":
                var configKey = JsonValues.GetString(obj, "key");
                if (string.IsNullOrWhiteSpace(configKey))
                {
                    problems.Add(new ValidationIssue(InvalidBinding, $"node '{nodeId}', {where}: a config binding needs a 'key'", nodeId));
                    return null;
                }

                return new ConfigBinding(configKey, JsonValues.GetBool(obj, "optional"), obj["default"]?.DeepClone());
            default:
                problems.Add(new ValidationIssue(InvalidBinding,
                    $"node '{nodeId}', {where}: unknown binding kind '{kind}' (expected literal, ref, template, list, object or config)", nodeId));
                return null;
        }
    }

    private static Binding? ParseTemplate(string text, string nodeId, string where, List<ValidationIssue> problems, bool alwaysTemplate = false)
    {
        if (!TemplateText.TryParse(text, out var template, out var error))
        {
            problems.Add(new ValidationIssue(InvalidBinding, $"node '{nodeId}', {where}: {error}", nodeId));
            return null;
        }

        return template.Tokens.Count == 0 && !alwaysTemplate ? new LiteralBinding(JsonValue.Create(text)) : new TemplateBinding(template);
    }
}
