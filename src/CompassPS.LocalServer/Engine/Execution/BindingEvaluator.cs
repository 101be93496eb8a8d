using System.Text.Json.Nodes;
using CompassPS.LocalServer.Engine.Definitions;

namespace CompassPS.LocalServer.Engine.Execution;

/// <summary>Evaluates bindings against the outputs of finished nodes and the run's config.</summary>
public sealed class BindingEvaluator(Func<string, JsonNode?> nodeOutput, JsonObject? runConfig)
{
    /// <summary>The values of a node's bound parameters, in declaration order (every value a fresh copy).</summary>
    public JsonObject EvaluateInputs(NodeDefinition node)
    {
        var values = new JsonObject();
        foreach (var (parameter, binding) in node.Inputs)
        {
            values[parameter] = Evaluate(binding, node.Id, parameter);
        }

        return values;
    }

    public JsonNode? Evaluate(Binding binding, string nodeId, string parameter) => binding switch
    {
        LiteralBinding literal => literal.Value?.DeepClone(),
        RefBinding reference => reference.Path.Select(nodeOutput(reference.Source))?.DeepClone(),
        TemplateBinding template => JsonValue.Create(template.Template.Render(token => token.PathAfterHead.Select(nodeOutput(token.Head)))),
        ListBinding list => new JsonArray(list.Items.Select(item => Evaluate(item, nodeId, parameter)).ToArray()),
        ObjectBinding obj => EvaluateEntries(obj, nodeId, parameter),
        ConfigBinding config => ReadConfig(config, nodeId, parameter),
        _ => throw new InvalidOperationException($"no evaluation for {binding.GetType().Name}"),
    };

    private JsonObject EvaluateEntries(ObjectBinding binding, string nodeId, string parameter)
    {
        var result = new JsonObject();
        foreach (var (key, entry) in binding.Entries)
        {
            result[key] = Evaluate(entry, nodeId, $"{parameter}.{key}");
        }

        return result;
    }

    private JsonNode? ReadConfig(ConfigBinding binding, string nodeId, string parameter)
    {
        if (runConfig is not null && runConfig.TryGetPropertyValue(binding.Key, out var value) && value is not null)
        {
            return value.DeepClone();
        }

        if (binding.Default is not null)
        {
            return binding.Default.DeepClone();
        }

        return binding.Optional
            ? null
            : throw new RunFailedException($"the run's config has no '{binding.Key}', which node '{nodeId}' needs for '{parameter}'", nodeId);
    }
}
