using System.Globalization;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace CompassPS.LocalServer.Hosting;

/// <summary>
/// Reads the server's own input files (--model-script, --seed, --keys-file): YAML or JSON (JSON is YAML too), into a
/// JSON tree. Problems are <see cref="ArgumentException"/>s that name the file, so the server refuses to start with
/// one clear line. Messages quote no content of the file (a keys file holds secrets).
/// </summary>
public static class ConfigFile
{
    private const int MaxNodes = 100_000;

    public static JsonNode? Load(string path, string what)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception failure) when (failure is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            throw new ArgumentException($"The {what} '{path}' cannot be read: {failure.Message}");
        }

        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(text));
            if (stream.Documents.Count == 0) throw new ArgumentException($"The {what} '{path}' is empty.");
            var budget = MaxNodes;
            return Convert(stream.Documents[0].RootNode, path, what, ref budget);
        }
        catch (YamlException failure)
        {
            // YamlDotNet's messages describe the syntax error and its position, not the text around it.
            throw new ArgumentException($"The {what} '{path}' is not valid YAML or JSON (line {failure.Start.Line}, column {failure.Start.Column}): {failure.Message}");
        }
    }

    /// <summary>A path relative to the file that named it (a seed's definition_file), absolute paths as they are.</summary>
    public static string Resolve(string relativeTo, string path) =>
        Path.IsPathRooted(path) ? path : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(relativeTo)) ?? ".", path));

    private static JsonNode? Convert(YamlNode node, string path, string what, ref int budget)
    {
        if (--budget < 0) throw new ArgumentException($"The {what} '{path}' expands to more than {MaxNodes} values (through aliases?).");
        switch (node)
        {
            case YamlMappingNode mapping:
                var obj = new JsonObject();
                foreach (var (key, value) in mapping.Children)
                {
                    var name = key is YamlScalarNode scalarKey ? scalarKey.Value ?? "" : key.ToString();
                    obj[name] = Convert(value, path, what, ref budget);
                }
                return obj;
            case YamlSequenceNode sequence:
                var array = new JsonArray();
                foreach (var item in sequence.Children) array.Add(Convert(item, path, what, ref budget));
                return array;
            case YamlScalarNode scalar:
                return Scalar(scalar);
            default:
                return null;
        }
    }

    // Plain scalars follow YAML's core schema (null, booleans, numbers); quoted ones are always text.
    private static JsonNode? Scalar(YamlScalarNode scalar)
    {
        var text = scalar.Value ?? "";
        if (scalar.Style is ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted or ScalarStyle.Literal or ScalarStyle.Folded)
            return JsonValue.Create(text);
        switch (text)
        {
            case "" or "~" or "null" or "Null" or "NULL": return null;
            case "true" or "True" or "TRUE": return JsonValue.Create(true);
            case "false" or "False" or "FALSE": return JsonValue.Create(false);
        }
        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var whole)) return JsonValue.Create(whole);
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && char.IsDigit(text[^1])) return JsonValue.Create(number);
        return JsonValue.Create(text);
    }

    // Field readers for the entries of these files; each problem names the entry.

    public static string? String(JsonObject entry, string field, string where, bool required = false)
    {
        var value = entry[field];
        if (value is null)
            return required ? throw new ArgumentException($"{where} has no '{field}'.") : null;
        if (value is JsonValue scalar && scalar.TryGetValue<string>(out var text)) return text;
        if (value is JsonValue other && (other.TryGetValue<long>(out _) || other.TryGetValue<double>(out _) || other.TryGetValue<bool>(out _)))
            return other.ToJsonString();
        throw new ArgumentException($"{where}: '{field}' must be text.");
    }

    public static void RefuseUnknownFields(JsonObject entry, string where, params string[] known)
    {
        foreach (var (name, _) in entry)
        {
            if (!known.Contains(name, StringComparer.Ordinal))
                throw new ArgumentException($"{where} has an unknown field '{name}' (known: {string.Join(", ", known)}).");
        }
    }
}
