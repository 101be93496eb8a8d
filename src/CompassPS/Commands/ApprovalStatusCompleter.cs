using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace CompassPS.Commands
{
    /// <summary>Tab completion for Get-CompassApproval -Status (any other text is still sent, and the server judges it).</summary>
    public sealed class ApprovalStatusCompleter : IArgumentCompleter
    {
        private static readonly string[] Statuses = { ApprovalStatus.Pending, ApprovalStatus.Approved, ApprovalStatus.Rejected };

        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            var prefix = (wordToComplete ?? "").Trim('\'', '"');
            return Statuses.Where(s => s.StartsWith(prefix, System.StringComparison.OrdinalIgnoreCase))
                .Select(s => new CompletionResult(s, s, CompletionResultType.ParameterValue, s));
        }
    }
}
