using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace CompassPS.Client
{
    /// <summary>
    /// Masks the API key in text that came from a server or proxy (bodies, error messages, reason phrases, header
    /// values) before it reaches a message, a property or a log line. An echo is rarely the key as sent: pages quote
    /// the Authorization header base64-encoded (basic-auth style logs, traces), upper- or lower-case it, escape it
    /// as JSON (<c>\u0063</c>, <c>\/</c>) or HTML (<c>&amp;#99;</c>, <c>&amp;lowbar;</c>) or percent-encode it in a
    /// URL. The text is decoded once into a view whose every character remembers the span of the original it came
    /// from; the key (any case) and the base64 forms of it are searched in that view, and each hit masks its
    /// original span, so mixed escapes are caught too.
    /// </summary>
    internal static class SecretMask
    {
        public const string Mask = "********";

        // Variants (case-insensitive, decoded, base64) are looked for only for keys at least this long: a short test
        // key such as "k" would otherwise mask every k in a message. Real keys are far longer.
        private const int MinimumForVariants = 8;

        private static readonly Dictionary<string, char> NamedEntities = new Dictionary<string, char>(StringComparer.Ordinal)
        {
            ["amp"] = '&', ["lt"] = '<', ["gt"] = '>', ["quot"] = '"', ["apos"] = '\'', ["lowbar"] = '_', ["UnderBar"] = '_',
            ["hyphen"] = '-', ["dash"] = '-', ["period"] = '.', ["colon"] = ':', ["sol"] = '/', ["plus"] = '+', ["equals"] = '=',
            ["nbsp"] = ' ', ["Tab"] = '\t', ["NewLine"] = '\n',
        };

        /// <summary>The text with every occurrence of the secret, in any of the forms above, replaced by asterisks.</summary>
        public static string? Apply(string? text, string? secret)
        {
            if (string.IsNullOrEmpty(text) || string.IsNullOrEmpty(secret)) return text;
            if (secret!.Length < MinimumForVariants) return text!.Replace(secret, Mask);

            // The decoded view: view[i] came from text[start[i]] up to text[end[i]] (exclusive).
            var view = new StringBuilder(text!.Length);
            var start = new List<int>(text.Length);
            var end = new List<int>(text.Length);
            for (var i = 0; i < text.Length;)
            {
                var consumed = Decode(text, i, out var ch);
                view.Append(ch);
                start.Add(i);
                end.Add(i + consumed);
                i += consumed;
            }
            var decoded = view.ToString();

            var hidden = new bool[text.Length];
            var any = MarkAll(text, decoded, secret, StringComparison.OrdinalIgnoreCase, start, end, hidden, wholeToken: false);
            foreach (var variant in Base64Forms(secret))
            {
                any |= MarkAll(text, decoded, variant, StringComparison.Ordinal, start, end, hidden, wholeToken: true);
            }
            if (!any) return text;

            var result = new StringBuilder(text.Length);
            for (var i = 0; i < text.Length; i++)
            {
                if (!hidden[i])
                {
                    result.Append(text[i]);
                    continue;
                }
                result.Append(Mask);
                while (i + 1 < text.Length && hidden[i + 1]) i++;
            }
            return result.ToString();
        }

        private static bool MarkAll(string text, string decoded, string needle, StringComparison comparison, List<int> start, List<int> end, bool[] hidden, bool wholeToken)
        {
            var found = false;
            for (var at = decoded.IndexOf(needle, 0, comparison); at >= 0; at = decoded.IndexOf(needle, at + 1, comparison))
            {
                found = true;
                var from = start[at];
                var to = end[at + needle.Length - 1];
                if (wholeToken)
                {
                    // A base64 hit hides the whole encoded token around it (its ends encode the key's neighbours,
                    // "Bearer " and padding, and would only leave a ragged half-token in the message).
                    while (from > 0 && IsBase64(text[from - 1])) from--;
                    while (to < text.Length && IsBase64(text[to])) to++;
                }
                for (var k = from; k < to; k++) hidden[k] = true;
            }
            return found;
        }

        private static bool IsBase64(char c) =>
            (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/' || c == '=' || c == '-' || c == '_';

        /// <summary>
        /// The parts of base64 (standard and URL-safe) that depend only on the secret's bytes, for each of the three
        /// alignments the secret can have in a longer encoded text ("Bearer " + key, "Authorization: Bearer " + key, …):
        /// whatever precedes or follows it, one of these appears in the encoding.
        /// </summary>
        internal static IEnumerable<string> Base64Forms(string secret)
        {
            var bytes = Encoding.UTF8.GetBytes(secret);
            for (var offset = 0; offset < 3; offset++)
            {
                var padded = new byte[offset + bytes.Length];
                Buffer.BlockCopy(bytes, 0, padded, offset, bytes.Length);
                var encoded = Convert.ToBase64String(padded);
                // Character j holds bits 6j..6j+5: it depends on the secret alone when it starts after the padding
                // and ends before the secret does.
                var first = (8 * offset + 5) / 6;
                var last = 8 * (offset + bytes.Length) / 6; // exclusive
                if (last - first < MinimumForVariants) continue;
                var core = encoded.Substring(first, last - first);
                yield return core;
                var urlSafe = core.Replace('+', '-').Replace('/', '_');
                if (urlSafe != core) yield return urlSafe;
            }
        }

        /// <summary>One character of the decoded view from text[i]: an escape or entity it starts, or itself.</summary>
        private static int Decode(string text, int i, out char ch)
        {
            var c = text[i];
            ch = c;
            var rest = text.Length - i;
            if (c == '\\' && rest >= 2)
            {
                var e = text[i + 1];
                if (e == 'u' && rest >= 6 && TryHex(text, i + 2, 4, out var code))
                {
                    ch = (char)code;
                    return 6;
                }
                var simple = e == '"' ? '"' : e == '\\' ? '\\' : e == '/' ? '/' : e == 'b' ? '\b' : e == 'f' ? '\f' : e == 'n' ? '\n' : e == 'r' ? '\r' : e == 't' ? '\t' : '\0';
                if (simple != '\0')
                {
                    ch = simple;
                    return 2;
                }
            }
            else if (c == '%' && rest >= 3 && TryHex(text, i + 1, 2, out var octet) && octet < 0x80)
            {
                ch = (char)octet;
                return 3;
            }
            else if (c == '&' && rest >= 3)
            {
                var semicolon = text.IndexOf(';', i + 1, Math.Min(rest - 1, 34));
                if (semicolon > i + 1)
                {
                    var name = text.Substring(i + 1, semicolon - i - 1);
                    int value;
                    if (name.Length > 2 && (name[1] == 'x' || name[1] == 'X') && name[0] == '#'
                        && int.TryParse(name.Substring(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value) && value <= 0xFFFF)
                    {
                        ch = (char)value;
                        return semicolon - i + 1;
                    }
                    if (name.Length > 1 && name[0] == '#' && int.TryParse(name.Substring(1), NumberStyles.None, CultureInfo.InvariantCulture, out value) && value <= 0xFFFF)
                    {
                        ch = (char)value;
                        return semicolon - i + 1;
                    }
                    if (NamedEntities.TryGetValue(name, out var named))
                    {
                        ch = named;
                        return semicolon - i + 1;
                    }
                }
            }
            return 1;
        }

        private static bool TryHex(string text, int at, int digits, out int value)
        {
            value = 0;
            for (var k = 0; k < digits; k++)
            {
                var h = text[at + k];
                int d = h >= '0' && h <= '9' ? h - '0' : h >= 'a' && h <= 'f' ? h - 'a' + 10 : h >= 'A' && h <= 'F' ? h - 'A' + 10 : -1;
                if (d < 0) return false;
                value = value * 16 + d;
            }
            return true;
        }
    }
}
