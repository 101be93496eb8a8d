using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CompassPS.LocalServer.Engine.Definitions;
using CompassPS.LocalServer.Engine.Providers;

namespace CompassPS.LocalServer.Engine.Execution;

/// <summary>
/// Runs an agent node: the model on its provider connection, in rounds of tool calls (each tool a child run
/// or an integration call, after an approval when the agent requires one) until it answers.
/// </summary>
public sealed class AgentNodeRunner(RunContext context, NodeDefinition node, string stepId, TokenTally tokens)
{
    public const string ProviderKind = "provider";
    public const string InactiveStatus = "inactive";

    private const int MaxToolRounds = 10;

    private sealed record AgentTool(ToolDescriptor Descriptor, ToolSpec Spec, ConnectionRecord? Integration);

    /// <summary>The model an inline agent runs (for its step record); null when it cannot be resolved yet.</summary>
    public static string? ModelNameFor(NodeDefinition agent, RunContext context)
    {
        if (agent.AgentId is not null)
        {
            return null;
        }

        if (!string.IsNullOrWhiteSpace(agent.ModelName))
        {
            return agent.ModelName;
        }

        return agent.ModelConnectionId is { Length: > 0 } connectionId
            ? context.Catalog.FindConnection(context.Run.ProjectId, connectionId)?.DefaultModel
            : null;
    }

    public async Task<JsonNode?> RunAsync(JsonObject inputs, CancellationToken cancellationToken)
    {
        if (node.AgentId is { } prebuiltAgentId)
        {
            return await RunPrebuiltAgentAsync(prebuiltAgentId, inputs, cancellationToken);
        }

        var connection = ResolveConnection();
        var modelName = ModelNameFor(node, context) is { Length: > 0 } resolved
            ? resolved
            : throw new RunFailedException(
                $"the agent '{node.DisplayName}' names no model and its provider connection '{connection.Name}' has no default model", node.Id);
        var chatModel = ChatModels.Create(connection, ResolveGateway(connection), context.Options);
        var tools = BuildTools();
        var userInput = UserInput(inputs);
        if (node.BatchOver is not { } axis)
        {
            return await ConverseAsync(chatModel, modelName, tools, userInput, cancellationToken);
        }

        // batch_over: one conversation per item of the axis, at most batch_concurrency at a time, answers in item order.
        var items = BatchItems(userInput, axis);
        var answers = new JsonNode?[items.Count];
        using var stopAll = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var slots = new SemaphoreSlim(node.BatchConcurrency);
        await Task.WhenAll(items.Select(async (item, index) =>
        {
            await slots.WaitAsync(stopAll.Token);
            try
            {
                answers[index] = await ConverseAsync(chatModel, modelName, tools, item, stopAll.Token);
            }
            catch (Exception failure) when (failure is not OperationCanceledException)
            {
                await stopAll.CancelAsync();
                throw;
            }
            finally
            {
                slots.Release();
            }
        }));
        return new JsonArray(answers);
    }

    private List<JsonNode?> BatchItems(JsonNode? userInput, string axis)
    {
        var list = axis == "$" ? userInput : (userInput as JsonObject)?[axis];
        if (list is not JsonArray array)
        {
            var what = axis == "$" ? "its input" : $"the field '{axis}' of its input";
            throw new RunFailedException(
                $"the agent '{node.DisplayName}' batches over {what}, which must be a list but is {JsonValues.WithArticle(JsonValues.TypeName(list))}", node.Id);
        }

        return array.Select(item => item?.DeepClone()).ToList();
    }

    /// <summary>One conversation: the model answers the user input, calling tools in rounds until it gives its answer.</summary>
    private async Task<JsonNode?> ConverseAsync(IChatModel chatModel, string modelName, List<AgentTool> tools, JsonNode? userInput, CancellationToken cancellationToken)
    {
        var messages = new List<ChatMessage>();
        if (!string.IsNullOrWhiteSpace(node.SystemPrompt))
        {
            messages.Add(new ChatMessage(ChatRoles.System, node.SystemPrompt));
        }

        if (node.ConversationHistory)
        {
            foreach (var turn in context.Run.History)
            {
                if (turn.Input is not null)
                {
                    messages.Add(new ChatMessage(ChatRoles.User, MessageText(turn.Input)));
                }

                if (turn.Output is not null)
                {
                    messages.Add(new ChatMessage(ChatRoles.Assistant, MessageText(turn.Output)));
                }
            }
        }

        messages.Add(new ChatMessage(ChatRoles.User, MessageText(userInput)));

        for (var round = 0; round <= MaxToolRounds; round++)
        {
            var request = new ChatRequest
            {
                Model = modelName,
                Messages = messages,
                Tools = tools.Select(tool => tool.Descriptor).ToList(),
                ResponseFormat = node.ResponseFormat,
                Settings = node.Settings,
            };
            var turn = await chatModel.NextTurnAsync(request, StreamTextAsync, cancellationToken);
            tokens.Add(turn.Tokens);
            if (turn.ToolCalls.Count == 0)
            {
                return Answer(turn.Text);
            }

            messages.Add(new ChatMessage(ChatRoles.Assistant, turn.Text) { ToolCalls = turn.ToolCalls });
            foreach (var call in turn.ToolCalls)
            {
                var result = await CallToolAsync(call, tools, cancellationToken);
                messages.Add(new ChatMessage(ChatRoles.Tool, JsonValues.ToText(result)) { ToolCallId = call.Id, ToolName = call.Name });
            }
        }

        throw new RunFailedException($"the agent '{node.DisplayName}' was still calling tools after {MaxToolRounds} rounds", node.Id);
    }

    private Task StreamTextAsync(string text, CancellationToken cancellationToken) =>
        context.EmitAsync(EventTypes.OutputDelta, new JsonObject { ["node_id"] = node.Id, ["text"] = text }, cancellationToken);

    private async Task<JsonNode?> RunPrebuiltAgentAsync(string agentId, JsonObject inputs, CancellationToken cancellationToken)
    {
        var child = await context.RunChildAsync(agentId, RunExecution.ChildInput(inputs), stepId, cancellationToken);
        return child.Status == StepStatuses.Completed
            ? child.Output
            : throw new RunFailedException($"the agent run {child.RunId} of '{node.DisplayName}' ended {child.Status}: {child.Error ?? "no error given"}", node.Id);
    }

    private ConnectionRecord ResolveConnection()
    {
        if (string.IsNullOrWhiteSpace(node.ModelConnectionId))
        {
            throw new RunFailedException($"the agent '{node.DisplayName}' has no model.connection_id", node.Id);
        }

        var connection = context.Catalog.FindConnection(context.Run.ProjectId, node.ModelConnectionId)
            ?? throw new RunFailedException($"the agent '{node.DisplayName}' uses the connection '{node.ModelConnectionId}', which does not exist", node.Id);
        if (connection.Status == InactiveStatus)
        {
            throw new RunFailedException($"the agent '{node.DisplayName}' uses the connection '{connection.Name}', which is inactive", node.Id);
        }

        if (connection.Kind != ProviderKind)
        {
            throw new RunFailedException($"the agent '{node.DisplayName}' uses the connection '{connection.Name}', which is a {connection.Kind}, not a model provider", node.Id);
        }

        return connection;
    }

    private ConnectionRecord? ResolveGateway(ConnectionRecord provider)
    {
        if (ChatModels.GatewayIdOf(provider) is not { } gatewayId)
        {
            return null;
        }

        var gateway = context.Catalog.FindConnection(context.Run.ProjectId, gatewayId)
            ?? throw new RunFailedException($"the provider connection '{provider.Name}' goes through the gateway '{gatewayId}', which does not exist", node.Id);
        return gateway.Status == InactiveStatus
            ? throw new RunFailedException($"the provider connection '{provider.Name}' goes through the gateway '{gateway.Name}', which is inactive", node.Id)
            : gateway;
    }

    /// <summary>What the agent is asked: its one bound parameter, or 'input' among several, or all of them as an object.</summary>
    private static JsonNode? UserInput(JsonObject inputs) =>
        inputs.Count == 1 ? inputs.First().Value : inputs.TryGetPropertyValue("input", out var input) ? input : inputs;

    /// <summary>A chat message's text: the 'message' of a chat input, a string as it is, anything else as JSON.</summary>
    private static string MessageText(JsonNode? value) =>
        value is JsonObject obj && JsonValues.GetString(obj, InputContract.MessageField) is { } message ? message : JsonValues.ToText(value);

    private JsonNode? Answer(string text)
    {
        if (node.ResponseFormat is not { } schema)
        {
            return JsonValue.Create(text);
        }

        JsonNode? parsed;
        try
        {
            parsed = JsonNode.Parse(text);
        }
        catch (JsonException exception)
        {
            throw new RunFailedException($"the agent '{node.DisplayName}' was asked for JSON (response_format) but answered text that is not JSON: {exception.Message}", node.Id);
        }

        if (parsed is not JsonObject answer)
        {
            throw new RunFailedException($"the agent '{node.DisplayName}' was asked for a JSON object (response_format) but answered {JsonValues.TypeName(parsed)}", node.Id);
        }

        var required = (JsonValues.GetArray(schema, "required") ?? []).Select(JsonValues.ToText);
        if (required.FirstOrDefault(name => !answer.ContainsKey(name)) is { } missing)
        {
            throw new RunFailedException($"the agent '{node.DisplayName}' answered JSON without the required field '{missing}' of its response_format", node.Id);
        }

        foreach (var (name, propertySchema) in JsonValues.GetObject(schema, "properties") ?? [])
        {
            if (answer.TryGetPropertyValue(name, out var value) && value is not null
                && JsonValues.GetString(propertySchema as JsonObject, "type") is { } type && !JsonValues.Fits(value, type))
            {
                throw new RunFailedException(
                    $"the agent '{node.DisplayName}' answered '{name}' as {JsonValues.TypeName(value)}, but its response_format says {type}", node.Id);
            }
        }

        return answer;
    }

    private List<AgentTool> BuildTools()
    {
        var tools = new List<AgentTool>();
        var usedNames = new HashSet<string>(StringComparer.Ordinal);
        foreach (var spec in node.Tools)
        {
            if (spec.CallsWorkflow)
            {
                var workflow = context.Catalog.FindWorkflow(context.Run.ProjectId, spec.TargetId)
                    ?? throw new RunFailedException($"the agent '{node.DisplayName}' has the tool '{spec.Source}', but that {spec.Kind} does not exist", node.Id);
                var contract = DefinitionParser.Parse(workflow.DraftDefinition).Definition is { } target ? InputContract.Of(target) : InputContract.Chat;
                var name = UniqueName(spec.Name ?? workflow.Name, usedNames);
                var description = spec.Description ?? $"Runs the {spec.Kind} '{workflow.Name}'.";
                tools.Add(new AgentTool(new ToolDescriptor(name, description, contract.ToJsonSchema()), spec, null));
            }
            else
            {
                var connection = context.Catalog.FindConnection(context.Run.ProjectId, spec.TargetId)
                    ?? throw new RunFailedException($"the agent '{node.DisplayName}' has the tool '{spec.Source}', but that connection does not exist", node.Id);
                var name = UniqueName(spec.Name ?? connection.Name, usedNames);
                var description = spec.Description ?? $"Calls the HTTP integration '{connection.Name}'.";
                tools.Add(new AgentTool(new ToolDescriptor(name, description, HttpIntegration.ToolParameters()), spec, connection));
            }
        }

        return tools;
    }

    // Tool names must suit every provider's function-name rules: letters, digits, '_' and '-', at most 64 characters.
    private static string UniqueName(string wanted, HashSet<string> usedNames)
    {
        var cleaned = new StringBuilder();
        foreach (var character in wanted.Trim())
        {
            cleaned.Append(char.IsAsciiLetterOrDigit(character) || character is '_' or '-' ? char.ToLowerInvariant(character) : '_');
        }

        var baseName = cleaned.Length == 0 ? "tool" : cleaned.ToString(0, Math.Min(cleaned.Length, 60));
        var name = baseName;
        for (var suffix = 2; !usedNames.Add(name); suffix++)
        {
            name = $"{baseName}_{suffix}";
        }

        return name;
    }

    private async Task<JsonNode?> CallToolAsync(ToolCallRequest call, List<AgentTool> tools, CancellationToken cancellationToken)
    {
        var tool = tools.FirstOrDefault(candidate => candidate.Descriptor.Name == call.Name)
            ?? throw new RunFailedException($"the model called the tool '{call.Name}', which the agent '{node.DisplayName}' does not have", node.Id);

        if (node.ToolsRequireApproval)
        {
            var decision = await context.Sink.RequestApprovalAsync(new ApprovalRequest(node.Id, call.Name, call.Arguments.DeepClone()), cancellationToken);
            if (!decision.Approved)
            {
                var reason = string.IsNullOrWhiteSpace(decision.Comment) ? "" : $": {decision.Comment}";
                throw new RunFailedException($"the call of the tool '{call.Name}' was rejected{reason}", node.Id);
            }
        }

        var clock = Stopwatch.StartNew();
        var toolStepId = await context.Sink.StepStartedAsync(
            new StepStart(StepKinds.ToolCall, node.Id, call.Name, call.Name, stepId, call.Arguments.DeepClone(), null), cancellationToken);
        await context.EmitAsync(EventTypes.ToolCallStarted, new JsonObject
        {
            ["node_id"] = node.Id,
            ["tool_call_id"] = call.Id,
            ["tool"] = call.Name,
            ["args"] = call.Arguments.DeepClone(),
        }, cancellationToken);

        try
        {
            var result = tool.Integration is { } connection
                ? await HttpIntegration.CallToolAsync(context, connection, call.Arguments, node.Id, cancellationToken)
                : await RunWorkflowToolAsync(tool, call, toolStepId, cancellationToken);
            await context.Sink.StepFinishedAsync(toolStepId, new StepEnd(StepStatuses.Completed, result?.DeepClone(), null, 0), cancellationToken);
            await context.EmitAsync(EventTypes.ToolCallCompleted, new JsonObject
            {
                ["node_id"] = node.Id,
                ["tool_call_id"] = call.Id,
                ["tool"] = call.Name,
                ["result"] = result?.DeepClone(),
                ["duration_ms"] = clock.ElapsedMilliseconds,
            }, cancellationToken);
            return result;
        }
        catch (RunFailedException failure)
        {
            await context.Sink.StepFinishedAsync(toolStepId, new StepEnd(StepStatuses.Failed, null, failure.Message, 0), CancellationToken.None);
            throw;
        }
        catch (OperationCanceledException)
        {
            await context.Sink.StepFinishedAsync(toolStepId, new StepEnd(StepStatuses.Cancelled, null, "cancelled", 0), CancellationToken.None);
            throw;
        }
    }

    private async Task<JsonNode?> RunWorkflowToolAsync(AgentTool tool, ToolCallRequest call, string toolStepId, CancellationToken cancellationToken)
    {
        var child = await context.RunChildAsync(tool.Spec.TargetId, call.Arguments.DeepClone(), toolStepId, cancellationToken);
        return child.Status == StepStatuses.Completed
            ? child.Output
            : throw new RunFailedException($"the tool '{call.Name}' (run {child.RunId}) ended {child.Status}: {child.Error ?? "no error given"}", node.Id);
    }
}
