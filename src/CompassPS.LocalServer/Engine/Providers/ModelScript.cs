using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace CompassPS.LocalServer.Engine.Providers;

/// <summary>One scripted call of a tool: its name as the agent knows it, and its arguments (null: filled as the built-in model fills them).</summary>
public sealed record ScriptedToolCall(string Tool, JsonObject? Arguments);

/// <summary>One rule of a model script: when <see cref="Match"/> finds the agent's input, answer <see cref="Reply"/>.</summary>
public sealed record ModelScriptRule(string Name, Regex Match, string Reply, IReadOnlyList<ScriptedToolCall> ToolCalls);

/// <summary>
/// Scripted answers for the built-in local model (--model-script), so a runbook test can make an agent answer what
/// the test expects. The first rule whose regular expression matches the agent's input answers; no match leaves
/// the answer to the deterministic model. Built from the file's JSON tree by the hosting layer.
/// </summary>
public sealed class ModelScript
{
    /// <summary>A pathological pattern must fail a run, not hang the engine.</summary>
    public static readonly TimeSpan MatchTimeout = TimeSpan.FromSeconds(2);

    private static readonly string[] RuleFields = ["name", "match", "reply", "tool_calls"];
    private static readonly string[] CallFields = ["tool", "arguments"];

    public ModelScript(IReadOnlyList<ModelScriptRule> rules) => Rules = rules;

    public IReadOnlyList<ModelScriptRule> Rules { get; }

    /// <summary>The first rule matching the input, or null.</summary>
    public ModelScriptRule? Find(string input)
    {
        foreach (var rule in Rules)
        {
            bool matched;
            try
            {
                matched = rule.Match.IsMatch(input);
            }
            catch (RegexMatchTimeoutException)
            {
                throw new RunFailedException($"the model script's rule {rule.Name} took longer than {MatchTimeout.TotalSeconds:0} s to match the input");
            }

            if (matched)
            {
                return rule;
            }
        }

        return null;
    }

    /// <summary>
    /// Reads the rules from a file's tree: a list of {name?, match, reply, tool_calls?}. Throws
    /// <see cref="ArgumentException"/> naming the rule (its name, else its number and pattern) and what is wrong.
    /// </summary>
    public static ModelScript FromJson(JsonNode? tree, string source)
    {
        if (tree is not JsonArray list)
        {
            throw new ArgumentException($"The model script '{source}' must be a list of rules (each with 'match' and 'reply').");
        }

        var rules = new List<ModelScriptRule>();
        for (var index = 0; index < list.Count; index++)
        {
            var number = index + 1;
            if (list[index] is not JsonObject entry)
            {
                throw new ArgumentException($"The model script '{source}': rule {number} must be a mapping with 'match' and 'reply'.");
            }

            var given = Text(entry, "name");
            var pattern = Text(entry, "match");
            var label = given is { Length: > 0 } ? $"'{given}'" : pattern is null ? $"{number}" : $"{number} (match '{pattern}')";
            var where = $"The model script '{source}': rule {label}";
            foreach (var (field, _) in entry)
            {
                if (!RuleFields.Contains(field, StringComparer.Ordinal))
                {
                    throw new ArgumentException($"{where} has an unknown field '{field}' (a rule has {string.Join(", ", RuleFields)}).");
                }
            }

            if (string.IsNullOrEmpty(pattern))
            {
                throw new ArgumentException($"{where} has no 'match' (a regular expression on the agent's input).");
            }

            Regex regex;
            try
            {
                regex = new Regex(pattern, RegexOptions.CultureInvariant, MatchTimeout);
            }
            catch (ArgumentException failure)
            {
                throw new ArgumentException($"{where}: 'match' is not a valid regular expression: {failure.Message}");
            }

            var reply = entry["reply"] switch
            {
                null => throw new ArgumentException($"{where} has no 'reply'."),
                JsonValue value when value.TryGetValue<string>(out var text) => text,
                // A mapping or list is answered as JSON, for agents with a response_format.
                var structured => structured.ToJsonString(),
            };

            var calls = new List<ScriptedToolCall>();
            switch (entry["tool_calls"])
            {
                case null:
                    break;
                case JsonArray callList:
                    foreach (var item in callList)
                    {
                        if (item is not JsonObject call || Text(call, "tool") is not { Length: > 0 } tool)
                        {
                            throw new ArgumentException($"{where}: each of its tool_calls needs a 'tool' (the tool's name as the agent knows it).");
                        }

                        foreach (var (field, _) in call)
                        {
                            if (!CallFields.Contains(field, StringComparer.Ordinal))
                            {
                                throw new ArgumentException($"{where}: the tool call of '{tool}' has an unknown field '{field}' (a tool call has tool, arguments).");
                            }
                        }

                        var arguments = call["arguments"] switch
                        {
                            null => null,
                            JsonObject obj => (JsonObject)obj.DeepClone(),
                            _ => throw new ArgumentException($"{where}: the arguments of the tool call of '{tool}' must be a mapping."),
                        };
                        calls.Add(new ScriptedToolCall(tool, arguments));
                    }

                    break;
                default:
                    throw new ArgumentException($"{where}: 'tool_calls' must be a list of {{ tool, arguments }}.");
            }

            rules.Add(new ModelScriptRule(label, regex, reply, calls));
        }

        return new ModelScript(rules);
    }

    private static string? Text(JsonObject entry, string field) =>
        entry[field] is JsonValue value ? value.TryGetValue<string>(out var text) ? text : value.ToJsonString() : null;
}
