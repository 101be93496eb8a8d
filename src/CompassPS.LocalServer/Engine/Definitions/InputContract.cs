using System.Text.Json;
using System.Text.Json.Nodes;

namespace CompassPS.LocalServer.Engine.Definitions;

public sealed record InputField(string Name, string Type, string? Description, bool Required);

/// <summary>What a workflow's Input node accepts: a chat message, or an object with typed fields.</summary>
public sealed class InputContract
{
    public const string ChatMode = "chat";
    public const string ObjectMode = "object";
    public const string MessageField = "message";

    public static readonly IReadOnlySet<string> FieldTypes =
        new HashSet<string>(["string", "integer", "number", "boolean", "object", "array", "file"]);

    public static InputContract Chat { get; } = new(true, []);

    private InputContract(bool isChat, IReadOnlyList<InputField> fields)
    {
        IsChat = isChat;
        Fields = fields;
    }

    public bool IsChat { get; }
    public IReadOnlyList<InputField> Fields { get; }

    public InputField? FindField(string name) => Fields.FirstOrDefault(field => field.Name == name);

    /// <summary>The contract of a definition's Input node (chat when the definition has none or it is broken).</summary>
    public static InputContract Of(WorkflowDefinition definition) =>
        definition.Nodes.FirstOrDefault(IsInputNode) is { } input ? Read(input, definition.InputSchema, []) : Chat;

    public static bool IsInputNode(NodeDefinition node) => node.Type == NodeTypes.Component && node.ComponentType == ComponentTypes.Input;

    /// <summary>Reads an Input node's config, adding INVALID/MISSING_COMPONENT_CONFIG problems for what is wrong.</summary>
    public static InputContract Read(NodeDefinition node, JsonObject? topLevelSchema, List<ValidationIssue> problems)
    {
        var mode = JsonValues.GetString(node.Config, "type") ?? ChatMode;
        if (mode == ChatMode)
        {
            return Chat;
        }

        if (mode != ObjectMode)
        {
            problems.Add(new ValidationIssue(ValidationCodes.InvalidComponentConfig,
                $"input '{node.Id}': config.type is '{mode}', but must be 'chat' or 'object'", node.Id));
            return Chat;
        }

        var schema = JsonValues.GetObject(node.Config, "schema") ?? topLevelSchema;
        if (schema is null)
        {
            problems.Add(new ValidationIssue(ValidationCodes.MissingComponentConfig,
                $"input '{node.Id}': an object input needs config.schema (its fields, each with a type)", node.Id));
            return new InputContract(false, []);
        }

        // Compass writes {field: {type, required}}; a JSON Schema ({properties, required: [...]}) is read as well.
        var properties = JsonValues.GetObject(schema, "properties") ?? schema;
        var requiredList = (JsonValues.GetArray(schema, "required") ?? []).Select(JsonValues.ToText).ToHashSet(StringComparer.Ordinal);
        var fields = new List<InputField>();
        foreach (var (name, value) in properties)
        {
            if (value is not JsonObject fieldSchema)
            {
                problems.Add(new ValidationIssue(ValidationCodes.InvalidComponentConfig,
                    $"input '{node.Id}': the schema field '{name}' must be a mapping with a 'type'", node.Id));
                continue;
            }

            var type = JsonValues.GetString(fieldSchema, "type") ?? "string";
            if (!FieldTypes.Contains(type))
            {
                problems.Add(new ValidationIssue(ValidationCodes.InvalidComponentConfig,
                    $"input '{node.Id}': the schema field '{name}' has type '{type}', but must be one of {string.Join(", ", FieldTypes)}", node.Id));
                continue;
            }

            fields.Add(new InputField(name, type, JsonValues.GetString(fieldSchema, "description"),
                JsonValues.GetBool(fieldSchema, "required") || requiredList.Contains(name)));
        }

        return new InputContract(false, fields);
    }

    /// <summary>
    /// Checks a run's input against the contract and returns what the Input node outputs: the object itself, or
    /// <c>{"message": ...}</c> for a chat input. Throws <see cref="RunFailedException"/> with what is wrong.
    /// </summary>
    public JsonObject Accept(JsonNode? input, string nodeId)
    {
        if (IsChat)
        {
            var message = input switch
            {
                JsonValue scalar when scalar.GetValueKind() == JsonValueKind.String => scalar.GetValue<string>(),
                JsonObject obj when JsonValues.GetString(obj, MessageField) is { } text => text,
                _ => null,
            };
            if (message is null)
            {
                throw new RunFailedException(
                    "input_data must be a chat message: a string, or an object with a string 'message'", nodeId);
            }

            return input is JsonObject original ? (JsonObject)original.DeepClone() : new JsonObject { [MessageField] = message };
        }

        if (input is not JsonObject given)
        {
            var expected = Fields.Count > 0 ? $" with the fields {string.Join(", ", Fields.Select(field => $"'{field.Name}'"))}" : "";
            throw new RunFailedException($"input_data must be an object{expected}, but it is {JsonValues.WithArticle(JsonValues.TypeName(input))}", nodeId);
        }

        foreach (var field in Fields)
        {
            if (!given.TryGetPropertyValue(field.Name, out var value) || value is null)
            {
                if (field.Required)
                {
                    throw new RunFailedException($"input_data is missing the required field '{field.Name}'", nodeId);
                }

                continue;
            }

            if (!JsonValues.Fits(value, field.Type))
            {
                throw new RunFailedException(
                    $"input_data field '{field.Name}' must be {JsonValues.WithArticle(field.Type)}, but it is {JsonValues.WithArticle(JsonValues.TypeName(value))}", nodeId);
            }
        }

        return (JsonObject)given.DeepClone();
    }

    /// <summary>The contract as a JSON Schema (the parameters of a tool that runs this workflow).</summary>
    public JsonObject ToJsonSchema()
    {
        if (IsChat)
        {
            return new JsonObject
            {
                ["type"] = "object",
                ["properties"] = new JsonObject { [MessageField] = new JsonObject { ["type"] = "string", ["description"] = "The message to send" } },
                ["required"] = new JsonArray(JsonValue.Create(MessageField)),
            };
        }

        var properties = new JsonObject();
        foreach (var field in Fields)
        {
            var property = new JsonObject { ["type"] = field.Type == "file" ? "object" : field.Type };
            if (field.Description is not null)
            {
                property["description"] = field.Description;
            }

            properties[field.Name] = property;
        }

        return new JsonObject
        {
            ["type"] = "object",
            ["properties"] = properties,
            ["required"] = new JsonArray(Fields.Where(field => field.Required).Select(field => (JsonNode)JsonValue.Create(field.Name)).ToArray()),
        };
    }
}
