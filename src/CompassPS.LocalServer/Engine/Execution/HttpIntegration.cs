using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CompassPS.LocalServer.Engine.Definitions;

namespace CompassPS.LocalServer.Engine.Execution;

/// <summary>
/// The HTTP integration: a request to the base URL its connection configures, with the connection's credentials
/// as a header. Used by integration nodes (method/path/query/body from the node) and by agents' integration tools.
/// </summary>
public static class HttpIntegration
{
    public const string IntegrationType = "http";
    public const string IntegrationKind = "integration";

    private const int MaxErrorBodyChars = 300;
    private static readonly string[] Methods = ["POST", "GET", "PUT", "PATCH", "DELETE"];

    /// <summary>Whether a connection is one this integration can call (an HTTP connection with a base URL).</summary>
    public static bool CanServe(ConnectionRecord connection, out string reason)
    {
        reason = "";
        if (connection.Type != IntegrationType)
        {
            reason = $"the connection '{connection.Name}' is of type '{connection.Type}'; the local server runs only 'http' integrations";
            return false;
        }

        if (BaseUrl(connection) is null)
        {
            reason = $"the HTTP connection '{connection.Name}' has no absolute http(s) base_url in its configuration";
            return false;
        }

        return true;
    }

    /// <summary>The JSON Schema of an HTTP tool's arguments.</summary>
    public static JsonObject ToolParameters() => new()
    {
        ["type"] = "object",
        ["properties"] = new JsonObject
        {
            ["method"] = new JsonObject { ["type"] = "string", ["enum"] = new JsonArray(Methods.Select(method => (JsonNode)JsonValue.Create(method)).ToArray()) },
            ["path"] = new JsonObject { ["type"] = "string", ["description"] = "Path under the integration's base URL" },
            ["query"] = new JsonObject { ["type"] = "object", ["description"] = "Query string parameters" },
            ["body"] = new JsonObject
            {
                ["type"] = "object",
                ["description"] = "JSON body",
                ["properties"] = new JsonObject { ["input"] = new JsonObject { ["type"] = "string" } },
            },
        },
        ["required"] = new JsonArray(JsonValue.Create("method"), JsonValue.Create("body")),
    };

    public static async Task<JsonNode?> RunNodeAsync(RunContext context, NodeDefinition node, JsonObject inputs, CancellationToken cancellationToken)
    {
        if (node.IntegrationType != IntegrationType)
        {
            throw new RunFailedException($"the local server cannot run the integration type '{node.IntegrationType}' of '{node.DisplayName}'", node.Id);
        }

        if (string.IsNullOrWhiteSpace(node.ConnectionId))
        {
            throw new RunFailedException($"the integration '{node.DisplayName}' has no connection_id", node.Id);
        }

        var connection = context.Catalog.FindConnection(context.Run.ProjectId, node.ConnectionId)
            ?? throw new RunFailedException($"the integration '{node.DisplayName}' uses the connection '{node.ConnectionId}', which does not exist", node.Id);
        var method = JsonValues.GetString(inputs, "method") ?? JsonValues.GetString(node.Config, "method") ?? MethodOfAction(node.Action);
        var request = new JsonObject
        {
            ["method"] = method,
            ["path"] = JsonValues.GetString(inputs, "path") ?? JsonValues.GetString(node.Config, "path") ?? "",
            ["query"] = (inputs["query"] ?? node.Config["query"])?.DeepClone(),
            ["body"] = (inputs.ContainsKey("body") ? inputs["body"] : node.Config["body"])?.DeepClone(),
            ["headers"] = node.Config["headers"]?.DeepClone(),
        };
        return await SendAsync(context, connection, request, node.Id, cancellationToken);
    }

    public static Task<JsonNode?> CallToolAsync(RunContext context, ConnectionRecord connection, JsonObject arguments, string nodeId, CancellationToken cancellationToken) =>
        SendAsync(context, connection, arguments, nodeId, cancellationToken);

    private static string MethodOfAction(string? action) =>
        action?.ToUpperInvariant() is { } upper && Methods.Contains(upper) ? upper : "GET";

    private static Uri? BaseUrl(ConnectionRecord connection)
    {
        var text = JsonValues.GetString(connection.Configuration, "base_url") ?? JsonValues.GetString(connection.Configuration, "url");
        return Uri.TryCreate(text, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps) ? uri : null;
    }

    private static async Task<JsonNode?> SendAsync(RunContext context, ConnectionRecord connection, JsonObject request, string nodeId, CancellationToken cancellationToken)
    {
        if (connection.Status == AgentNodeRunner.InactiveStatus)
        {
            throw new RunFailedException($"the connection '{connection.Name}' is inactive", nodeId);
        }

        if (!CanServe(connection, out var reason))
        {
            throw new RunFailedException(reason, nodeId);
        }

        var method = (JsonValues.GetString(request, "method") ?? (request["body"] is null ? "GET" : "POST")).ToUpperInvariant();
        if (!Methods.Contains(method))
        {
            throw new RunFailedException($"the HTTP method '{method}' is not one of {string.Join(", ", Methods)}", nodeId);
        }

        var url = BuildUrl(BaseUrl(connection)!, JsonValues.GetString(request, "path") ?? "", request["query"] as JsonObject);
        using var message = new HttpRequestMessage(new HttpMethod(method), url);
        if (request["body"] is { } body && method != "GET")
        {
            message.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        }

        foreach (var (name, value) in request["headers"] as JsonObject ?? [])
        {
            message.Headers.TryAddWithoutValidation(name, JsonValues.ToText(value));
        }

        AddCredentials(message, connection);
        var secrets = connection.Credentials.Select(entry => JsonValues.ToText(entry.Value)).Where(secret => secret.Length > 0).ToList();
        try
        {
            using var response = await context.Options.Http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            var text = await ReadBoundedAsync(response, connection.Name, nodeId, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                var shown = text.Length <= MaxErrorBodyChars ? text : text[..MaxErrorBodyChars] + "…";
                throw new RunFailedException(
                    $"the HTTP integration '{connection.Name}' answered {(int)response.StatusCode} {response.ReasonPhrase} to {method} {url.AbsolutePath}: {Redact(shown, secrets)}", nodeId);
            }

            return new JsonObject { ["status"] = (int)response.StatusCode, ["body"] = ParseBody(text, response.Content.Headers.ContentType) };
        }
        catch (HttpRequestException exception)
        {
            throw new RunFailedException($"could not reach the HTTP integration '{connection.Name}': {Redact(exception.Message, secrets)}", nodeId);
        }
        catch (IOException exception)
        {
            throw new RunFailedException($"the connection to the HTTP integration '{connection.Name}' broke off: {Redact(exception.Message, secrets)}", nodeId);
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new RunFailedException($"the HTTP integration '{connection.Name}' did not answer in time", nodeId);
        }
    }

    // A node's output is bounded (DefinitionBounds.MaxNodeValueBytes); an answer past it is refused while it is read,
    // not after a gigabyte of it is in memory.
    private static async Task<string> ReadBoundedAsync(HttpResponseMessage response, string connectionName, string nodeId, CancellationToken cancellationToken)
    {
        const int max = DefinitionBounds.MaxNodeValueBytes;
        if (response.Content.Headers.ContentLength is > max)
        {
            throw TooLarge();
        }

        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > max)
            {
                throw TooLarge();
            }

            buffer.Write(chunk, 0, read);
        }

        var charset = response.Content.Headers.ContentType?.CharSet?.Trim('"');
        Encoding encoding;
        try
        {
            encoding = string.IsNullOrEmpty(charset) ? Encoding.UTF8 : Encoding.GetEncoding(charset);
        }
        catch (ArgumentException)
        {
            encoding = Encoding.UTF8;
        }

        return encoding.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);

        RunFailedException TooLarge() => new(
            $"{ValidationCodes.OutputTooLarge}: the HTTP integration '{connectionName}' answered more than {max:N0} bytes", nodeId);
    }

    private static Uri BuildUrl(Uri baseUrl, string path, JsonObject? query)
    {
        var builder = new StringBuilder(baseUrl.GetLeftPart(UriPartial.Path).TrimEnd('/'));
        if (path.Length > 0)
        {
            builder.Append('/').Append(path.TrimStart('/'));
        }

        var separator = string.IsNullOrEmpty(baseUrl.Query) ? '?' : '&';
        if (!string.IsNullOrEmpty(baseUrl.Query))
        {
            builder.Append(baseUrl.Query);
        }

        foreach (var (name, value) in query ?? [])
        {
            builder.Append(separator).Append(Uri.EscapeDataString(name)).Append('=').Append(Uri.EscapeDataString(JsonValues.ToText(value)));
            separator = '&';
        }

        return new Uri(builder.ToString());
    }

    // api_key goes in the configured header (Authorization: Bearer by default); token as Bearer; username/password as Basic.
    private static void AddCredentials(HttpRequestMessage message, ConnectionRecord connection)
    {
        var credentials = connection.Credentials;
        if (JsonValues.GetString(credentials, "api_key") is { Length: > 0 } apiKey)
        {
            if (JsonValues.GetString(connection.Configuration, "header_name") is { Length: > 0 } headerName)
            {
                message.Headers.TryAddWithoutValidation(headerName, apiKey);
            }
            else
            {
                message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
            }
        }
        else if (JsonValues.GetString(credentials, "token") is { Length: > 0 } token)
        {
            message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        else if (JsonValues.GetString(credentials, "username") is { Length: > 0 } username)
        {
            var pair = $"{username}:{JsonValues.GetString(credentials, "password") ?? ""}";
            message.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(pair)));
        }
    }

    private static JsonNode? ParseBody(string text, MediaTypeHeaderValue? contentType)
    {
        if (text.Length == 0)
        {
            return null;
        }

        if (contentType?.MediaType?.Contains("json", StringComparison.OrdinalIgnoreCase) == true)
        {
            try
            {
                return JsonNode.Parse(text);
            }
            catch (JsonException)
            {
                // A server that labels text as JSON still gets its answer through, as text.
            }
        }

        return JsonValue.Create(text);
    }

    private static string Redact(string text, IEnumerable<string> secrets) =>
        secrets.Aggregate(text, (current, secret) => current.Replace(secret, "***", StringComparison.Ordinal));
}
