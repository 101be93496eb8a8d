using System;
using System.Collections.Generic;
using System.Net;
using System.Text;
using System.Text.Json;

namespace CompassPS.Client
{
    /// <summary>One page of a list, decoded from any of the shapes a server may use.</summary>
    public sealed class ListPage<T>
    {
        public ListPage(IReadOnlyList<T> items, long? total, bool? hasMore, bool isBareArray)
        {
            Items = items;
            Total = total;
            HasMore = hasMore;
            IsBareArray = isBareArray;
        }

        public IReadOnlyList<T> Items { get; }
        /// <summary>The envelope's total, when the server sent one.</summary>
        public long? Total { get; }
        /// <summary>The envelope's has_more, or true when it names a next page; null when it says nothing.</summary>
        public bool? HasMore { get; }
        /// <summary>True when the answer was a bare array: a server that does not page.</summary>
        public bool IsBareArray { get; }
        /// <summary>The envelope's <c>next</c> or <c>next_cursor</c>: a cursor, or a link to the next page.</summary>
        public string? Next { get; internal set; }
        /// <summary>Each item's id (or, for an item without one, its JSON text): how a repeated page is recognised.</summary>
        internal IReadOnlyList<string> ItemKeys { get; set; } = Array.Empty<string>();
    }

    /// <summary>The Compass error body, read tolerantly: detail as a string or a list of field problems, code, message.</summary>
    internal sealed class ErrorBody
    {
        public string? Message { get; set; }
        public string? Code { get; set; }
    }

    internal static class ResponseDecoding
    {
        private static readonly string[] ItemProperties = { "items", "data", "results" };

        public static ListPage<T> DecodeList<T>(JsonElement root, Func<JsonElement, T> map)
        {
            JsonElement array;
            long? total = null;
            bool? hasMore = null;
            string? nextCursor = null;
            var bare = false;
            if (root.ValueKind == JsonValueKind.Array)
            {
                array = root;
                bare = true;
            }
            else if (root.ValueKind == JsonValueKind.Object)
            {
                JsonElement? found = null;
                foreach (var name in ItemProperties)
                {
                    if (root.TryGetProperty(name, out var candidate))
                    {
                        if (candidate.ValueKind != JsonValueKind.Array) throw new JsonShapeException($"The field '{name}' should be an array of items; it is {candidate.ValueKind.ToString().ToLowerInvariant()}.");
                        found = candidate;
                        break;
                    }
                }
                if (found is null) throw new JsonShapeException("A list answer should be an array, or an object with 'items', 'data' or 'results'.");
                array = found.Value;
                total = JsonShape.Int64(root, "total");
                hasMore = JsonShape.Boolean(root, "has_more");
                var next = JsonShape.Property(root, "next") ?? JsonShape.Property(root, "next_cursor");
                if (next is JsonElement n && n.ValueKind == JsonValueKind.String && n.GetString()!.Length > 0)
                {
                    nextCursor = n.GetString();
                    if (hasMore is null) hasMore = true;
                }
            }
            else
            {
                throw new JsonShapeException("A list answer should be a JSON array or object.");
            }

            var items = new List<T>(array.GetArrayLength());
            var keys = new List<string>(items.Capacity);
            var index = 0;
            foreach (var element in array.EnumerateArray())
            {
                keys.Add(element.ValueKind == JsonValueKind.Object && element.TryGetProperty("id", out var id)
                         && (id.ValueKind == JsonValueKind.String || id.ValueKind == JsonValueKind.Number)
                    ? id.ToString() ?? string.Empty
                    : element.GetRawText());
                try
                {
                    items.Add(map(element));
                }
                catch (JsonShapeException ex)
                {
                    throw new JsonShapeException($"Item {index} of the list: {ex.Message}");
                }
                index++;
            }
            return new ListPage<T>(items, total, hasMore, bare) { Next = nextCursor, ItemKeys = keys };
        }

        /// <summary>Reads an error body; null when the body is not JSON (then the caller reports InvalidResponse).</summary>
        public static ErrorBody? DecodeError(byte[] body)
        {
            if (body.Length == 0) return new ErrorBody();
            try
            {
                using var document = JsonDocument.Parse(body);
                var root = document.RootElement;
                if (root.ValueKind == JsonValueKind.String) return new ErrorBody { Message = root.GetString() };
                if (root.ValueKind != JsonValueKind.Object) return null;
                var error = new ErrorBody();
                if (root.TryGetProperty("code", out var code) && code.ValueKind == JsonValueKind.String) error.Code = code.GetString();
                if (root.TryGetProperty("detail", out var detail)) error.Message = DescribeDetail(detail);
                if (error.Message is null && root.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.String) error.Message = message.GetString();
                if (root.TryGetProperty("error", out var nested))
                {
                    if (error.Message is null && nested.ValueKind == JsonValueKind.String) error.Message = nested.GetString();
                    else if (nested.ValueKind == JsonValueKind.Object)
                    {
                        if (error.Message is null && nested.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String) error.Message = m.GetString();
                        if (error.Code is null && nested.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.String) error.Code = c.GetString();
                    }
                }
                return error;
            }
            catch (JsonException)
            {
                return null;
            }
        }

        /// <summary>FastAPI's 422 detail is a list of {loc, msg, type}: "body.input_data.topic: field required; …".</summary>
        private static string? DescribeDetail(JsonElement detail)
        {
            switch (detail.ValueKind)
            {
                case JsonValueKind.String:
                    return detail.GetString();
                case JsonValueKind.Array:
                    var parts = new List<string>();
                    foreach (var problem in detail.EnumerateArray())
                    {
                        if (problem.ValueKind == JsonValueKind.String) { parts.Add(problem.GetString()!); continue; }
                        if (problem.ValueKind != JsonValueKind.Object) continue;
                        var text = problem.TryGetProperty("msg", out var msg) && msg.ValueKind == JsonValueKind.String ? msg.GetString() : null;
                        var location = new List<string>();
                        if (problem.TryGetProperty("loc", out var loc) && loc.ValueKind == JsonValueKind.Array)
                        {
                            foreach (var segment in loc.EnumerateArray())
                            {
                                location.Add(segment.ValueKind == JsonValueKind.String ? segment.GetString()! : segment.GetRawText());
                            }
                        }
                        parts.Add(location.Count > 0 ? string.Join(".", location) + ": " + (text ?? "invalid") : text ?? "invalid");
                    }
                    return parts.Count > 0 ? string.Join("; ", parts) : null;
                case JsonValueKind.Object:
                    return detail.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.String ? message.GetString() : detail.GetRawText();
                default:
                    return null;
            }
        }

        /// <summary>
        /// The first bytes of a body as text, control characters replaced, for an error message; every occurrence of
        /// <paramref name="secret"/> (the API key, which a proxy may echo back in its page), plain or encoded, masked.
        /// </summary>
        public static string Preview(byte[] body, string? secret = null)
        {
            if (body.Length == 0) return "(empty body)";
            // Decode beyond the cut, so a secret that straddles the cut is masked whole instead of leaving its first
            // characters in the message. An escaped secret (\u0063, &#x63;) takes up to 8 characters per character:
            // the window grows until the masked text reaches past the cut by ten times the secret's length.
            var margin = 10 * (secret?.Length ?? 0);
            var length = Math.Min(body.Length, CompassApiException.BodyPreviewLength + margin);
            string text;
            while (true)
            {
                text = Redact(Encoding.UTF8.GetString(body, 0, length), secret)!;
                if (length == body.Length || text.Length >= CompassApiException.BodyPreviewLength + margin) break;
                length = (int)Math.Min(body.Length, 2L * length);
            }
            var shown = Math.Min(text.Length, CompassApiException.BodyPreviewLength);
            var builder = new StringBuilder(shown + 1);
            for (var i = 0; i < shown; i++) builder.Append(char.IsControl(text[i]) ? ' ' : text[i]);
            var preview = builder.ToString().Trim();
            if (preview.Length == 0) return "(only white space)";
            return body.Length > length || text.Length > shown ? preview + "…" : preview;
        }

        /// <summary>The text with every occurrence of the secret (any case, base64, JSON, HTML or URL escaped) masked.</summary>
        public static string? Redact(string? text, string? secret) => SecretMask.Apply(text, secret);

        public static CompassErrorKind KindOf(HttpStatusCode status, string? code)
        {
            switch ((int)status)
            {
                case 400:
                case 422: return CompassErrorKind.ValidationFailed;
                case 401: return CompassErrorKind.Unauthorized;
                case 403: return string.Equals(code, "ADMIN_KEY_REQUIRED", StringComparison.OrdinalIgnoreCase) ? CompassErrorKind.AdminKeyRequired : CompassErrorKind.Forbidden;
                case 404: return CompassErrorKind.NotFound;
                case 408: return CompassErrorKind.Timeout;
                case 409: return CompassErrorKind.Conflict;
                case 429: return CompassErrorKind.RateLimited;
            }
            return (int)status >= 500 ? CompassErrorKind.ServerError : CompassErrorKind.RequestRejected;
        }
    }
}
