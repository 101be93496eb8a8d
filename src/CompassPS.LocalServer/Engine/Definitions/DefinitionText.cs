using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace CompassPS.LocalServer.Engine.Definitions;

/// <summary>Reads definition text (JSON or YAML, as Compass accepts both) into a JSON tree.</summary>
public static class DefinitionText
{
    private const int MaxDepth = DefinitionBounds.MaxDepth;

    // Checked before (DefinitionBounds) on the text; kept here as a second guard while the tree is built.
    private const int MaxYamlNodes = DefinitionBounds.MaxValues;

    /// <summary>
    /// The parsed tree, or null with <paramref name="error"/> saying where the text is broken and <paramref name="code"/>
    /// the validation code (INVALID_DEFINITION, or the code of the bound the text breaks).
    /// </summary>
    public static JsonNode? Parse(string? text, out string error, out string code)
    {
        error = "";
        code = ValidationCodes.InvalidDefinition;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "the definition is empty";
            return null;
        }

        if (DefinitionBounds.Check(text) is { } tooCostly)
        {
            error = tooCostly.Message;
            code = tooCostly.Code;
            return null;
        }

        var trimmed = text.TrimStart();
        if (trimmed.StartsWith('{') || trimmed.StartsWith('['))
        {
            try
            {
                var tree = JsonNode.Parse(text, documentOptions: new JsonDocumentOptions
                {
                    AllowTrailingCommas = true,
                    CommentHandling = JsonCommentHandling.Skip,
                    MaxDepth = MaxDepth,
                });
                Materialize(tree);
                return tree;
            }
            catch (JsonException exception)
            {
                error = $"the definition is not valid JSON: {exception.Message}";
                return null;
            }
        }

        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(text));
            if (stream.Documents.Count == 0)
            {
                error = "the definition is empty";
                return null;
            }

            var budget = MaxYamlNodes;
            return Convert(stream.Documents[0].RootNode, 0, ref budget);
        }
        catch (YamlException exception)
        {
            error = $"the definition is not valid YAML (line {exception.Start.Line}, column {exception.Start.Column}): {exception.Message}";
            return null;
        }
        catch (InvalidOperationException exception)
        {
            error = $"the definition is not valid YAML: {exception.Message}";
            return null;
        }
    }

    private static JsonNode? Convert(YamlNode node, int depth, ref int budget)
    {
        if (depth > MaxDepth)
        {
            throw new InvalidOperationException($"it nests deeper than {MaxDepth} levels");
        }

        if (--budget < 0)
        {
            throw new InvalidOperationException($"it expands to more than {MaxYamlNodes} values (through aliases?)");
        }

        switch (node)
        {
            case YamlMappingNode mapping:
                var obj = new JsonObject();
                foreach (var (key, value) in mapping.Children)
                {
                    var name = key is YamlScalarNode scalarKey ? scalarKey.Value ?? "" : key.ToString();
                    obj[name] = Convert(value, depth + 1, ref budget); // a repeated key keeps its last value
                }

                return obj;
            case YamlSequenceNode sequence:
                var array = new JsonArray();
                foreach (var item in sequence.Children)
                {
                    array.Add(Convert(item, depth + 1, ref budget));
                }

                return array;
            case YamlScalarNode scalar:
                return ConvertScalar(scalar);
            default:
                return null;
        }
    }

    // Plain scalars follow YAML 1.2's core schema (null, booleans, numbers); quoted and block scalars stay strings.
    private static JsonNode? ConvertScalar(YamlScalarNode scalar)
    {
        var value = scalar.Value ?? "";
        if (scalar.Style != YamlDotNet.Core.ScalarStyle.Plain)
        {
            return JsonValue.Create(value);
        }

        switch (value)
        {
            case "" or "~" or "null" or "Null" or "NULL":
                return null;
            case "true" or "True" or "TRUE":
                return JsonValue.Create(true);
            case "false" or "False" or "FALSE":
                return JsonValue.Create(false);
        }

        if (long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
        {
            return JsonValue.Create(integer);
        }

        if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var real) && !double.IsInfinity(real)
            && value.Any(char.IsDigit))
        {
            return JsonValue.Create(real);
        }

        return JsonValue.Create(value);
    }

    /// <summary>
    /// Builds every object and array of a parsed JSON tree now: JsonNode.Parse fills them in on first read, which is
    /// not safe from several threads, and the engine shares one parsed definition between concurrent runs.
    /// </summary>
    private static void Materialize(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (_, value) in obj) Materialize(value);
                break;
            case JsonArray array:
                foreach (var item in array) Materialize(item);
                break;
        }
    }
}
