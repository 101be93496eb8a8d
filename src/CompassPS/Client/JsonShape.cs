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

        public static string? String(JsonElement obj, string name)
        {
            var value = Property(obj, name);
            if (value is null) return null;
            return value.Value.ValueKind == JsonValueKind.String ? value.Value.GetString() : throw Wrong(name, "a string", value.Value);
        }

        /// <summary>An identifier: a string, or (tolerated) a number written as text.</summary>
        public static string? Id(JsonElement obj, string name)
        {
            var value = Property(obj, name);
            if (value is null) return null;
            switch (value.Value.ValueKind)
            {
                case JsonValueKind.String: return value.Value.GetString();
                case JsonValueKind.Number: return value.Value.GetRawText();
                default: throw Wrong(name, "an identifier", value.Value);
            }
        }

        public static long? Int64(JsonElement obj, string name)
        {
            var value = Property(obj, name);
            if (value is null) return null;
            if (value.Value.ValueKind == JsonValueKind.Number)
            {
                if (value.Value.TryGetInt64(out var l)) return l;
                if (value.Value.TryGetDouble(out var d) && d >= long.MinValue && d <= long.MaxValue) return (long)Math.Round(d);
            }
            throw Wrong(name, "an integer", value.Value);
        }

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

        public static DateTimeOffset? Time(JsonElement obj, string name)
        {
            var text = String(obj, name);
            if (text is null) return null;
            if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time))
            {
                return time;
            }
            throw new JsonShapeException($"The field '{name}' should be an ISO-8601 time; it is '{Truncate(text)}'.");
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
