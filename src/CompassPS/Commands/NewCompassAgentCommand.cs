using System;
using System.Collections;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;
using System.Text;
using System.Text.Json;
using CompassPS.Client;

namespace CompassPS.Commands
{
    /// <summary>
    /// Creates an agent without writing its definition: builds Compass's agent shape (a chat Input, one Agent node
    /// with the instructions, model and tools, an Output of the agent's answer) and creates it as a workflow of type
    /// agent. Publish-CompassWorkflow then deploys it.
    /// </summary>
    [Cmdlet(VerbsCommon.New, "CompassAgent", SupportsShouldProcess = true)]
    [OutputType(typeof(Workflow))]
    public sealed class NewCompassAgentCommand : CompassApiCmdlet
    {
        private const string ToolSpecHelp = "'agent:<id>', 'workflow:<id>' or 'integration:<connection id>'";
        private static readonly string[] ToolKinds = { "agent", "workflow", "integration" };

        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        public string? Name { get; set; }

        /// <summary>The agent's system prompt.</summary>
        [Parameter(Mandatory = true, Position = 1)]
        [ValidateNotNullOrEmpty]
        public string? Instructions { get; set; }

        /// <summary>The provider connection the agent's model runs on: its id, or a connection object with an Id.</summary>
        [Parameter(Mandatory = true)]
        [ValidateNotNull]
        [ArgumentCompleter(typeof(ConnectionIdCompleter))]
        public object? Provider { get; set; }

        /// <summary>The model; empty (the default) uses the provider connection's default model.</summary>
        [Parameter]
        [ValidateNotNull]
        public string Model { get; set; } = "";

        /// <summary>Tools: 'agent:&lt;id&gt;', 'workflow:&lt;id&gt;', 'integration:&lt;connection id&gt;', or workflow/agent/deployment objects.</summary>
        [Parameter]
        [ValidateNotNull]
        public object[] Tool { get; set; } = Array.Empty<object>();

        /// <summary>The agent sees the earlier turns of its conversation.</summary>
        [Parameter]
        public SwitchParameter ConversationHistory { get; set; }

        [Parameter]
        [ValidateNotNull]
        public string Description { get; set; } = "";

        protected override void ProcessRecordCore()
        {
            Guarded(() =>
            {
                var definition = BuildDefinition(Name!, Description, Instructions!, ProviderId(Provider!), Model, ToolSpecs(Tool), ConversationHistory);
                if (!ShouldProcess(Name!, "Create a Compass agent")) return;
                var changes = new WorkflowChanges { Name = Name, Description = Description, Type = "agent", Definition = definition };
                WriteObject(Await(Client.CreateWorkflowAsync(changes, StopToken)).ToPSObject());
            }, Name);
        }

        /// <summary>Compass's agent shape: Input (chat) → Agent → Output, as JSON text (which YAML readers take too).</summary>
        private static string BuildDefinition(string name, string description, string instructions, string connectionId, string model,
            IReadOnlyList<IDictionary> tools, bool conversationHistory)
        {
            using var buffer = new MemoryStream();
            using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
            {
                w.WriteStartObject();
                w.WriteString("name", name);
                w.WriteString("type", "agent");
                w.WriteString("description", description);
                w.WriteStartArray("nodes");

                StartComponentNode(w, "input", "Input", "type", "chat");
                w.WriteEndObject();

                w.WriteStartObject();
                w.WriteString("id", "agent");
                w.WriteString("type", "agent");
                w.WriteString("name", name);
                w.WriteStartObject("model");
                w.WriteString("connection_id", connectionId);
                w.WriteString("model", model);
                w.WriteEndObject();
                w.WriteString("system_prompt", instructions);
                w.WriteBoolean("conversation_history", conversationHistory);
                if (tools.Count > 0)
                {
                    w.WritePropertyName("tools");
                    JsonValues.WriteInput(w, tools, "-Tool");
                }
                w.WriteStartObject("inputs");
                WriteRef(w, "input", "input", "$.message");
                w.WriteEndObject();
                w.WriteEndObject();

                StartComponentNode(w, "output", "Output", "mode", "single");
                w.WriteStartObject("inputs");
                WriteRef(w, "value", "agent", "$");
                w.WriteEndObject();
                w.WriteEndObject();

                w.WriteEndArray();
                w.WriteEndObject();
            }
            return Encoding.UTF8.GetString(buffer.ToArray());
        }

        /// <summary>
        /// Opens a component node (its id is its component type; an agent has one of each) with a config of one
        /// setting. The node is left open for the caller's inputs, if any.
        /// </summary>
        private static void StartComponentNode(Utf8JsonWriter w, string componentType, string name, string settingName, string settingValue)
        {
            w.WriteStartObject();
            w.WriteString("id", componentType);
            w.WriteString("type", "component");
            w.WriteString("component_type", componentType);
            w.WriteString("name", name);
            w.WriteStartObject("config");
            w.WriteString(settingName, settingValue);
            w.WriteEndObject();
        }

        private static void WriteRef(Utf8JsonWriter w, string parameter, string source, string path)
        {
            w.WriteStartObject(parameter);
            w.WriteString("kind", "ref");
            w.WriteString("source", source);
            w.WriteString("path", path);
            w.WriteEndObject();
        }

        private static string ProviderId(object provider)
        {
            var value = provider is PSObject ps ? ps.BaseObject : provider;
            if (value is string id)
            {
                if (string.IsNullOrWhiteSpace(id)) throw new CompassApiException(CompassErrorKind.InvalidInput, "-Provider is empty.");
                return id.Trim();
            }
            var wrapped = PSObject.AsPSObject(provider);
            var kind = wrapped.Properties["Kind"]?.Value as string;
            if (kind != null && !string.Equals(kind, "provider", StringComparison.OrdinalIgnoreCase))
            {
                throw new CompassApiException(CompassErrorKind.InvalidInput, $"-Provider must be a provider connection; this connection is of kind '{kind}'.");
            }
            return wrapped.Properties["Id"]?.Value is object objectId && !string.IsNullOrWhiteSpace(objectId.ToString())
                ? objectId.ToString()!
                : throw new CompassApiException(CompassErrorKind.InvalidInput, "-Provider must be a provider connection id, or an object with an Id.");
        }

        /// <summary>Each -Tool value as a tool spec object {source, name?, description?}.</summary>
        private static IReadOnlyList<IDictionary> ToolSpecs(IEnumerable<object> tools)
        {
            var specs = new List<IDictionary>();
            foreach (var tool in tools)
            {
                var value = tool is PSObject ps && !(ps.BaseObject is PSCustomObject) ? ps.BaseObject : tool;
                switch (value)
                {
                    case string text:
                        specs.Add(Spec(CheckedSource(text)));
                        break;
                    case Workflow workflow:
                        specs.Add(Spec((string.Equals(workflow.Type, "agent", StringComparison.OrdinalIgnoreCase) ? "agent:" : "workflow:") + workflow.Id));
                        break;
                    case Deployment deployment when !string.IsNullOrEmpty(deployment.WorkflowId):
                        specs.Add(Spec("workflow:" + deployment.WorkflowId));
                        break;
                    case IDictionary dictionary:
                        specs.Add(WithSource(dictionary));
                        break;
                    default:
                        specs.Add(Spec(FromObject(PSObject.AsPSObject(tool))));
                        break;
                }
            }
            return specs;
        }

        private static IDictionary Spec(string source) => new Hashtable { ["source"] = source };

        /// <summary>A copy of a hashtable spec (the caller's stays as it was) with its source checked.</summary>
        private static IDictionary WithSource(IDictionary spec)
        {
            var source = spec["source"] as string ?? throw new CompassApiException(CompassErrorKind.InvalidInput,
                $"A -Tool hashtable needs a 'source' of the form {ToolSpecHelp}.");
            var copy = new Hashtable(spec, StringComparer.OrdinalIgnoreCase) { ["source"] = CheckedSource(source) };
            return copy;
        }

        /// <summary>A connection object (kind integration) becomes integration:&lt;id&gt;; anything else is refused.</summary>
        private static string FromObject(PSObject tool)
        {
            var kind = tool.Properties["Kind"]?.Value as string;
            var id = tool.Properties["Id"]?.Value?.ToString();
            if (string.Equals(kind, "integration", StringComparison.OrdinalIgnoreCase) && !string.IsNullOrWhiteSpace(id)) return "integration:" + id;
            throw new CompassApiException(CompassErrorKind.InvalidInput,
                $"Cannot use '{tool}' as a tool: give {ToolSpecHelp}, a workflow or agent from Get-CompassWorkflow, or an integration connection.");
        }

        private static string CheckedSource(string source)
        {
            var text = source.Trim();
            var colon = text.IndexOf(':');
            var kind = colon > 0 ? text.Substring(0, colon).ToLowerInvariant() : "";
            if (colon < 0 || colon == text.Length - 1 || Array.IndexOf(ToolKinds, kind) < 0)
            {
                throw new CompassApiException(CompassErrorKind.InvalidInput, $"The tool '{source}' must be written {ToolSpecHelp}.");
            }
            return kind + text.Substring(colon);
        }
    }
}
