using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace CompassPS.LocalServer.Engine.Definitions;

/// <summary>
/// What a definition may cost, checked before it is parsed into a tree: its length, how deep it nests and how far
/// its YAML aliases expand. The check reads the text as a flat stream of parser events (no recursion, no tree) and
/// stops at the first level past the bound, so a definition nested 30,000 deep or an alias bomb costs no more than
/// a few levels or a few anchors of work. Every path that parses a definition (create, update, validate, deploy,
/// run) goes through it, so a text stored by an older server without these bounds fails cleanly too.
/// </summary>
public static class DefinitionBounds
{
    /// <summary>Characters of definition text.</summary>
    public const int MaxLength = 1024 * 1024;

    /// <summary>Levels of nested mappings and lists (a definition needs about ten).</summary>
    public const int MaxDepth = 64;

    /// <summary>Values (mappings, lists, scalars, keys included) once every alias is expanded.</summary>
    public const int MaxValues = 200_000;

    /// <summary>Characters of scalars and keys once every alias is expanded.</summary>
    public const int MaxExpandedChars = 4 * 1024 * 1024;

    /// <summary>Bytes (UTF-8 JSON, before escaping) of the inputs or the output of one node, and so of a run's output.</summary>
    public const int MaxNodeValueBytes = 16 * 1024 * 1024;

    /// <summary>The first bound the text breaks, or null when it is within all of them (a syntax error is not a bound).</summary>
    public static ValidationIssue? Check(string? text)
    {
        if (string.IsNullOrEmpty(text)) return null;
        if (text.Length > MaxLength)
        {
            return new ValidationIssue(ValidationCodes.DefinitionTooLarge,
                $"the definition is {text.Length:N0} characters long; the local server takes at most {MaxLength:N0}", null);
        }

        var trimmed = text.TrimStart();
        return trimmed.StartsWith('{') || trimmed.StartsWith('[') ? CheckJson(text) : CheckYaml(text);
    }

    /// <summary>
    /// Null when the value's JSON is at most <paramref name="maxBytes"/> UTF-8 bytes (escapes not counted), walking
    /// the tree with its own stack so that no value, however deep, can overflow the thread's.
    /// </summary>
    public static bool FitsIn(JsonNode? value, long maxBytes, out long measured)
    {
        measured = 0;
        var pending = new Stack<JsonNode?>();
        pending.Push(value);
        while (pending.Count > 0)
        {
            switch (pending.Pop())
            {
                case null:
                    measured += 5; // null and a separator
                    break;
                case JsonObject obj:
                    measured += 2;
                    foreach (var (key, item) in obj)
                    {
                        measured += Encoding.UTF8.GetByteCount(key) + 4;
                        pending.Push(item);
                    }
                    break;
                case JsonArray array:
                    measured += 2;
                    foreach (var item in array) pending.Push(item);
                    break;
                case JsonValue scalar:
                    measured += scalar.GetValueKind() == JsonValueKind.String
                        ? Encoding.UTF8.GetByteCount(scalar.GetValue<string>()) + 3
                        : scalar.ToJsonString().Length + 1;
                    break;
            }

            if (measured > maxBytes) return false;
        }

        return true;
    }

    private static ValidationIssue TooDeep() =>
        new(ValidationCodes.DefinitionTooDeep, $"the definition nests deeper than {MaxDepth} levels", null);

    private static ValidationIssue? CheckJson(string text)
    {
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(text), new JsonReaderOptions
        {
            AllowTrailingCommas = true,
            CommentHandling = JsonCommentHandling.Skip,
            // One more than the bound, so that this check (not the reader) says what is wrong.
            MaxDepth = MaxDepth + 1,
        });
        var values = 0;
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType is JsonTokenType.EndObject or JsonTokenType.EndArray or JsonTokenType.PropertyName) continue;
                if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray && reader.CurrentDepth >= MaxDepth) return TooDeep();
                if (++values > MaxValues)
                {
                    return new ValidationIssue(ValidationCodes.DefinitionTooLarge, $"the definition holds more than {MaxValues:N0} values", null);
                }
            }
        }
        catch (JsonException)
        {
            // Broken JSON is the parser's to report, with its position.
        }

        return null;
    }

    private static ValidationIssue? CheckYaml(string text)
    {
        // Each open mapping or list, with what it has cost so far and the anchor it will be known by.
        var open = new Stack<(string? Anchor, long Values, long Chars)>();
        var anchors = new Dictionary<string, (long Values, long Chars)>(StringComparer.Ordinal);
        long totalValues = 0, totalChars = 0;

        ValidationIssue? Add(long values, long chars)
        {
            totalValues += values;
            totalChars += chars;
            if (open.Count > 0)
            {
                var (anchor, v, c) = open.Pop();
                open.Push((anchor, v + values, c + chars));
            }

            if (totalValues > MaxValues)
            {
                return new ValidationIssue(ValidationCodes.AliasExpansionTooLarge,
                    $"the definition expands to more than {MaxValues:N0} values (through aliases?)", null);
            }

            return totalChars > MaxExpandedChars
                ? new ValidationIssue(ValidationCodes.AliasExpansionTooLarge,
                    $"the definition expands to more than {MaxExpandedChars:N0} characters of text (through aliases?)", null)
                : null;
        }

        static string? AnchorOf(NodeEvent node) => node.Anchor.IsEmpty ? null : node.Anchor.Value;

        try
        {
            var parser = new Parser(new StringReader(text));
            while (parser.MoveNext())
            {
                ValidationIssue? broken = null;
                switch (parser.Current)
                {
                    case SequenceStart or MappingStart:
                        if (open.Count >= MaxDepth) return TooDeep();
                        open.Push((AnchorOf((NodeEvent)parser.Current), 0, 0));
                        broken = Add(1, 0);
                        break;
                    case SequenceEnd or MappingEnd when open.Count > 0:
                        var closed = open.Pop();
                        if (closed.Anchor is not null) anchors[closed.Anchor] = (closed.Values, closed.Chars);
                        // Its cost was added to the totals as it grew; the parent learns it now.
                        if (open.Count > 0)
                        {
                            var (anchor, v, c) = open.Pop();
                            open.Push((anchor, v + closed.Values, c + closed.Chars));
                        }
                        break;
                    case Scalar scalar:
                        if (AnchorOf(scalar) is { } name) anchors[name] = (1, scalar.Value.Length);
                        broken = Add(1, scalar.Value.Length);
                        break;
                    case AnchorAlias alias:
                        // An alias of a mapping or list still open refers to itself: the tree builder reports it.
                        var cost = anchors.GetValueOrDefault(alias.Value.Value, (1, 0));
                        broken = Add(cost.Values, cost.Chars);
                        break;
                }

                if (broken is not null) return broken;
            }
        }
        catch (YamlException)
        {
            // Broken YAML is the parser's to report, with its line and column.
        }

        return null;
    }
}
