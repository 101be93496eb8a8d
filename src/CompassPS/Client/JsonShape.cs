using System;
using System.Globalization;
using System.Text.Json;

namespace CompassPS.Client
{
    /// <summary>Thrown while mapping JSON onto a model when a field has the wrong type; becomes InvalidResponse.</summary>
    public sealed class JsonShapeException : Exception
    {
        public JsonShapeException(string message) : base(message) { }
    }

    /// <summary>
    /// Typed reads of JSON fields that tolerate absence and null but refuse a wrong type with a message naming
    /// the field, so a server that sends <c>"status": 5</c> gets a clear InvalidResponse instead of a crash.
    /// </summary>
    public static class JsonShape
    {
        public static JsonElement? Property(JsonElement obj, string name)
        {
            if (obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null)
            {
                return value;
            }
            return null;
        }

        public static string? String(JsonElement obj, string name) => StringValue(Property(obj, name), name);

        /// <summary>An identifier: a string, or (tolerated) a number written as text.</summary>
        public static string? Id(JsonElement obj, string name) => IdValue(Property(obj, name), name);

        public static long? Int64(JsonElement obj, string name) => Int64Value(Property(obj, name), name);

        public static double? Double(JsonElement obj, string name)
        {
            var value = Property(obj, name);
            if (value is null) return null;
            if (value.Value.ValueKind == JsonValueKind.Number && value.Value.TryGetDouble(out var d)) return d;
            throw Wrong(name, "a number", value.Value);
        }

        public static bool? Boolean(JsonElement obj, string name)
        {
            var value = Property(obj, name);
            if (value is null) return null;
            switch (value.Value.ValueKind)
            {
                case JsonValueKind.True: return true;
                case JsonValueKind.False: return false;
                default: throw Wrong(name, "true or false", value.Value);
            }
        }

        public static DateTimeOffset? Time(JsonElement obj, string name) => TimeValue(Property(obj, name), name);

        // The *Value forms read a field's value found while enumerating an object once (JSON null = absent), which
        // is much cheaper than looking each field up by name: a lookup scans the object and re-encodes the name.

        public static string? StringValue(JsonElement? value, string name)
        {
            if (value is null || value.Value.ValueKind == JsonValueKind.Null) return null;
            return value.Value.ValueKind == JsonValueKind.String ? value.Value.GetString() : throw Wrong(name, "a string", value.Value);
        }

        public static string? IdValue(JsonElement? value, string name)
        {
            if (value is null || value.Value.ValueKind == JsonValueKind.Null) return null;
            switch (value.Value.ValueKind)
            {
                case JsonValueKind.String: return value.Value.GetString();
                case JsonValueKind.Number: return value.Value.GetRawText();
                default: throw Wrong(name, "an identifier", value.Value);
            }
        }

        public static long? Int64Value(JsonElement? value, string name)
        {
            if (value is null || value.Value.ValueKind == JsonValueKind.Null) return null;
            if (value.Value.ValueKind == JsonValueKind.Number)
            {
                if (value.Value.TryGetInt64(out var l)) return l;
                if (value.Value.TryGetDouble(out var d) && d >= long.MinValue && d <= long.MaxValue) return (long)Math.Round(d);
            }
            throw Wrong(name, "an integer", value.Value);
        }

        public static DateTimeOffset? TimeValue(JsonElement? value, string name)
        {
            var text = StringValue(value, name);
            if (text is null) return null;
            // Fast path for what servers send: ISO-8601 with Z or an explicit offset. A time without an offset
            // takes the general parse below, which reads it as UTC (the JSON reader would read it as local time).
            if (HasExplicitOffset(text) && value!.Value.TryGetDateTimeOffset(out var exact)) return exact.ToUniversalTime();
            if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time))
            {
                return time;
            }
            throw new JsonShapeException($"The field '{name}' should be an ISO-8601 time; it is '{Truncate(text)}'.");
        }

        private static bool HasExplicitOffset(string text)
        {
            var n = text.Length;
            if (n < 20 || text[10] != 'T') return false;
            if (text[n - 1] == 'Z' || text[n - 1] == 'z') return true;
            return n >= 25 && (text[n - 6] == '+' || text[n - 6] == '-') && text[n - 3] == ':';
        }

        public static void RequireObject(JsonElement element, string what)
        {
            if (element.ValueKind != JsonValueKind.Object) throw Wrong(what, "a JSON object", element);
        }

        private static JsonShapeException Wrong(string name, string expected, JsonElement actual) =>
            new JsonShapeException($"The field '{name}' should be {expected}; it is {Describe(actual)}.");

        private static string Describe(JsonElement value)
        {
            switch (value.ValueKind)
            {
                case JsonValueKind.Object: return "an object";
                case JsonValueKind.Array: return "an array";
                case JsonValueKind.String: return "the string '" + Truncate(value.GetString() ?? "") + "'";
                case JsonValueKind.True:
                case JsonValueKind.False: return value.GetRawText();
                default: return Truncate(value.GetRawText());
            }
        }

        private static string Truncate(string text) => text.Length <= 60 ? text : text.Substring(0, 60) + "…";
    }
}
