using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace CompassPS.Commands
{
    /// <summary>Tab completion for Get-CompassRunSummary -Window: the usual windows (any "N" + s/m/h/d is accepted).</summary>
    public sealed class SummaryWindowCompleter : IArgumentCompleter
    {
        private static readonly (string Window, string Meaning)[] Windows =
        {
            ("1h", "the last hour"), ("24h", "the last 24 hours"), ("7d", "the last 7 days"), ("30d", "the last 30 days"), ("90d", "the last 90 days"),
        };

        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            var prefix = (wordToComplete ?? "").Trim('\'', '"');
            return Windows.Where(w => w.Window.StartsWith(prefix, System.StringComparison.OrdinalIgnoreCase))
                .Select(w => new CompletionResult(w.Window, w.Window, CompletionResultType.ParameterValue, w.Meaning));
        }
    }
}
