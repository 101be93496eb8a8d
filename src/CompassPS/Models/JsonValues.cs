using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Management.Automation;
using System.Text;
using System.Text.Json;
using CompassPS.Client;

namespace CompassPS
{
    /// <summary>
    /// JSON ↔ PowerShell values. JSON objects become PSCustomObjects (names kept as sent), arrays object[],
    /// integers long, other numbers double. PowerShell input (hashtable, PSCustomObject, JSON text, arrays,
    /// primitives) becomes UTF-8 JSON for a request body.
    /// </summary>
    public static class JsonValues
    {
        private const int MaxDepth = 64;

        public static object? ToPowerShell(JsonElement element)
        {
            switch (element.ValueKind)
            {
                case JsonValueKind.Object:
                    var obj = new PSObject();
                    foreach (var property in element.EnumerateObject())
                    {
                        obj.Properties.Add(new PSNoteProperty(property.Name, ToPowerShell(property.Value)));
                    }
                    // Its text (Export-Csv, "$($run.Output)") is compact JSON: see ExportShape.
                    ExportShape.AddJsonText(obj);
                    return obj;
                case JsonValueKind.Array:
                    var list = new object?[element.GetArrayLength()];
                    var i = 0;
                    foreach (var item in element.EnumerateArray()) list[i++] = ToPowerShell(item);
                    return list;
                case JsonValueKind.String:
                    return element.GetString();
                case JsonValueKind.Number:
                    if (element.TryGetInt64(out var l)) return l;
                    return element.GetDouble();
                case JsonValueKind.True:
                    return true;
                case JsonValueKind.False:
                    return false;
                default:
                    return null;
            }
        }

        /// <summary>A field of a JSON object as a PowerShell value; null when absent or null.</summary>
        public static object? Field(JsonElement json, string name) =>
            JsonShape.Property(json, name) is JsonElement value ? ToPowerShell(value) : null;

        /// <summary>"input_data" → "InputData".</summary>
        public static string PascalCase(string wireName)
        {
            var builder = new StringBuilder(wireName.Length);
            var upper = true;
            foreach (var ch in wireName)
            {
                if (ch == '_' || ch == '-' || ch == '.') { upper = true; continue; }
                builder.Append(upper ? char.ToUpperInvariant(ch) : ch);
                upper = false;
            }
            return builder.Length == 0 ? wireName : builder.ToString();
        }

        /// <summary>
        /// The JSON for a user's input value. A string that looks like JSON (starts with { or [) must be valid JSON
        /// and is sent as it is; any other string is sent as a JSON string (a chat input).
        /// </summary>
        public static void WriteInput(Utf8JsonWriter writer, object? value, string parameterName)
        {
            WriteValue(writer, value, parameterName, 0);
        }

        private static void WriteValue(Utf8JsonWriter writer, object? value, string where, int depth)
        {
            if (depth > MaxDepth)
            {
                throw new CompassApiException(CompassErrorKind.InvalidInput, $"{where} is nested more than {MaxDepth} levels deep (does it refer to itself?).");
            }
            if (value is PSObject ps)
            {
                if (ps.BaseObject is PSCustomObject)
                {
                    writer.WriteStartObject();
                    foreach (var property in ps.Properties)
                    {
                        if (property.MemberType != PSMemberTypes.NoteProperty && property.MemberType != PSMemberTypes.Property) continue;
                        writer.WritePropertyName(property.Name);
                        WriteValue(writer, property.Value, where + "." + property.Name, depth + 1);
                    }
                    writer.WriteEndObject();
                    return;
                }
                value = ps.BaseObject;
            }
            switch (value)
            {
                case null:
                    writer.WriteNullValue();
                    return;
                case string text:
                    if (depth == 0 && LooksLikeJson(text))
                    {
                        WriteJsonText(writer, text, where);
                        return;
                    }
                    writer.WriteStringValue(text);
                    return;
                case bool b:
                    writer.WriteBooleanValue(b);
                    return;
                case char c:
                    writer.WriteStringValue(c.ToString());
                    return;
                case byte or sbyte or short or ushort or int or uint or long:
                    writer.WriteNumberValue(Convert.ToInt64(value, CultureInfo.InvariantCulture));
                    return;
                case ulong ul:
                    writer.WriteNumberValue(ul);
                    return;
                case float or double:
                    var d = Convert.ToDouble(value, CultureInfo.InvariantCulture);
                    if (double.IsNaN(d) || double.IsInfinity(d)) throw new CompassApiException(CompassErrorKind.InvalidInput, $"{where} is {d}, which JSON cannot carry.");
                    writer.WriteNumberValue(d);
                    return;
                case decimal m:
                    writer.WriteNumberValue(m);
                    return;
                case DateTime dt:
                    writer.WriteStringValue(dt.ToUniversalTime().ToString("o", CultureInfo.InvariantCulture));
                    return;
                case DateTimeOffset dto:
                    writer.WriteStringValue(dto.ToUniversalTime().ToString("o", CultureInfo.InvariantCulture));
                    return;
                case Guid g:
                    writer.WriteStringValue(g.ToString());
                    return;
                case Enum e:
                    writer.WriteStringValue(e.ToString());
                    return;
                case JsonElement element:
                    element.WriteTo(writer);
                    return;
                case IDictionary dictionary:
                    writer.WriteStartObject();
                    foreach (DictionaryEntry entry in dictionary)
                    {
                        var key = Convert.ToString(entry.Key, CultureInfo.InvariantCulture) ?? "";
                        writer.WritePropertyName(key);
                        WriteValue(writer, entry.Value, where + "." + key, depth + 1);
                    }
                    writer.WriteEndObject();
                    return;
                case IEnumerable sequence:
                    writer.WriteStartArray();
                    var index = 0;
                    foreach (var item in sequence) WriteValue(writer, item, where + "[" + index++ + "]", depth + 1);
                    writer.WriteEndArray();
                    return;
                default:
                    // Any other .NET object: its public properties, as ConvertTo-Json would.
                    WriteValue(writer, PSObjectProperties(value), where, depth);
                    return;
            }
        }

        private static IDictionary PSObjectProperties(object value)
        {
            var result = new System.Collections.Specialized.OrderedDictionary();
            foreach (var property in PSObject.AsPSObject(value).Properties)
            {
                if (property.MemberType != PSMemberTypes.Property || !property.IsGettable) continue;
                object? propertyValue;
                try { propertyValue = property.Value; }
                catch (GetValueException) { continue; }
                result[property.Name] = propertyValue;
            }
            return result;
        }

        private static bool LooksLikeJson(string text)
        {
            foreach (var ch in text)
            {
                if (char.IsWhiteSpace(ch)) continue;
                return ch == '{' || ch == '[';
            }
            return false;
        }

        private static void WriteJsonText(Utf8JsonWriter writer, string text, string where)
        {
            try
            {
                using var document = JsonDocument.Parse(text);
                document.RootElement.WriteTo(writer);
            }
            catch (JsonException ex)
            {
                throw new CompassApiException(CompassErrorKind.InvalidInput, $"{where} looks like JSON but is not valid JSON: {ex.Message}");
            }
        }
    }
}
