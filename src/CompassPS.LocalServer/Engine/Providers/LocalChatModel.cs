using System.Text;
using System.Text.Json.Nodes;
using CompassPS.LocalServer.Engine.Definitions;

namespace CompassPS.LocalServer.Engine.Providers;

/// <summary>
/// The built-in offline model. It is deterministic so runs are repeatable in tests: it first calls each of its
/// tools once with arguments taken from the user's message, then answers by quoting the message (and the
/// earlier turns and tool results it saw), streaming the answer one word at a time. With a model script, the first
/// rule that matches the user's message answers instead: its tool calls first (through the agent's real tools),
/// then its reply, streamed the same way.
/// </summary>
public sealed class LocalChatModel(double delayScale, ModelScript? script = null) : IChatModel
{
    public const string ConnectionType = "local";

    private const int ThinkingDelayMs = 150;
    private const int PieceDelayMs = 25;
    private const int ToolArgumentWords = 20;

    public async Task<ChatTurn> NextTurnAsync(ChatRequest request, Func<string, CancellationToken, Task> onText, CancellationToken cancellationToken)
    {
        await Delay(ThinkingDelayMs, cancellationToken);
        var lastUserIndex = LastIndexOf(request.Messages, ChatRoles.User);
        var userText = lastUserIndex >= 0 ? request.Messages[lastUserIndex].Content : "";
        var promptTokens = request.Messages.Sum(message => TextPieces.CountWords(message.Content));

        var toolsAlreadyCalled = request.Messages.Skip(lastUserIndex + 1).Any(message => message.Role == ChatRoles.Tool);
        if (script?.Find(userText) is { } rule)
        {
            return await ScriptedTurnAsync(rule, request, userText, toolsAlreadyCalled, promptTokens, onText, cancellationToken);
        }

        if (request.Tools.Count > 0 && !toolsAlreadyCalled)
        {
            var excerpt = TextPieces.FirstWords(userText, ToolArgumentWords);
            var calls = request.Tools
                .Select(tool => new ToolCallRequest($"call_{Guid.NewGuid():N}", tool.Name, ArgumentsFor(tool.Parameters, excerpt)))
                .ToList();
            return new ChatTurn("", calls, promptTokens);
        }

        var sentence = Answer(request.Messages, lastUserIndex, userText);
        var answer = request.ResponseFormat is { } schema ? (Shape(schema, sentence, userText) ?? new JsonObject()).ToJsonString() : sentence;
        foreach (var piece in TextPieces.Split(answer))
        {
            await onText(piece, cancellationToken);
            await Delay(PieceDelayMs, cancellationToken);
        }

        return new ChatTurn(answer, [], promptTokens + TextPieces.CountWords(answer));
    }

    private async Task<ChatTurn> ScriptedTurnAsync(ModelScriptRule rule, ChatRequest request, string userText, bool toolsAlreadyCalled,
        int promptTokens, Func<string, CancellationToken, Task> onText, CancellationToken cancellationToken)
    {
        if (rule.ToolCalls.Count > 0 && !toolsAlreadyCalled)
        {
            // A tool the agent lacks is called all the same: the agent then fails the run naming it, as with a real model.
            var excerpt = TextPieces.FirstWords(userText, ToolArgumentWords);
            var calls = rule.ToolCalls
                .Select(call => new ToolCallRequest($"call_{Guid.NewGuid():N}", call.Tool,
                    call.Arguments?.DeepClone().AsObject()
                    ?? ArgumentsFor(request.Tools.FirstOrDefault(tool => tool.Name == call.Tool)?.Parameters ?? [], excerpt)))
                .ToList();
            return new ChatTurn("", calls, promptTokens);
        }

        foreach (var piece in TextPieces.Split(rule.Reply))
        {
            await onText(piece, cancellationToken);
            await Delay(PieceDelayMs, cancellationToken);
        }

        return new ChatTurn(rule.Reply, [], promptTokens + TextPieces.CountWords(rule.Reply));
    }

    private Task Delay(int milliseconds, CancellationToken cancellationToken) =>
        delayScale > 0 ? Task.Delay(TimeSpan.FromMilliseconds(milliseconds * delayScale), cancellationToken) : Task.CompletedTask;

    private static int LastIndexOf(IReadOnlyList<ChatMessage> messages, string role)
    {
        for (var index = messages.Count - 1; index >= 0; index--)
        {
            if (messages[index].Role == role)
            {
                return index;
            }
        }

        return -1;
    }

    private static string Answer(IReadOnlyList<ChatMessage> messages, int lastUserIndex, string userText)
    {
        var answer = new StringBuilder(userText.Length + 256);
        answer.Append("You asked: \"").Append(userText).Append("\".");

        var earlierUserTurns = messages.Take(Math.Max(lastUserIndex, 0)).Where(message => message.Role == ChatRoles.User).ToList();
        if (earlierUserTurns.Count > 0)
        {
            answer.Append(" Earlier in this conversation (").Append(earlierUserTurns.Count)
                .Append(earlierUserTurns.Count == 1 ? " turn" : " turns").Append(") you said: \"")
                .Append(earlierUserTurns[^1].Content).Append("\".");
        }

        foreach (var toolResult in messages.Skip(lastUserIndex + 1).Where(message => message.Role == ChatRoles.Tool))
        {
            answer.Append(" The tool ").Append(toolResult.ToolName).Append(" returned: ").Append(toolResult.Content);
            // Tool results are often sentences already; a second full stop would read as a typo.
            if (!toolResult.Content.TrimEnd().EndsWith(".", StringComparison.Ordinal)) answer.Append('.');
        }

        return answer.ToString();
    }

    /// <summary>Arguments that fit the tool's parameter schema: strings get the excerpt, numbers its word count.</summary>
    private static JsonObject ArgumentsFor(JsonObject parameters, string excerpt)
    {
        var arguments = new JsonObject();
        if (JsonValues.GetObject(parameters, "properties") is not { Count: > 0 } properties)
        {
            arguments["input"] = excerpt;
            return arguments;
        }

        // Only the required arguments when the schema names some, as a model would; all of them otherwise.
        var required = (JsonValues.GetArray(parameters, "required") ?? []).Select(JsonValues.ToText).ToHashSet(StringComparer.Ordinal);
        foreach (var (name, schema) in properties.Where(property => required.Count == 0 || required.Contains(property.Key)))
        {
            arguments[name] = Shape(schema as JsonObject ?? [], excerpt, excerpt);
        }

        return arguments;
    }

    /// <summary>A value matching a JSON Schema, filled from the text (used for tool arguments and response_format).</summary>
    private static JsonNode? Shape(JsonObject schema, string sentence, string source)
    {
        if (JsonValues.GetArray(schema, "enum") is { Count: > 0 } choices)
        {
            return choices[0]?.DeepClone();
        }

        var type = JsonValues.GetString(schema, "type") ?? (schema.ContainsKey("properties") ? "object" : null);
        switch (type)
        {
            case "object":
                var obj = new JsonObject();
                foreach (var (name, propertySchema) in JsonValues.GetObject(schema, "properties") ?? [])
                {
                    obj[name] = Shape(propertySchema as JsonObject ?? [], sentence, source);
                }

                return obj;
            case "array":
                return new JsonArray(Shape(JsonValues.GetObject(schema, "items") ?? [], sentence, source));
            case "integer" or "number":
                return JsonValue.Create(TextPieces.CountWords(source));
            case "boolean":
                return JsonValue.Create(true);
            case "null":
                return null;
            default:
                return JsonValue.Create(sentence);
        }
    }
}
