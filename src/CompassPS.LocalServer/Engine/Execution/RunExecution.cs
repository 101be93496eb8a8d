using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.ExceptionServices;
using System.Text.Json.Nodes;
using CompassPS.LocalServer.Engine.Definitions;

namespace CompassPS.LocalServer.Engine.Execution;

public static class EventTypes
{
    public const string NodeStarted = "node.started";
    public const string NodeCompleted = "node.completed";
    public const string NodeFailed = "node.failed";
    public const string ToolCallStarted = "tool_call.started";
    public const string ToolCallCompleted = "tool_call.completed";
    public const string OutputDelta = "output.delta";
}

public static class StepKinds
{
    public const string Node = "node";
    public const string ToolCall = "tool_call";
}

public static class StepStatuses
{
    public const string Completed = "completed";
    public const string Failed = "failed";
    public const string Cancelled = "cancelled";
}

/// <summary>
/// One execution of a definition: runs each node as soon as the nodes it reads have finished (so independent
/// nodes run concurrently), records a step and events per node, and stops everything at the first failure.
/// </summary>
public sealed class RunExecution
{
    private const int ComponentDelayMs = 30;

    private readonly RunContext _context;
    private readonly WorkflowDefinition _definition;
    private readonly ConcurrentDictionary<string, JsonNode?> _outputs = new(StringComparer.Ordinal);
    private readonly BindingEvaluator _bindings;
    private ExceptionDispatchInfo? _firstFailure;

    public RunExecution(RunContext context, WorkflowDefinition definition)
    {
        _context = context;
        _definition = definition;
        _bindings = new BindingEvaluator(ReadOutput, context.Run.Config);
    }

    public async Task<RunResult> RunAsync(CancellationToken cancellationToken)
    {
        var order = DefinitionGraph.TopologicalOrder(_definition, out _)
            ?? throw new RunFailedException("the definition has a cycle");
        using var stopAll = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var tasks = new Dictionary<string, Task>(StringComparer.Ordinal);
        foreach (var node in order)
        {
            var dependencies = node.Dependencies.Where(tasks.ContainsKey).Select(dependency => tasks[dependency]).ToArray();
            tasks[node.Id] = RunWhenReadyAsync(node, dependencies, stopAll);
        }

        try
        {
            await Task.WhenAll(tasks.Values);
        }
        catch (Exception) when (_firstFailure is not null || cancellationToken.IsCancellationRequested)
        {
            // The other nodes' exceptions are only the cancellation that the first failure caused.
            cancellationToken.ThrowIfCancellationRequested();
            _firstFailure!.Throw();
        }

        var outputNode = _definition.Nodes.First(node => node.Type == NodeTypes.Component && node.ComponentType == ComponentTypes.Output);
        return new RunResult(ReadOutput(outputNode.Id)?.DeepClone(), _context.TotalTokens);
    }

    private JsonNode? ReadOutput(string nodeId) => _outputs.TryGetValue(nodeId, out var output) ? output : null;

    private async Task RunWhenReadyAsync(NodeDefinition node, Task[] dependencies, CancellationTokenSource stopAll)
    {
        try
        {
            await Task.WhenAll(dependencies);
        }
        catch (Exception)
        {
            // The failed dependency reports itself; this node simply never starts.
            throw new OperationCanceledException(stopAll.Token);
        }

        try
        {
            await RunNodeAsync(node, stopAll.Token);
        }
        catch (Exception failure) when (failure is not OperationCanceledException)
        {
            Interlocked.CompareExchange(ref _firstFailure, ExceptionDispatchInfo.Capture(failure), null);
            await stopAll.CancelAsync();
            throw;
        }
    }

    private async Task RunNodeAsync(NodeDefinition node, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var clock = Stopwatch.StartNew();
        await _context.EmitAsync(EventTypes.NodeStarted, NodeFields(node), cancellationToken);

        JsonObject? inputs = null;
        RunFailedException? inputFailure = null;
        try
        {
            inputs = _bindings.EvaluateInputs(node);
        }
        catch (RunFailedException failure)
        {
            inputFailure = failure;
        }

        var model = node.Type == NodeTypes.Agent ? AgentNodeRunner.ModelNameFor(node, _context) : null;
        var stepId = await _context.Sink.StepStartedAsync(
            new StepStart(StepKinds.Node, node.Id, node.DisplayName, node.ReportedType, null, inputs?.DeepClone(), model), cancellationToken);
        var tokens = new TokenTally(_context);
        try
        {
            if (inputFailure is not null)
            {
                throw inputFailure;
            }

            var output = await ExecuteAsync(node, inputs!, stepId, tokens, cancellationToken);
            // Bounded before anything keeps or sends it: the step record, the events, the run's output.
            if (!DefinitionBounds.FitsIn(output, DefinitionBounds.MaxNodeValueBytes, out _))
            {
                throw new RunFailedException(
                    $"{ValidationCodes.OutputTooLarge}: the output of '{node.DisplayName}' is larger than {DefinitionBounds.MaxNodeValueBytes:N0} bytes", node.Id);
            }

            _outputs[node.Id] = output;
            await _context.Sink.StepFinishedAsync(stepId, new StepEnd(StepStatuses.Completed, output?.DeepClone(), null, tokens.Value), cancellationToken);
            var completed = NodeFields(node);
            completed["duration_ms"] = clock.ElapsedMilliseconds;
            await _context.EmitAsync(EventTypes.NodeCompleted, completed, cancellationToken);
        }
        catch (RunFailedException failure)
        {
            // Reported even when the run is being cancelled, so that the record of the failure is not lost.
            await _context.Sink.StepFinishedAsync(stepId, new StepEnd(StepStatuses.Failed, null, failure.Message, tokens.Value), CancellationToken.None);
            var failed = NodeFields(node);
            failed["duration_ms"] = clock.ElapsedMilliseconds;
            failed["error"] = failure.Message;
            await _context.EmitAsync(EventTypes.NodeFailed, failed, CancellationToken.None);
            throw failure.NodeId is null ? new RunFailedException(failure.Message, node.Id) : failure;
        }
        catch (OperationCanceledException)
        {
            await _context.Sink.StepFinishedAsync(stepId, new StepEnd(StepStatuses.Cancelled, null, "cancelled", tokens.Value), CancellationToken.None);
            throw;
        }
        catch (Exception bug)
        {
            // Not the run's fault: the host reports it as an engine failure, but the step must not stay running.
            var message = $"the local server failed while running '{node.DisplayName}': {bug.Message}";
            await _context.Sink.StepFinishedAsync(stepId, new StepEnd(StepStatuses.Failed, null, message, tokens.Value), CancellationToken.None);
            var failed = NodeFields(node);
            failed["duration_ms"] = clock.ElapsedMilliseconds;
            failed["error"] = message;
            await _context.EmitAsync(EventTypes.NodeFailed, failed, CancellationToken.None);
            throw;
        }
    }

    private async Task<JsonNode?> ExecuteAsync(NodeDefinition node, JsonObject inputs, string stepId, TokenTally tokens, CancellationToken cancellationToken)
    {
        switch (node.Type)
        {
            case NodeTypes.Component:
                await _context.DelayAsync(ComponentDelayMs, cancellationToken);
                return node.ComponentType switch
                {
                    ComponentTypes.Input => InputContract.Read(node, _definition.InputSchema, []).Accept(_context.Run.Input, node.Id),
                    ComponentTypes.Output => OutputValue(node, inputs),
                    ComponentTypes.Prompt => JsonValue.Create(RenderPrompt(node, inputs)),
                    _ => throw new RunFailedException($"the local server cannot run the component type '{node.ComponentType}'", node.Id),
                };
            case NodeTypes.Agent:
                return await new AgentNodeRunner(_context, node, stepId, tokens).RunAsync(inputs, cancellationToken);
            case NodeTypes.Integration:
                return await HttpIntegration.RunNodeAsync(_context, node, inputs, cancellationToken);
            case NodeTypes.Workflow:
                return await RunWorkflowNodeAsync(node, inputs, stepId, cancellationToken);
            default:
                throw new RunFailedException($"the node type '{node.Type}' is not one the local server runs", node.Id);
        }
    }

    private static JsonNode? OutputValue(NodeDefinition node, JsonObject inputs)
    {
        if (JsonValues.GetString(node.Config, "mode") == OutputModes.Structured)
        {
            var structured = new JsonObject();
            foreach (var field in OutputModes.FieldNames(node))
            {
                structured[field] = inputs[field]?.DeepClone();
            }

            return structured;
        }

        // Single mode unwraps its one value (a parameter named 'value' wins if several are bound).
        var single = inputs.TryGetPropertyValue("value", out var named) ? named : inputs.Select(input => input.Value).FirstOrDefault();
        return single?.DeepClone();
    }

    private string RenderPrompt(NodeDefinition node, JsonObject inputs)
    {
        var template = node.PromptTemplate
            ?? throw new RunFailedException($"the prompt '{node.DisplayName}' has no usable config.template", node.Id);
        try
        {
            return template.Render(token => inputs.TryGetPropertyValue(token.Head, out var parameter)
                ? token.PathAfterHead.Select(parameter)
                : token.PathAfterHead.Select(ReadOutput(token.Head)));
        }
        catch (RunFailedException tooLarge) when (tooLarge.NodeId is null)
        {
            throw new RunFailedException($"{tooLarge.Message} (prompt '{node.DisplayName}')", node.Id);
        }
    }

    private async Task<JsonNode?> RunWorkflowNodeAsync(NodeDefinition node, JsonObject inputs, string stepId, CancellationToken cancellationToken)
    {
        var workflowId = node.WorkflowId ?? throw new RunFailedException($"the workflow node '{node.DisplayName}' has no workflow_id", node.Id);
        var child = await _context.RunChildAsync(workflowId, ChildInput(inputs), stepId, cancellationToken);
        if (child.Status != StepStatuses.Completed)
        {
            throw new RunFailedException(
                $"the sub-workflow run {child.RunId} of '{node.DisplayName}' ended {child.Status}: {child.Error ?? "no error given"}", node.Id);
        }

        return child.Output;
    }

    /// <summary>A sub-workflow gets its parameters as an object, or the value itself when the one parameter is 'input' or 'input_data'.</summary>
    public static JsonNode? ChildInput(JsonObject inputs) =>
        inputs.Count == 1 && inputs.First().Key is "input" or "input_data" ? inputs.First().Value?.DeepClone() : inputs.DeepClone();

    private static JsonObject NodeFields(NodeDefinition node) => new()
    {
        ["node_id"] = node.Id,
        ["node_name"] = node.DisplayName,
        ["node_type"] = node.ReportedType,
    };
}

public static class OutputModes
{
    public const string Single = "single";
    public const string Structured = "structured";

    /// <summary>The field names of a structured Output (config.fields: [{name, type}]).</summary>
    public static IEnumerable<string> FieldNames(NodeDefinition node) =>
        (JsonValues.GetArray(node.Config, "fields") ?? [])
            .Select(field => field is JsonObject obj ? JsonValues.GetString(obj, "name") : JsonValues.ToText(field))
            .Where(name => !string.IsNullOrEmpty(name))
            .Select(name => name!);
}

/// <summary>Tokens used by one step, also added to the run's total.</summary>
public sealed class TokenTally(RunContext context)
{
    private int _value;

    public int Value => _value;

    public void Add(int tokens)
    {
        Interlocked.Add(ref _value, tokens);
        context.AddTokens(tokens);
    }
}
