namespace CompassPS.LocalServer.Engine.Providers;

/// <summary>Chooses the chat model implementation for a provider connection.</summary>
public static class ChatModels
{
    private static readonly IReadOnlyDictionary<string, string> DefaultLoopbackBaseUrls = new Dictionary<string, string>
    {
        ["lmstudio"] = "http://127.0.0.1:1234/v1",
        ["ollama"] = "http://127.0.0.1:11434/v1",
    };

    /// <summary>Whether the local server can call a provider of this connection (what validation reports as CONNECTION_CAPABILITY).</summary>
    public static bool CanServe(ConnectionRecord connection, out string reason)
    {
        reason = "";
        if (connection.Type == LocalChatModel.ConnectionType || BaseUrl(connection) is not null)
        {
            return true;
        }

        reason = connection.Type == "openai"
            ? $"the provider connection '{connection.Name}' has no base_url in its configuration; the local server calls OpenAI-compatible providers only at a configured base_url"
            : $"the local server cannot call providers of type '{connection.Type}' (connection '{connection.Name}'); use type local, or an OpenAI-compatible provider with a base_url";
        return false;
    }

    public static IChatModel Create(ConnectionRecord connection, EngineOptions options)
    {
        if (connection.Type == LocalChatModel.ConnectionType)
        {
            return new LocalChatModel(options.DelayScale);
        }

        if (BaseUrl(connection) is { } baseUrl)
        {
            return new OpenAiCompatibleChatModel(options.Http, baseUrl, connection.Credentials, connection.Name);
        }

        CanServe(connection, out var reason);
        throw new RunFailedException(reason);
    }

    private static string? BaseUrl(ConnectionRecord connection)
    {
        var configured = Definitions.JsonValues.GetString(connection.Configuration, "base_url");
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return configured;
        }

        return DefaultLoopbackBaseUrls.TryGetValue(connection.Type, out var fallback) ? fallback : null;
    }
}
