using System;
using System.IO;
using System.Management.Automation;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using CompassPS.Client;

namespace CompassPS.Commands
{
    /// <summary>
    /// Turns what a user gives as a workflow definition into the text the API takes: YAML or JSON text as it is, a
    /// hashtable or PSCustomObject as JSON, or a file's content (-Path), refusing what cannot be a definition with
    /// a clear error before anything is sent.
    /// </summary>
    internal static class WorkflowDefinitionInput
    {
        /// <summary>A top-level (unindented) YAML line "type: agent", optionally quoted, optionally commented.</summary>
        private static readonly Regex YamlTopLevelType = new Regex(@"^type:[ \t]*(['""]?)(workflow|agent)\1[ \t]*(#.*)?$",
            RegexOptions.Multiline | RegexOptions.CultureInvariant);

        /// <summary>
        /// The definition's own top-level type ("workflow" or "agent"), or null when it names none. The API takes the
        /// type as a separate field, so without this an agent definition created without -Type would become a
        /// workflow.
        /// </summary>
        public static string? TypeOf(string definition)
        {
            if (definition.TrimStart().StartsWith("{", StringComparison.Ordinal))
            {
                try
                {
                    using var document = JsonDocument.Parse(definition);
                    return document.RootElement.ValueKind == JsonValueKind.Object
                        && document.RootElement.TryGetProperty("type", out var type)
                        && type.ValueKind == JsonValueKind.String
                        && (type.GetString() == "workflow" || type.GetString() == "agent")
                        ? type.GetString()
                        : null;
                }
                catch (JsonException)
                {
                    return null;
                }
            }
            var match = YamlTopLevelType.Match(definition.Replace("\r\n", "\n"));
            return match.Success ? match.Groups[2].Value : null;
        }

        /// <summary>
        /// The definition from -Path or -Definition, whichever was given; null when neither was (the cmdlet then works
        /// on the saved draft). The two sit in separate parameter sets, so at most one is bound.
        /// </summary>
        public static string? FromParameters(PSCmdlet cmdlet, object? definition, string? path) =>
            path != null ? FromPath(cmdlet, path) : definition != null ? FromValue(definition) : null;

        public static string FromValue(object value)
        {
            var unwrapped = value is PSObject ps && !(ps.BaseObject is PSCustomObject) ? ps.BaseObject : value;
            if (unwrapped is string text)
            {
                if (string.IsNullOrWhiteSpace(text)) throw new CompassApiException(CompassErrorKind.InvalidInput, "The definition is empty.");
                return text;
            }
            using var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
            {
                JsonValues.WriteInput(writer, value, "-Definition");
            }
            var json = Encoding.UTF8.GetString(buffer.ToArray());
            if (!json.TrimStart().StartsWith("{", StringComparison.Ordinal))
            {
                throw new CompassApiException(CompassErrorKind.InvalidInput,
                    "-Definition must be YAML or JSON text, a hashtable or a PSCustomObject; it is a " + unwrapped?.GetType().Name + ".");
            }
            return json;
        }

        /// <summary>Reads the file at a PowerShell path (relative to the current location, PSDrives allowed).</summary>
        public static string FromPath(PSCmdlet cmdlet, string path)
        {
            string fullPath;
            try
            {
                fullPath = cmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);
            }
            catch (Exception ex) when (ex is ItemNotFoundException || ex is System.Management.Automation.DriveNotFoundException || ex is ProviderNotFoundException || ex is NotSupportedException)
            {
                throw new CompassApiException(CompassErrorKind.InvalidInput, $"Cannot read the definition file '{path}': {ex.Message}");
            }
            string text;
            try
            {
                text = File.ReadAllText(fullPath);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is ArgumentException || ex is NotSupportedException)
            {
                throw new CompassApiException(CompassErrorKind.InvalidInput, $"Cannot read the definition file '{fullPath}': {ex.Message}");
            }
            if (string.IsNullOrWhiteSpace(text)) throw new CompassApiException(CompassErrorKind.InvalidInput, $"The definition file '{fullPath}' is empty.");
            if (string.Equals(Path.GetExtension(fullPath), ".json", StringComparison.OrdinalIgnoreCase))
            {
                // A broken JSON file is caught here, with its name, rather than as a parse error from the server.
                try
                {
                    using var _ = JsonDocument.Parse(text);
                }
                catch (JsonException ex)
                {
                    throw new CompassApiException(CompassErrorKind.InvalidInput, $"The definition file '{fullPath}' is not valid JSON: {ex.Message}");
                }
            }
            return text;
        }

        /// <summary>A workflow name from a file name: "nightly-report.yaml" → "nightly-report".</summary>
        public static string NameFromPath(PSCmdlet cmdlet, string path) =>
            Path.GetFileNameWithoutExtension(cmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath(path));
    }
}
