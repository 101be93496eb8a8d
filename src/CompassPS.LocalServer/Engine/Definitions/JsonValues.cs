using System.Text.Json;
using System.Text.Json.Nodes;

namespace CompassPS.LocalServer.Engine.Definitions;

/// <summary>Small helpers for reading loosely typed definition values.</summary>
public static class JsonValues
{
    /// <summary>Text as a template or a prompt sees a value: strings as they are, null as empty, anything else as compact JSON.</summary>
    public static string ToText(JsonNode? value) => value switch
    {
        null => "",
        JsonValue scalar when scalar.GetValueKind() == JsonValueKind.String => scalar.GetValue<string>(),
        _ => value.ToJsonString(),
    };

    public static string? GetString(JsonObject? obj, string name) =>
        obj is not null && obj.TryGetPropertyValue(name, out var value) && value is JsonValue scalar
            ? scalar.GetValueKind() switch
            {
                JsonValueKind.String => scalar.GetValue<string>(),
                JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => scalar.ToJsonString(),
                _ => null,
            }
            : null;

    public static bool GetBool(JsonObject? obj, string name, bool fallback = false) =>
        obj is not null && obj.TryGetPropertyValue(name, out var value) && value is JsonValue scalar
            ? scalar.GetValueKind() switch
            {
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                JsonValueKind.String => bool.TryParse(scalar.GetValue<string>(), out var parsed) ? parsed : fallback,
                _ => fallback,
            }
            : fallback;

    public static JsonObject? GetObject(JsonObject? obj, string name) =>
        obj is not null && obj.TryGetPropertyValue(name, out var value) ? value as JsonObject : null;

    public static JsonArray? GetArray(JsonObject? obj, string name) =>
        obj is not null && obj.TryGetPropertyValue(name, out var value) ? value as JsonArray : null;

    /// <summary>The JSON type name of a value, in the vocabulary of input schemas (string, integer, number, boolean, object, array, null).</summary>
    public static string TypeName(JsonNode? value) => value switch
    {
        null => "null",
        JsonObject => "object",
        JsonArray => "array",
        JsonValue scalar => scalar.GetValueKind() switch
        {
            JsonValueKind.String => "string",
            JsonValueKind.True or JsonValueKind.False => "boolean",
            JsonValueKind.Number => IsInteger(scalar) ? "integer" : "number",
            _ => "null",
        },
        _ => "null",
    };

    // A value built in code (JsonValue.Create(2)) and one parsed from text ("2") must classify alike, so the JSON text decides.
    private static bool IsInteger(JsonValue number)
    {
        var text = number.ToJsonString();
        return long.TryParse(text, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out _)
            || (double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var real)
                && Math.Floor(real) == real && !double.IsInfinity(real));
    }

    /// <summary>A type name with its article, for messages ("an integer", "a string", "missing (null)").</summary>
    public static string WithArticle(string typeName) => typeName switch
    {
        "null" => "missing (null)",
        "integer" or "object" or "array" => $"an {typeName}",
        _ => $"a {typeName}",
    };

    /// <summary>Whether a value fits a schema field type (integer is also a number; file is an attachment descriptor object).</summary>
    public static bool Fits(JsonNode? value, string schemaType)
    {
        var actual = TypeName(value);
        return schemaType switch
        {
            "number" => actual is "number" or "integer",
            "file" => actual is "object" or "string",
            "any" or "" => true,
            _ => actual == schemaType,
        };
    }
}
