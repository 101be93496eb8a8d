using CompassPS.LocalServer.Engine.Definitions;

namespace CompassPS.LocalServer.Engine.Providers;

/// <summary>Chooses the chat model implementation for a provider connection (and the gateway its calls go through).</summary>
public static class ChatModels
{
    public const string GatewayKind = "gateway";
    public const string GatewayIdSetting = "gateway_id";
    private const string DefaultGatewayHeader = "x-api-key";

    private static readonly IReadOnlyDictionary<string, string> DefaultLoopbackBaseUrls = new Dictionary<string, string>
    {
        ["lmstudio"] = "http://127.0.0.1:1234/v1",
        ["ollama"] = "http://127.0.0.1:11434/v1",
    };

    /// <summary>The gateway connection id a provider's configuration names, if any.</summary>
    public static string? GatewayIdOf(ConnectionRecord provider) =>
        JsonValues.GetString(provider.Configuration, GatewayIdSetting) is { Length: > 0 } id ? id : null;

    /// <summary>
    /// Whether the local server can call a provider of this connection through the gateway, if any (what validation
    /// reports as CONNECTION_CAPABILITY); <paramref name="reason"/> says why not.
    /// </summary>
    public static bool CanServe(ConnectionRecord connection, ConnectionRecord? gateway, out string reason)
    {
        reason = "";
        if (gateway is not null && gateway.Kind != GatewayKind)
        {
            reason = $"the provider connection '{connection.Name}' names '{gateway.Name}' as its gateway, but that is a {gateway.Kind}";
            return false;
        }

        if (gateway is not null && GatewayBaseUrl(gateway) is null)
        {
            reason = $"the gateway '{gateway.Name}' has no absolute http(s) base_url in its configuration";
            return false;
        }

        if (connection.Type == LocalChatModel.ConnectionType || BaseUrl(connection) is not null || gateway is not null)
        {
            return true;
        }

        reason = connection.Type == "openai"
            ? $"the provider connection '{connection.Name}' has no base_url in its configuration; the local server calls OpenAI-compatible providers only at a configured base_url"
            : $"the local server cannot call providers of type '{connection.Type}' (connection '{connection.Name}'); use type local, or an OpenAI-compatible provider with a base_url";
        return false;
    }

    public static IChatModel Create(ConnectionRecord connection, ConnectionRecord? gateway, EngineOptions options)
    {
        if (!CanServe(connection, gateway, out var reason))
        {
            throw new RunFailedException(reason);
        }

        if (connection.Type == LocalChatModel.ConnectionType)
        {
            return new LocalChatModel(options.DelayScale, options.ModelScript); // offline: a gateway has nothing to proxy
        }

        var headers = new Dictionary<string, string>();
        var secrets = new List<string>();
        if (JsonValues.GetString(connection.Credentials, "api_key") is { Length: > 0 } apiKey)
        {
            headers["Authorization"] = $"Bearer {apiKey}";
            secrets.Add(apiKey);
        }

        var baseUrl = BaseUrl(connection)!;
        if (gateway is not null)
        {
            // Through a gateway (e.g. Apigee) the proxy's base URL stands in for the provider's, and its own key rides in its header.
            baseUrl = GatewayBaseUrl(gateway)!;
            if (JsonValues.GetString(gateway.Credentials, "api_key") is { Length: > 0 } gatewayKey)
            {
                headers[JsonValues.GetString(gateway.Configuration, "header_name") is { Length: > 0 } header ? header : DefaultGatewayHeader] = gatewayKey;
                secrets.Add(gatewayKey);
            }
        }

        return new OpenAiCompatibleChatModel(options.Http, baseUrl, headers, secrets, connection.Name);
    }

    // Compass takes LM Studio's base URL among the credentials, other providers' in the configuration: both are read.
    private static string? BaseUrl(ConnectionRecord connection)
    {
        var configured = JsonValues.GetString(connection.Configuration, "base_url") ?? JsonValues.GetString(connection.Credentials, "base_url");
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return configured;
        }

        return DefaultLoopbackBaseUrls.TryGetValue(connection.Type, out var fallback) ? fallback : null;
    }

    private static string? GatewayBaseUrl(ConnectionRecord gateway) =>
        JsonValues.GetString(gateway.Configuration, "base_url") is { } text && Uri.TryCreate(text, UriKind.Absolute, out var uri)
            && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps) ? text : null;
}
