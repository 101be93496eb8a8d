using System.Text.Json.Nodes;
using CompassPS.LocalServer.Engine.Definitions;
using CompassPS.LocalServer.Engine.Execution;
using CompassPS.LocalServer.Engine.Providers;

namespace CompassPS.LocalServer.Engine;

/// <summary>
/// Checks a definition with Compass's validation codes. Build checks need only the definition; ready checks
/// (connections, called workflows, parameter types) also look things up in the project's catalog.
/// </summary>
public sealed class DefinitionValidator
{
    private const string AgentWorkflowType = "agent";

    private readonly WorkflowDefinition _definition;
    private readonly List<ValidationIssue> _errors = [];
    private readonly List<ValidationIssue> _warnings = [];
    private readonly Dictionary<string, NodeDefinition> _nodesById;

    private DefinitionValidator(WorkflowDefinition definition, IEnumerable<ValidationIssue> parseProblems)
    {
        _definition = definition;
        _errors.AddRange(parseProblems);
        _nodesById = definition.Nodes.ToDictionary(node => node.Id, StringComparer.Ordinal);
    }

    /// <summary>Everything: build checks, then (with a catalog) ready checks.</summary>
    public static ValidationResult Validate(string? definitionText, string? workflowType, string projectId, IEngineCatalog? catalog)
    {
        var parsed = DefinitionParser.Parse(definitionText);
        if (parsed.Definition is null)
        {
            return new ValidationResult(false, parsed.Problems, []);
        }

        var validator = new DefinitionValidator(parsed.Definition, parsed.Problems);
        var isAgent = workflowType == AgentWorkflowType || parsed.Definition.Type == AgentWorkflowType;
        validator.CheckBuild(isAgent);
        if (catalog is not null)
        {
            validator.CheckReady(projectId, catalog);
        }

        return new ValidationResult(validator._errors.Count == 0, validator._errors, validator._warnings);
    }

    /// <summary>The build errors of a parsed definition: what would stop it from running at all.</summary>
    public static IReadOnlyList<ValidationIssue> BuildErrors(ParsedDefinition parsed)
    {
        if (parsed.Definition is null)
        {
            return parsed.Problems;
        }

        var validator = new DefinitionValidator(parsed.Definition, parsed.Problems);
        validator.CheckBuild(isAgent: false);
        return validator._errors;
    }

    private void Error(string code, string message, string? nodeId) => _errors.Add(new ValidationIssue(code, message, nodeId));

    private void Warning(string code, string message, string? nodeId) => _warnings.Add(new ValidationIssue(code, message, nodeId));

    private static bool IsComponent(NodeDefinition node, string componentType) =>
        node.Type == NodeTypes.Component && node.ComponentType == componentType;

    private void CheckBuild(bool isAgent)
    {
        var inputs = _definition.Nodes.Where(node => IsComponent(node, ComponentTypes.Input)).ToList();
        var outputs = _definition.Nodes.Where(node => IsComponent(node, ComponentTypes.Output)).ToList();
        if (inputs.Count == 0)
        {
            Error(ValidationCodes.MissingInput, "the definition has no Input node (a component with component_type: input)", null);
        }

        foreach (var extra in inputs.Skip(1))
        {
            Error(ValidationCodes.DuplicateInput, $"'{extra.Id}' is a second Input node; a definition has exactly one", extra.Id);
        }

        if (outputs.Count == 0)
        {
            Error(ValidationCodes.MissingOutput, "the definition has no Output node (a component with component_type: output)", null);
        }

        foreach (var extra in outputs.Skip(1))
        {
            Error(ValidationCodes.DuplicateOutput, $"'{extra.Id}' is a second Output node; a definition has exactly one", extra.Id);
        }

        foreach (var node in _definition.Nodes)
        {
            CheckDependencies(node);
            CheckBatch(node);
            switch (node.Type)
            {
                case NodeTypes.Component:
                    CheckComponent(node);
                    break;
                case NodeTypes.Agent:
                    CheckAgentNode(node, isAgent);
                    break;
                case NodeTypes.Integration:
                    CheckIntegrationNode(node);
                    break;
                case NodeTypes.Workflow:
                    if (node.WorkflowId is null)
                    {
                        Error(ValidationCodes.MissingRequiredParameter, $"the workflow node '{node.Id}' has no workflow_id", node.Id);
                    }

                    break;
                default:
                    Error(ValidationCodes.UnknownNodeType,
                        $"the node '{node.Id}' has type '{node.Type}', but must be component, agent, integration or workflow", node.Id);
                    break;
            }
        }

        if (DefinitionGraph.TopologicalOrder(_definition, out var cycle) is null)
        {
            Error(ValidationCodes.CycleDetected, $"the nodes {string.Join(", ", cycle.Select(id => $"'{id}'"))} depend on each other in a cycle", cycle[0]);
        }

        if (isAgent)
        {
            CheckAgentShape(outputs.FirstOrDefault());
        }
    }

    private void CheckDependencies(NodeDefinition node)
    {
        foreach (var dependency in node.Dependencies.Where(dependency => !_nodesById.ContainsKey(dependency)))
        {
            Error(ValidationCodes.UnknownDependency, $"the node '{node.Id}' reads '{dependency}', which is not a node of this definition", node.Id);
        }
    }

    private void CheckBatch(NodeDefinition node)
    {
        if (node.InvalidBatchConcurrency is { } concurrency)
        {
            Error(ValidationCodes.InvalidBatchConfig,
                $"the batch_concurrency of '{node.Id}' is {concurrency.ToJsonString()}, but must be a whole number from 1 to 100", node.Id);
        }

        if (node.BatchOver is null)
        {
            return;
        }

        if (node.Type != NodeTypes.Agent || node.AgentId is not null)
        {
            Error(ValidationCodes.InvalidBatchConfig, $"'{node.Id}' has batch_over, but only inline agents batch", node.Id);
            return;
        }

        var userInput = node.Inputs.Count == 1 ? node.Inputs[0].Value : node.FindInput("input");
        if (userInput is null)
        {
            return; // the node has no single input to batch over; MISSING_REQUIRED_PARAMETER or the run says so
        }

        var axis = node.BatchOver;
        var inputType = StaticType(userInput);
        if (axis == "$")
        {
            if (inputType is not null && inputType != "array")
            {
                Error(ValidationCodes.InvalidBatchAxis, $"the agent '{node.Id}' batches over its input ($), which is {JsonValues.WithArticle(inputType)}, not a list", node.Id);
            }

            return;
        }

        if (inputType is not null && inputType != "object")
        {
            Error(ValidationCodes.InvalidBatchAxis, $"the agent '{node.Id}' batches over the field '{axis}', but its input is {JsonValues.WithArticle(inputType)}", node.Id);
            return;
        }

        if (userInput is RefBinding { Path.IsRoot: true } reference && _nodesById.TryGetValue(reference.Source, out var source)
            && IsComponent(source, ComponentTypes.Input))
        {
            var contract = InputContract.Read(source, _definition.InputSchema, []);
            var field = contract.FindField(axis);
            if (!contract.IsChat && (field is null || field.Type != "array"))
            {
                var actual = field is null ? "is not a field of the Input" : $"is {JsonValues.WithArticle(field.Type)}";
                Error(ValidationCodes.InvalidBatchAxis, $"the agent '{node.Id}' batches over '{axis}', which {actual}, not a list", node.Id);
            }
        }
    }

    private void CheckComponent(NodeDefinition node)
    {
        var componentType = node.ComponentType;
        if (string.IsNullOrWhiteSpace(componentType))
        {
            Error(ValidationCodes.UnknownComponentType, $"the component '{node.Id}' has no component_type", node.Id);
            return;
        }

        switch (componentType)
        {
            case ComponentTypes.Input:
                var problems = new List<ValidationIssue>();
                InputContract.Read(node, _definition.InputSchema, problems);
                _errors.AddRange(problems);
                if (node.Dependencies.Count > 0)
                {
                    Error(ValidationCodes.InputHasDependencies, $"the Input node '{node.Id}' reads other nodes; it must be where data enters", node.Id);
                }

                break;
            case ComponentTypes.Output:
                CheckOutput(node);
                break;
            case ComponentTypes.Prompt:
                CheckPrompt(node);
                break;
            default:
                if (ComponentTypes.Unsupported.Contains(componentType))
                {
                    Error(ValidationCodes.UnsupportedComponent,
                        $"the component '{node.Id}' is a {componentType}, which the local server cannot run (it runs input, output and prompt components)", node.Id);
                }
                else
                {
                    Error(ValidationCodes.UnknownComponentType, $"the component '{node.Id}' has the unknown component_type '{componentType}'", node.Id);
                }

                break;
        }
    }

    private void CheckOutput(NodeDefinition node)
    {
        if (node.Dependencies.Count == 0)
        {
            Error(ValidationCodes.OutputNoDependencies, $"the Output node '{node.Id}' reads no node; bind it to what the workflow returns", node.Id);
        }

        var mode = JsonValues.GetString(node.Config, "mode") ?? OutputModes.Single;
        if (mode == OutputModes.Single)
        {
            return;
        }

        if (mode != OutputModes.Structured)
        {
            Error(ValidationCodes.InvalidComponentConfig, $"the Output node '{node.Id}' has mode '{mode}', but must be 'single' or 'structured'", node.Id);
            return;
        }

        if (JsonValues.GetArray(node.Config, "fields") is not { Count: > 0 } fields)
        {
            Error(ValidationCodes.MissingComponentConfig, $"the structured Output node '{node.Id}' needs config.fields ([{{name, type}}])", node.Id);
            return;
        }

        if (fields.Any(field => field is not JsonObject obj || string.IsNullOrWhiteSpace(JsonValues.GetString(obj, "name"))))
        {
            Error(ValidationCodes.InvalidComponentConfig, $"every field of the structured Output node '{node.Id}' needs a name", node.Id);
        }

        foreach (var field in OutputModes.FieldNames(node).Where(field => node.FindInput(field) is null))
        {
            Error(ValidationCodes.MissingRequiredParameter, $"the field '{field}' of the Output node '{node.Id}' is not bound to anything", node.Id);
        }
    }

    private void CheckPrompt(NodeDefinition node)
    {
        if (JsonValues.GetString(node.Config, "template") is null)
        {
            Error(ValidationCodes.MissingComponentConfig, $"the prompt '{node.Id}' needs config.template", node.Id);
            return;
        }

        foreach (var token in node.PromptTemplate?.Tokens ?? [])
        {
            var bound = node.FindInput(token.Head) is not null;
            if (token.HasPath || !bound)
            {
                if (bound || _nodesById.ContainsKey(token.Head))
                {
                    Warning(ValidationCodes.PromptParamHasPath,
                        $"the prompt '{node.Id}' uses '{{{{{token.Raw}}}}}'; prompt parameters should be plain names bound in inputs", node.Id);
                }
                else
                {
                    Error(ValidationCodes.MissingRequiredParameter, $"the prompt '{node.Id}' uses '{{{{{token.Raw}}}}}', but has no input named '{token.Head}'", node.Id);
                }
            }
        }
    }

    private void CheckAgentNode(NodeDefinition node, bool isAgent)
    {
        if (node.AgentId is not null)
        {
            if (isAgent)
            {
                Error(ValidationCodes.NestedAgent,
                    $"the agent '{node.Id}' references another agent ('{node.AgentId}'); an agent's own node must be inline (use it as a tool instead)", node.Id);
            }

            return;
        }

        if (string.IsNullOrWhiteSpace(node.ModelConnectionId))
        {
            Error(ValidationCodes.MissingConnection, $"the agent '{node.Id}' needs model.connection_id (a provider connection)", node.Id);
        }

        if (node.Inputs.Count == 0)
        {
            Error(ValidationCodes.MissingRequiredParameter, $"the agent '{node.Id}' has no input; bind what it is asked (e.g. inputs.input)", node.Id);
        }

        if (node.ResponseFormat is { } format && JsonValues.GetString(format, "type") is { } type && type != "object")
        {
            Error(ValidationCodes.InvalidComponentConfig, $"the response_format of the agent '{node.Id}' must describe a JSON object, not '{type}'", node.Id);
        }
    }

    private void CheckIntegrationNode(NodeDefinition node)
    {
        if (string.IsNullOrWhiteSpace(node.IntegrationType))
        {
            Error(ValidationCodes.MissingComponentConfig, $"the integration '{node.Id}' has no integration_type", node.Id);
        }
        else if (node.IntegrationType != HttpIntegration.IntegrationType)
        {
            Error(ValidationCodes.UnsupportedComponent,
                $"the integration '{node.Id}' is of type '{node.IntegrationType}', which the local server cannot run (it runs 'http' integrations)", node.Id);
        }

        if (string.IsNullOrWhiteSpace(node.ConnectionId))
        {
            Error(ValidationCodes.MissingConnection, $"the integration '{node.Id}' needs a connection_id", node.Id);
        }
    }

    private void CheckAgentShape(NodeDefinition? output)
    {
        var agents = _definition.Nodes.Where(node => node.Type == NodeTypes.Agent).ToList();
        if (agents.Count != 1)
        {
            Error(ValidationCodes.AgentShape, $"an agent has exactly one agent node between its Input and Output; this one has {agents.Count}", agents.Skip(1).FirstOrDefault()?.Id);
        }

        foreach (var other in _definition.Nodes.Where(node => node.Type != NodeTypes.Agent && !IsComponent(node, ComponentTypes.Input) && !IsComponent(node, ComponentTypes.Output)))
        {
            Error(ValidationCodes.AgentShape, $"an agent holds only Input, one agent node and Output; '{other.Id}' is a {other.ReportedType}", other.Id);
        }

        if (output is not null && agents.Count == 1 && !DefinitionGraph.NodesReaching(_definition, output.Id).Contains(agents[0].Id))
        {
            Error(ValidationCodes.AgentShape, $"the Output '{output.Id}' must consume the agent '{agents[0].Id}'", output.Id);
        }
    }

    private void CheckReady(string projectId, IEngineCatalog catalog)
    {
        foreach (var node in _definition.Nodes)
        {
            if (node.Type == NodeTypes.Agent && node.AgentId is null && !string.IsNullOrWhiteSpace(node.ModelConnectionId))
            {
                CheckModelConnection(node, catalog.FindConnection(projectId, node.ModelConnectionId), projectId, catalog);
            }

            if (node.Type == NodeTypes.Agent && node.AgentId is { } agentId && catalog.FindWorkflow(projectId, agentId) is null)
            {
                Error(ValidationCodes.WorkflowNotFound, $"the agent node '{node.Id}' references the agent '{agentId}', which does not exist", node.Id);
            }

            if (node.Type == NodeTypes.Agent)
            {
                CheckTools(node, projectId, catalog);
            }

            if (node.Type == NodeTypes.Integration && !string.IsNullOrWhiteSpace(node.ConnectionId))
            {
                CheckIntegrationConnection(node, node.ConnectionId, catalog.FindConnection(projectId, node.ConnectionId));
            }

            if (node.Type == NodeTypes.Workflow && node.WorkflowId is { } workflowId)
            {
                CheckWorkflowNode(node, workflowId, catalog.FindWorkflow(projectId, workflowId));
            }

            if (IsComponent(node, ComponentTypes.Output) && JsonValues.GetString(node.Config, "mode") == OutputModes.Structured)
            {
                CheckStructuredOutputTypes(node);
            }
        }

        CheckWiring();
    }

    private void CheckModelConnection(NodeDefinition node, ConnectionRecord? connection, string projectId, IEngineCatalog catalog)
    {
        if (connection is null)
        {
            Error(ValidationCodes.ConnectionNotFound, $"the agent '{node.Id}' uses the connection '{node.ModelConnectionId}', which does not exist", node.Id);
            return;
        }

        if (connection.Status == AgentNodeRunner.InactiveStatus)
        {
            Error(ValidationCodes.ConnectionInactive, $"the agent '{node.Id}' uses the connection '{connection.Name}', which is inactive", node.Id);
        }

        if (connection.Kind != AgentNodeRunner.ProviderKind)
        {
            Error(ValidationCodes.ConnectionCapability, $"the agent '{node.Id}' uses the connection '{connection.Name}', which is a {connection.Kind}, not a model provider", node.Id);
            return;
        }

        ConnectionRecord? gateway = null;
        if (ChatModels.GatewayIdOf(connection) is { } gatewayId)
        {
            gateway = catalog.FindConnection(projectId, gatewayId);
            if (gateway is null)
            {
                Error(ValidationCodes.ConnectionNotFound, $"the connection '{connection.Name}' of the agent '{node.Id}' goes through the gateway '{gatewayId}', which does not exist", node.Id);
                return;
            }

            if (gateway.Status == AgentNodeRunner.InactiveStatus)
            {
                Error(ValidationCodes.ConnectionInactive, $"the connection '{connection.Name}' of the agent '{node.Id}' goes through the gateway '{gateway.Name}', which is inactive", node.Id);
            }
        }

        if (!ChatModels.CanServe(connection, gateway, out var reason))
        {
            Error(ValidationCodes.ConnectionCapability, reason, node.Id);
        }

        if (string.IsNullOrWhiteSpace(node.ModelName) && string.IsNullOrWhiteSpace(connection.DefaultModel))
        {
            Error(ValidationCodes.MissingModel, $"the agent '{node.Id}' names no model and the connection '{connection.Name}' has no default model", node.Id);
        }
    }

    private void CheckTools(NodeDefinition node, string projectId, IEngineCatalog catalog)
    {
        foreach (var tool in node.Tools)
        {
            if (tool.CallsWorkflow)
            {
                var target = catalog.FindWorkflow(projectId, tool.TargetId);
                if (target is null)
                {
                    Error(ValidationCodes.WorkflowNotFound, $"the agent '{node.Id}' has the tool '{tool.Source}', but that {tool.Kind} does not exist", node.Id);
                }
                else if (target.LiveVersion is null)
                {
                    Error(ValidationCodes.ToolNotDeployed,
                        $"the agent '{node.Id}' has the tool '{tool.Source}' ('{target.Name}'), which has never been deployed; deploy it first", node.Id);
                }
            }
            else
            {
                CheckIntegrationConnection(node, tool.TargetId, catalog.FindConnection(projectId, tool.TargetId));
            }
        }
    }

    private void CheckIntegrationConnection(NodeDefinition node, string connectionId, ConnectionRecord? connection)
    {
        if (connection is null)
        {
            Error(ValidationCodes.ConnectionNotFound, $"the node '{node.Id}' uses the connection '{connectionId}', which does not exist", node.Id);
            return;
        }

        if (connection.Status == AgentNodeRunner.InactiveStatus)
        {
            Error(ValidationCodes.ConnectionInactive, $"the node '{node.Id}' uses the connection '{connection.Name}', which is inactive", node.Id);
        }

        if (connection.Kind != HttpIntegration.IntegrationKind)
        {
            Error(ValidationCodes.ConnectionCapability, $"the node '{node.Id}' uses the connection '{connection.Name}', which is a {connection.Kind}, not an integration", node.Id);
        }
        else if (!HttpIntegration.CanServe(connection, out var reason))
        {
            Error(ValidationCodes.ConnectionCapability, reason, node.Id);
        }
    }

    private void CheckWorkflowNode(NodeDefinition node, string workflowId, WorkflowRecord? target)
    {
        if (target is null)
        {
            Error(ValidationCodes.WorkflowNotFound, $"the workflow node '{node.Id}' calls the workflow '{workflowId}', which does not exist", node.Id);
            return;
        }

        if (DefinitionParser.Parse(target.DraftDefinition).Definition is not { } targetDefinition)
        {
            return;
        }

        var contract = InputContract.Of(targetDefinition);
        var passesWholeInput = node.Inputs.Count == 1 && node.Inputs[0].Key is "input" or "input_data";
        if (contract.IsChat || passesWholeInput)
        {
            return;
        }

        foreach (var field in contract.Fields.Where(field => field.Required && node.FindInput(field.Name) is null))
        {
            Error(ValidationCodes.MissingRequiredParameter, $"the workflow node '{node.Id}' does not bind '{field.Name}', which '{target.Name}' requires", node.Id);
        }

        foreach (var (parameter, binding) in node.Inputs)
        {
            if (contract.FindField(parameter) is { } field)
            {
                CheckType(node, parameter, binding, field.Type);
            }
        }
    }

    private void CheckStructuredOutputTypes(NodeDefinition node)
    {
        foreach (var field in (JsonValues.GetArray(node.Config, "fields") ?? []).OfType<JsonObject>())
        {
            var name = JsonValues.GetString(field, "name");
            var type = field["type"] is JsonObject typeObject ? JsonValues.GetString(typeObject, "type") : JsonValues.GetString(field, "type");
            if (name is not null && type is not null && node.FindInput(name) is { } binding)
            {
                CheckType(node, name, binding, type);
            }
        }
    }

    private void CheckType(NodeDefinition node, string parameter, Binding binding, string expectedType)
    {
        if (binding is TemplateBinding && expectedType != "string")
        {
            Error(ValidationCodes.TypeMismatch, $"'{parameter}' of '{node.Id}' is {JsonValues.WithArticle(expectedType)}, but a template binding always gives a string", node.Id);
            return;
        }

        if (StaticType(binding) is { } actual && !TypeFits(actual, expectedType))
        {
            Error(ValidationCodes.TypeMismatch, $"'{parameter}' of '{node.Id}' is {JsonValues.WithArticle(expectedType)}, but it is bound to {JsonValues.WithArticle(actual)}", node.Id);
        }
    }

    private static bool TypeFits(string actual, string expected) =>
        expected is "" or "any" || actual == expected || (expected == "number" && actual == "integer") || (expected == "file" && actual is "object" or "string");

    /// <summary>The type a binding is known to give before running, or null when it cannot be known.</summary>
    private string? StaticType(Binding binding)
    {
        switch (binding)
        {
            case LiteralBinding literal:
                return literal.Value is null ? null : JsonValues.TypeName(literal.Value);
            case TemplateBinding:
                return "string";
            case ListBinding:
                return "array";
            case ObjectBinding:
                return "object";
            case RefBinding reference when _nodesById.TryGetValue(reference.Source, out var source):
                if (IsComponent(source, ComponentTypes.Input) && reference.Path.IsRoot)
                {
                    return "object"; // an object input, or a chat input's {message}
                }

                if (IsComponent(source, ComponentTypes.Input) && reference.Path.Segments is [string fieldName])
                {
                    var contract = InputContract.Read(source, _definition.InputSchema, []);
                    return contract.IsChat ? (fieldName == InputContract.MessageField ? "string" : null) : contract.FindField(fieldName)?.Type;
                }

                if (reference.Path.IsRoot && IsComponent(source, ComponentTypes.Prompt))
                {
                    return "string";
                }

                if (reference.Path.IsRoot && source.Type == NodeTypes.Agent && source.AgentId is null)
                {
                    return source.ResponseFormat is null ? "string" : "object";
                }

                return null;
            default:
                return null;
        }
    }

    private void CheckWiring()
    {
        var output = _definition.Nodes.FirstOrDefault(node => IsComponent(node, ComponentTypes.Output));
        if (output is not null)
        {
            var reaching = DefinitionGraph.NodesReaching(_definition, output.Id);
            foreach (var node in _definition.Nodes.Where(node => !reaching.Contains(node.Id)))
            {
                Warning(ValidationCodes.DoesNotReachOutput, $"nothing the node '{node.Id}' produces reaches the Output", node.Id);
            }
        }

        foreach (var node in _definition.Nodes)
        {
            foreach (var connected in node.AuthoredDependsOn.Where(id => !node.Dependencies.Contains(id)))
            {
                Warning(ValidationCodes.ConnectedNotAssigned,
                    $"the node '{node.Id}' is connected to '{connected}' (depends_on), but no input of it reads '{connected}'", node.Id);
            }
        }
    }
}
