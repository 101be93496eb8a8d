using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CompassPS.LocalServer.Engine.Definitions;

namespace CompassPS.LocalServer.Engine.Providers;

/// <summary>
/// A provider that speaks the OpenAI chat completions API (OpenAI, LM Studio, Ollama, ...): POST
/// <c>{base_url}/chat/completions</c> with <c>stream: true</c>, reading the server-sent deltas as they arrive.
/// </summary>
public sealed class OpenAiCompatibleChatModel(
    HttpClient http, string baseUrl, IReadOnlyDictionary<string, string> headers, IReadOnlyList<string> secrets, string connectionName) : IChatModel
{
    private const int MaxErrorBodyChars = 500;

    public async Task<ChatTurn> NextTurnAsync(ChatRequest request, Func<string, CancellationToken, Task> onText, CancellationToken cancellationToken)
    {
        var endpoint = baseUrl.TrimEnd('/') + "/chat/completions";
        using var message = new HttpRequestMessage(HttpMethod.Post, endpoint)
        {
            Content = new StringContent(BuildBody(request).ToJsonString(), Encoding.UTF8, "application/json"),
        };
        message.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        foreach (var (name, value) in headers)
        {
            message.Headers.TryAddWithoutValidation(name, value);
        }

        var answering = false;
        try
        {
            using var response = await http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            answering = true;
            if (!response.IsSuccessStatusCode)
            {
                var body = await response.Content.ReadAsStringAsync(cancellationToken);
                throw new RunFailedException(
                    $"the provider '{connectionName}' answered {(int)response.StatusCode} {response.ReasonPhrase}: {Redact(Shorten(body))}");
            }

            var isStream = response.Content.Headers.ContentType?.MediaType == "text/event-stream";
            await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
            var reader = new TurnReader(onText);
            if (isStream)
            {
                await reader.ReadEventStreamAsync(stream, cancellationToken);
            }
            else
            {
                await reader.ReadWholeResponseAsync(stream, cancellationToken);
            }

            return reader.ToTurn(request, connectionName);
        }
        catch (Exception exception) when (exception is HttpRequestException or IOException)
        {
            throw new RunFailedException(answering
                ? $"the connection to the provider '{connectionName}' broke off during its answer: {Redact(exception.Message)}"
                : $"could not reach the provider '{connectionName}' at {endpoint}: {Redact(exception.Message)}");
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new RunFailedException($"the provider '{connectionName}' at {endpoint} did not answer in time");
        }
        catch (JsonException exception)
        {
            throw new RunFailedException($"the provider '{connectionName}' sent a response that is not valid JSON: {exception.Message}");
        }
    }

    private static JsonObject BuildBody(ChatRequest request)
    {
        var messages = new JsonArray();
        foreach (var chatMessage in request.Messages)
        {
            var item = new JsonObject { ["role"] = chatMessage.Role, ["content"] = chatMessage.Content };
            if (chatMessage.ToolCalls.Count > 0)
            {
                item["tool_calls"] = new JsonArray(chatMessage.ToolCalls.Select(call => (JsonNode)new JsonObject
                {
                    ["id"] = call.Id,
                    ["type"] = "function",
                    ["function"] = new JsonObject { ["name"] = call.Name, ["arguments"] = call.Arguments.ToJsonString() },
                }).ToArray());
            }

            if (chatMessage.ToolCallId is not null)
            {
                item["tool_call_id"] = chatMessage.ToolCallId;
            }

            messages.Add(item);
        }

        var body = new JsonObject
        {
            ["model"] = request.Model,
            ["messages"] = messages,
            ["stream"] = true,
            ["stream_options"] = new JsonObject { ["include_usage"] = true },
        };
        if (request.Tools.Count > 0)
        {
            body["tools"] = new JsonArray(request.Tools.Select(tool => (JsonNode)new JsonObject
            {
                ["type"] = "function",
                ["function"] = new JsonObject
                {
                    ["name"] = tool.Name,
                    ["description"] = tool.Description,
                    ["parameters"] = tool.Parameters.DeepClone(),
                },
            }).ToArray());
        }

        if (request.ResponseFormat is { } schema)
        {
            body["response_format"] = new JsonObject
            {
                ["type"] = "json_schema",
                ["json_schema"] = new JsonObject { ["name"] = "response", ["schema"] = schema.DeepClone() },
            };
        }

        foreach (var setting in new[] { "temperature", "top_p", "max_tokens", "seed", "stop" })
        {
            if (request.Settings is not null && request.Settings.TryGetPropertyValue(setting, out var value) && value is not null)
            {
                body[setting] = value.DeepClone();
            }
        }

        return body;
    }

    private static string Shorten(string text) => text.Length <= MaxErrorBodyChars ? text : text[..MaxErrorBodyChars] + "…";

    // A provider may echo the request's keys in an error; they must never reach a run's error or a log.
    private string Redact(string text) =>
        secrets.Aggregate(text, (current, secret) => current.Replace(secret, "***", StringComparison.Ordinal));

    /// <summary>Accumulates one turn from stream chunks (or one whole response): text, tool call fragments, usage.</summary>
    private sealed class TurnReader(Func<string, CancellationToken, Task> onText)
    {
        private readonly StringBuilder _text = new();
        private readonly SortedDictionary<int, (string? Id, string? Name, StringBuilder Arguments)> _toolCalls = [];
        private int? _usageTokens;

        public async Task ReadEventStreamAsync(Stream stream, CancellationToken cancellationToken)
        {
            using var lines = new StreamReader(stream, Encoding.UTF8);
            while (await lines.ReadLineAsync(cancellationToken) is { } line)
            {
                if (!line.StartsWith("data:", StringComparison.Ordinal))
                {
                    continue; // comments, event names, ids and blank separators carry nothing for us
                }

                var data = line["data:".Length..].Trim();
                if (data == "[DONE]")
                {
                    break;
                }

                if (data.Length > 0 && JsonNode.Parse(data) is JsonObject chunk)
                {
                    await ReadChunkAsync(chunk, "delta", cancellationToken);
                }
            }
        }

        public async Task ReadWholeResponseAsync(Stream stream, CancellationToken cancellationToken)
        {
            if (await JsonNode.ParseAsync(stream, cancellationToken: cancellationToken) is JsonObject whole)
            {
                await ReadChunkAsync(whole, "message", cancellationToken);
            }
        }

        private async Task ReadChunkAsync(JsonObject chunk, string partName, CancellationToken cancellationToken)
        {
            if (chunk["usage"]?["total_tokens"] is JsonValue total && total.TryGetValue<int>(out var tokens))
            {
                _usageTokens = tokens;
            }

            if (chunk["error"] is { } error)
            {
                throw new RunFailedException($"the provider reported an error: {JsonValues.ToText(error["message"] ?? error)}");
            }

            if (chunk["choices"] is not JsonArray { Count: > 0 } choices || choices[0]?[partName] is not JsonObject part)
            {
                return;
            }

            if (JsonValues.GetString(part, "content") is { Length: > 0 } content)
            {
                _text.Append(content);
                await onText(content, cancellationToken);
            }

            foreach (var (callNode, position) in (JsonValues.GetArray(part, "tool_calls") ?? []).Select((call, position) => (call, position)))
            {
                if (callNode is not JsonObject call)
                {
                    continue;
                }

                var index = call["index"] is JsonValue indexValue && indexValue.TryGetValue<int>(out var parsedIndex) ? parsedIndex : position;
                var current = _toolCalls.TryGetValue(index, out var existing) ? existing : (null, null, new StringBuilder());
                var function = JsonValues.GetObject(call, "function");
                var argumentsPart = function?["arguments"] switch
                {
                    JsonObject inlineObject => inlineObject.ToJsonString(),
                    var other => JsonValues.GetString(function, "arguments") ?? (other is null ? "" : other.ToJsonString()),
                };
                current.Arguments.Append(argumentsPart);
                _toolCalls[index] = (JsonValues.GetString(call, "id") ?? current.Id, JsonValues.GetString(function, "name") ?? current.Name, current.Arguments);
            }
        }

        public ChatTurn ToTurn(ChatRequest request, string connectionName)
        {
            var calls = new List<ToolCallRequest>();
            foreach (var (index, call) in _toolCalls)
            {
                if (string.IsNullOrEmpty(call.Name))
                {
                    throw new RunFailedException($"the provider '{connectionName}' sent tool call #{index} without a function name");
                }

                var argumentsText = call.Arguments.Length == 0 ? "{}" : call.Arguments.ToString();
                JsonObject arguments;
                try
                {
                    arguments = JsonNode.Parse(argumentsText) as JsonObject
                        ?? throw new RunFailedException($"the model's arguments for the tool '{call.Name}' are not a JSON object");
                }
                catch (JsonException exception)
                {
                    throw new RunFailedException($"the model's arguments for the tool '{call.Name}' are not valid JSON: {exception.Message}");
                }

                calls.Add(new ToolCallRequest(call.Id ?? $"call_{Guid.NewGuid():N}", call.Name, arguments));
            }

            var text = _text.ToString();
            var tokens = _usageTokens ?? request.Messages.Sum(message => TextPieces.CountWords(message.Content)) + TextPieces.CountWords(text);
            return new ChatTurn(text, calls, tokens);
        }
    }
}
