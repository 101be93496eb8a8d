using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace CompassPS.Commands
{
    /// <summary>Tab completion for -Status: the statuses of the wire contract (any other text is still accepted).</summary>
    public sealed class RunStatusCompleter : IArgumentCompleter
    {
        private static readonly string[] Statuses =
        {
            RunStatus.Pending, RunStatus.Running, RunStatus.AwaitingApproval, RunStatus.Completed, RunStatus.Failed, RunStatus.Cancelled,
        };

        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            var prefix = (wordToComplete ?? "").Trim('\'', '"');
            return Statuses.Where(s => s.StartsWith(prefix, System.StringComparison.OrdinalIgnoreCase))
                .Select(s => new CompletionResult(s, s, CompletionResultType.ParameterValue, s));
        }
    }
}
