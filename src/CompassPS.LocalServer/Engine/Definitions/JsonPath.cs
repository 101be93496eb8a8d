using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace CompassPS.LocalServer.Engine.Definitions;

/// <summary>
/// The JSONPath subset Compass bindings use: <c>$</c>, dot access and integer index
/// (<c>$.items[0].title</c>; the leading <c>$</c> and dot are optional, <c>['a b']</c> quotes a name).
/// </summary>
public sealed class JsonPath
{
    private readonly IReadOnlyList<object> _segments; // string = property, int = index

    private JsonPath(string text, IReadOnlyList<object> segments)
    {
        Text = text;
        _segments = segments;
    }

    public static JsonPath Root { get; } = new("$", []);

    public string Text { get; }

    public bool IsRoot => _segments.Count == 0;

    /// <summary>The first property name, if the path starts with one (a prompt parameter with a path has one).</summary>
    public string? FirstProperty => _segments.Count > 0 ? _segments[0] as string : null;

    public IReadOnlyList<object> Segments => _segments;

    public static bool TryParse(string? text, out JsonPath path, out string error)
    {
        path = Root;
        error = "";
        var source = (text ?? "").Trim();
        if (source is "" or "$")
        {
            return true;
        }

        var segments = new List<object>();
        var position = 0;
        if (source[0] == '$')
        {
            position = 1;
        }
        else if (source[0] != '[')
        {
            source = "." + source; // a bare "a.b" means "$.a.b"
        }

        while (position < source.Length)
        {
            var current = source[position];
            if (current == '.')
            {
                var start = ++position;
                while (position < source.Length && source[position] != '.' && source[position] != '[')
                {
                    position++;
                }

                var name = source[start..position];
                if (name.Length == 0)
                {
                    error = $"the path '{text}' has an empty name at position {start}";
                    return false;
                }

                segments.Add(name);
            }
            else if (current == '[')
            {
                var close = source.IndexOf(']', position);
                if (close < 0)
                {
                    error = $"the path '{text}' has an unclosed '['";
                    return false;
                }

                var inner = source[(position + 1)..close].Trim();
                position = close + 1;
                if (inner.Length >= 2 && (inner[0] == '\'' || inner[0] == '"') && inner[^1] == inner[0])
                {
                    segments.Add(inner[1..^1]);
                }
                else if (int.TryParse(inner, NumberStyles.None, CultureInfo.InvariantCulture, out var index))
                {
                    segments.Add(index);
                }
                else
                {
                    error = $"the path '{text}' has '[{inner}]', but only integer indexes and quoted names are supported";
                    return false;
                }
            }
            else
            {
                error = $"the path '{text}' has an unexpected '{current}' at position {position}";
                return false;
            }
        }

        path = new JsonPath(text!.Trim(), segments);
        return true;
    }

    /// <summary>The value at this path, or null when a property or index along the way does not exist.</summary>
    public JsonNode? Select(JsonNode? value)
    {
        var current = value;
        foreach (var segment in _segments)
        {
            current = (segment, current) switch
            {
                (string name, JsonObject obj) => obj.TryGetPropertyValue(name, out var child) ? child : null,
                (int index, JsonArray array) => index < array.Count ? array[index] : null,
                _ => null,
            };
            if (current is null)
            {
                return null;
            }
        }

        return current;
    }

    /// <summary>The same path without its first segment (the template token <c>node.a.b</c> reads <c>a.b</c> of <c>node</c>).</summary>
    public JsonPath Tail()
    {
        if (_segments.Count == 0)
        {
            return this;
        }

        var rest = _segments.Skip(1).ToList();
        var text = new StringBuilder("$");
        foreach (var segment in rest)
        {
            text.Append(segment is int index ? $"[{index}]" : $".{segment}");
        }

        return new JsonPath(text.ToString(), rest);
    }

    public override string ToString() => Text;
}
