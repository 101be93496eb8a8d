using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace CompassPS.LocalServer.Engine.Definitions;

/// <summary>One <c>{{head.path}}</c> token of a template.</summary>
public sealed record TemplateToken(string Raw, string Head, JsonPath PathAfterHead, int Index, int Length)
{
    public bool HasPath => !PathAfterHead.IsRoot;
}

/// <summary>Text with <c>{{name}}</c> / <c>{{node.path}}</c> tokens, parsed once and rendered in a single pass.</summary>
public sealed partial class TemplateText
{
    private TemplateText(string text, IReadOnlyList<TemplateToken> tokens)
    {
        Text = text;
        Tokens = tokens;
    }

    public string Text { get; }

    public IReadOnlyList<TemplateToken> Tokens { get; }

    public static bool TryParse(string text, out TemplateText template, out string error)
    {
        var tokens = new List<TemplateToken>();
        foreach (Match match in TokenPattern().Matches(text))
        {
            var raw = match.Groups[1].Value.Trim();
            if (!JsonPath.TryParse(raw, out var path, out var pathError) || path.FirstProperty is not { } head)
            {
                template = new TemplateText(text, []);
                error = $"the template token '{{{{{raw}}}}}' is not a name or a path ({(pathError.Length > 0 ? pathError : "it must start with a name")})";
                return false;
            }

            tokens.Add(new TemplateToken(raw, head, path.Tail(), match.Index, match.Length));
        }

        template = new TemplateText(text, tokens);
        error = "";
        return true;
    }

    /// <summary>
    /// Renders the template; <paramref name="resolve"/> gives the value of a token. A text that would pass
    /// <paramref name="maxChars"/> fails the run (OUTPUT_TOO_LARGE) as soon as it does, before it is built: a template
    /// repeating a large value a thousand times must not take a thousand times its memory.
    /// </summary>
    public string Render(Func<TemplateToken, JsonNode?> resolve, long maxChars = DefinitionBounds.MaxNodeValueBytes)
    {
        if (Tokens.Count == 0)
        {
            return Text;
        }

        var builder = new StringBuilder(Text.Length);
        var position = 0;
        foreach (var token in Tokens)
        {
            builder.Append(Text, position, token.Index - position);
            builder.Append(JsonValues.ToText(resolve(token)));
            position = token.Index + token.Length;
            if (builder.Length > maxChars)
            {
                throw new RunFailedException(
                    $"{ValidationCodes.OutputTooLarge}: the template renders to more than {maxChars:N0} characters");
            }
        }

        builder.Append(Text, position, Text.Length - position);
        return builder.ToString();
    }

    [GeneratedRegex(@"\{\{([^{}]*)\}\}")]
    private static partial Regex TokenPattern();
}
