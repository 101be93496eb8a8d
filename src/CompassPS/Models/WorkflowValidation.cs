using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Text.Json;
using CompassPS.Client;

namespace CompassPS
{
    /// <summary>
    /// What Compass says of a workflow's definition (PSTypeName CompassPS.WorkflowValidation): errors block a
    /// publish, warnings do not. Issues carry Compass's codes (MISSING_OUTPUT, CYCLE_DETECTED, ...).
    /// </summary>
    public sealed class WorkflowValidation : CompassObject
    {
        private static readonly HashSet<string> Known = new HashSet<string> { "valid", "errors", "warnings" };

        /// <summary>
        /// The workflow validated (not on the wire: the cmdlet knows it); null for a dry run of a file or definition
        /// given without -WorkflowId, so that piping the result on can never act on the workflow it was checked through.
        /// </summary>
        public string? WorkflowId { get; private set; } = "";
        /// <summary>What was checked: the definition file's full path, "-Definition", or null for a workflow's draft.</summary>
        public string? Source { get; private set; }
        public bool Valid { get; private set; }
        public ValidationIssue[] Errors { get; private set; } = System.Array.Empty<ValidationIssue>();
        public ValidationIssue[] Warnings { get; private set; } = System.Array.Empty<ValidationIssue>();

        /// <summary>Errors first, then warnings: the list a view shows.</summary>
        public ValidationIssue[] Issues => Errors.Concat(Warnings).ToArray();

        public static WorkflowValidation FromJson(JsonElement json, string workflowId)
        {
            JsonShape.RequireObject(json, "validation");
            var errors = ReadIssues(json, "errors", ValidationIssue.ErrorSeverity);
            var validation = new WorkflowValidation
            {
                WorkflowId = workflowId,
                // A server that leaves 'valid' out is read from its errors.
                Valid = JsonShape.Boolean(json, "valid") ?? errors.Length == 0,
                Errors = errors,
                Warnings = ReadIssues(json, "warnings", ValidationIssue.WarningSeverity),
            };
            validation.KeepUnknownFields(json, Known);
            return validation;
        }

        /// <summary>The result of a dry run: about <paramref name="source"/>, not about the workflow it was checked through.</summary>
        internal WorkflowValidation AsDryRun(string source)
        {
            WorkflowId = null;
            Source = source;
            return this;
        }

        private static ValidationIssue[] ReadIssues(JsonElement json, string name, string severity)
        {
            if (!(JsonShape.Property(json, name) is JsonElement list)) return System.Array.Empty<ValidationIssue>();
            if (list.ValueKind != JsonValueKind.Array) throw new JsonShapeException($"The field '{name}' should be a list of issues; it is {list.ValueKind.ToString().ToLowerInvariant()}.");
            return list.EnumerateArray().Select(item => ValidationIssue.FromJson(item, severity)).ToArray();
        }

        /// <summary>"2 validation error(s): CODE (node 'a'): message; CODE: message": the errors, for an error record.</summary>
        public string DescribeErrors()
        {
            var text = new StringBuilder();
            text.Append(Errors.Length).Append(" validation error(s): ");
            text.Append(string.Join("; ", Errors.Select(e => e.ToString())));
            if (Warnings.Length > 0) text.Append(" (and ").Append(Warnings.Length).Append(" warning(s))");
            return text.ToString();
        }

        public override string ToString() => Valid ? $"valid, {Warnings.Length} warning(s)" : $"invalid, {Errors.Length} error(s), {Warnings.Length} warning(s)";
    }

    /// <summary>One validation error or warning (PSTypeName CompassPS.ValidationIssue).</summary>
    public sealed class ValidationIssue : CompassObject
    {
        public const string ErrorSeverity = "Error";
        public const string WarningSeverity = "Warning";

        private static readonly HashSet<string> Known = new HashSet<string> { "code", "message", "node_id" };

        /// <summary>"Error" or "Warning" (from the list the issue came in).</summary>
        public string Severity { get; private set; } = ErrorSeverity;
        public string? Code { get; private set; }
        /// <summary>The node the issue is about; null for the definition as a whole.</summary>
        public string? NodeId { get; private set; }
        public string? Message { get; private set; }

        internal static ValidationIssue FromJson(JsonElement json, string severity)
        {
            // A bare string is tolerated as an issue with only a message.
            if (json.ValueKind == JsonValueKind.String) return new ValidationIssue { Severity = severity, Message = json.GetString() };
            JsonShape.RequireObject(json, "validation issue");
            var issue = new ValidationIssue
            {
                Severity = severity,
                Code = JsonShape.String(json, "code"),
                NodeId = JsonShape.Id(json, "node_id"),
                Message = JsonShape.String(json, "message"),
            };
            issue.KeepUnknownFields(json, Known);
            return issue;
        }

        /// <summary>"MISSING_OUTPUT (node 'agent'): the workflow has no output node".</summary>
        public override string ToString()
        {
            var where = NodeId is null ? "" : $" (node '{NodeId}')";
            var severity = Severity == WarningSeverity ? "warning " : "";
            return $"{severity}{Code ?? "ISSUE"}{where}: {Message}";
        }
    }
}
