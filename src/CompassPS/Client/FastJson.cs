using System;
using System.Text;
using System.Text.Json;

namespace CompassPS.Client
{
    /// <summary>
    /// Typed reads of a field's value straight off a <see cref="Utf8JsonReader"/> positioned on the field's name,
    /// for the hot decoding paths. Each returns false for anything but the plain expected shape, and the caller
    /// then falls back to the tolerant document-based decoding (<see cref="JsonShape"/>), which owns the errors.
    /// </summary>
    internal static class FastJson
    {
        public static bool ReadString(ref Utf8JsonReader reader, out string? value)
        {
            value = null;
            if (!reader.Read()) return false;
            if (reader.TokenType == JsonTokenType.Null) return true;
            if (reader.TokenType != JsonTokenType.String) return false;
            value = reader.GetString();
            return true;
        }

        /// <summary>An identifier: a string, or a number kept as its text.</summary>
        public static bool ReadId(ref Utf8JsonReader reader, out string? value)
        {
            value = null;
            if (!reader.Read()) return false;
            switch (reader.TokenType)
            {
                case JsonTokenType.Null: return true;
                case JsonTokenType.String: value = reader.GetString(); return true;
                case JsonTokenType.Number when !reader.HasValueSequence: value = Encoding.UTF8.GetString(reader.ValueSpan.ToArray()); return true;
                default: return false;
            }
        }

        public static bool ReadInt64(ref Utf8JsonReader reader, out long? value)
        {
            value = null;
            if (!reader.Read()) return false;
            if (reader.TokenType == JsonTokenType.Null) return true;
            if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out var number)) return false;
            value = number;
            return true;
        }

        /// <summary>An ISO-8601 time with Z or an explicit offset, as UTC; any other form takes the tolerant path.</summary>
        public static bool ReadTime(ref Utf8JsonReader reader, out DateTimeOffset? value)
        {
            value = null;
            if (!reader.Read()) return false;
            if (reader.TokenType == JsonTokenType.Null) return true;
            if (reader.TokenType != JsonTokenType.String || reader.HasValueSequence || IsEscaped(reader.ValueSpan)) return false;
            if (!HasExplicitOffset(reader.ValueSpan) || !reader.TryGetDateTimeOffset(out var time)) return false;
            value = time.ToUniversalTime();
            return true;
        }

        /// <summary>Any value, as PowerShell sees JSON (see <see cref="JsonValues.ToPowerShell"/>).</summary>
        public static object? ReadAny(ref Utf8JsonReader reader)
        {
            reader.Read();
            using var document = JsonDocument.ParseValue(ref reader);
            return JsonValues.ToPowerShell(document.RootElement);
        }

        // A string value that holds an escape; the raw span of one always has a backslash (ValueIsEscaped is newer than
        // the System.Text.Json this module is compiled against).
        private static bool IsEscaped(ReadOnlySpan<byte> value) => value.IndexOf((byte)'\\') >= 0;

        private static bool HasExplicitOffset(ReadOnlySpan<byte> text)
        {
            var n = text.Length;
            if (n < 20 || text[10] != (byte)'T') return false;
            if (text[n - 1] == (byte)'Z' || text[n - 1] == (byte)'z') return true;
            return n >= 25 && (text[n - 6] == (byte)'+' || text[n - 6] == (byte)'-') && text[n - 3] == (byte)':';
        }
    }
}
