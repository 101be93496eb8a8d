using System;
using System.IO;
using System.Management.Automation;
using System.Text;
using System.Text.Json;
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
