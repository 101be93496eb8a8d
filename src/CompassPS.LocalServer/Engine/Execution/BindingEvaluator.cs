using System.Text.Json.Nodes;
using CompassPS.LocalServer.Engine.Definitions;

namespace CompassPS.LocalServer.Engine.Execution;

/// <summary>Evaluates bindings against the outputs of finished nodes and the run's config.</summary>
public sealed class BindingEvaluator(Func<string, JsonNode?> nodeOutput, JsonObject? runConfig)
{
    /// <summary>
    /// The values of a node's bound parameters, in declaration order (every value a fresh copy). Inputs larger than
    /// <see cref="DefinitionBounds.MaxNodeValueBytes"/> fail the node with OUTPUT_TOO_LARGE.
    /// </summary>
    public JsonObject EvaluateInputs(NodeDefinition node)
    {
        // Nodes evaluate concurrently: each evaluation has its own budget. Every value is measured before it is
        // copied, so a thousand refs to one large output fail the node instead of copying it a thousand times.
        var budget = new Budget();
        var values = new JsonObject();
        foreach (var (parameter, binding) in node.Inputs)
        {
            values[parameter] = Evaluate(binding, node.Id, parameter, budget);
        }

        return values;
    }

    private JsonNode? Evaluate(Binding binding, string nodeId, string parameter, Budget budget) => binding switch
    {
        LiteralBinding literal => budget.Charge(literal.Value, nodeId)?.DeepClone(),
        RefBinding reference => budget.Charge(reference.Path.Select(nodeOutput(reference.Source)), nodeId)?.DeepClone(),
        TemplateBinding template => budget.Charge(JsonValue.Create(template.Template.Render(token => token.PathAfterHead.Select(nodeOutput(token.Head)),
            budget.Remaining)), nodeId),
        ListBinding list => new JsonArray(list.Items.Select(item => Evaluate(item, nodeId, parameter, budget)).ToArray()),
        ObjectBinding obj => EvaluateEntries(obj, nodeId, parameter, budget),
        ConfigBinding config => ReadConfig(config, nodeId, parameter, budget),
        _ => throw new InvalidOperationException($"no evaluation for {binding.GetType().Name}"),
    };

    private JsonObject EvaluateEntries(ObjectBinding binding, string nodeId, string parameter, Budget budget)
    {
        var result = new JsonObject();
        foreach (var (key, entry) in binding.Entries)
        {
            result[key] = Evaluate(entry, nodeId, $"{parameter}.{key}", budget);
        }

        return result;
    }

    private JsonNode? ReadConfig(ConfigBinding binding, string nodeId, string parameter, Budget budget)
    {
        if (runConfig is not null && runConfig.TryGetPropertyValue(binding.Key, out var value) && value is not null)
        {
            return budget.Charge(value, nodeId)!.DeepClone();
        }

        if (binding.Default is not null)
        {
            return budget.Charge(binding.Default, nodeId)!.DeepClone();
        }

        return binding.Optional
            ? null
            : throw new RunFailedException($"the run's config has no '{binding.Key}', which node '{nodeId}' needs for '{parameter}'", nodeId);
    }

    private sealed class Budget
    {
        public long Remaining { get; private set; } = DefinitionBounds.MaxNodeValueBytes;

        public JsonNode? Charge(JsonNode? value, string nodeId)
        {
            if (!DefinitionBounds.FitsIn(value, Remaining, out var measured))
            {
                throw new RunFailedException(
                    $"{ValidationCodes.OutputTooLarge}: the inputs of node '{nodeId}' are larger than {DefinitionBounds.MaxNodeValueBytes:N0} bytes", nodeId);
            }

            Remaining -= measured;
            return value;
        }
    }
}
