using System.Text.Json.Nodes;

namespace CompassPS.LocalServer.Engine.Providers;

public static class ChatRoles
{
    public const string System = "system";
    public const string User = "user";
    public const string Assistant = "assistant";
    public const string Tool = "tool";
}

/// <summary>One message of a chat exchange, in the OpenAI chat shape every provider here speaks.</summary>
public sealed record ChatMessage(string Role, string Content)
{
    public IReadOnlyList<ToolCallRequest> ToolCalls { get; init; } = [];
    public string? ToolCallId { get; init; }
    public string? ToolName { get; init; }
}

/// <summary>A tool the model may call, with a JSON Schema for its arguments.</summary>
public sealed record ToolDescriptor(string Name, string Description, JsonObject Parameters);

public sealed record ToolCallRequest(string Id, string Name, JsonObject Arguments);

public sealed class ChatRequest
{
    public required string Model { get; init; }
    public required IReadOnlyList<ChatMessage> Messages { get; init; }
    public IReadOnlyList<ToolDescriptor> Tools { get; init; } = [];
    public JsonObject? ResponseFormat { get; init; }
    public JsonObject? Settings { get; init; }
}

/// <summary>One model turn: either tool calls to make, or the final text (already streamed through the callback).</summary>
public sealed record ChatTurn(string Text, IReadOnlyList<ToolCallRequest> ToolCalls, int Tokens);

/// <summary>A chat model. Text is streamed piece by piece through <c>onText</c> as it is produced.</summary>
public interface IChatModel
{
    Task<ChatTurn> NextTurnAsync(ChatRequest request, Func<string, CancellationToken, Task> onText, CancellationToken cancellationToken);
}
