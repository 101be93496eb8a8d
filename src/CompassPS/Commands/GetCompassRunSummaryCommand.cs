using System.Management.Automation;
using CompassPS.Client;

namespace CompassPS.Commands
{
    /// <summary>Writes run statistics over one or more windows (one summary per window), optionally for one workflow or deployment.</summary>
    [Cmdlet(VerbsCommon.Get, "CompassRunSummary")]
    [OutputType(typeof(RunSummary))]
    public sealed class GetCompassRunSummaryCommand : CompassApiCmdlet
    {
        /// <summary>
        /// "24h", "7d", "30d" (a whole number and s, m, h or d) or a TimeSpan; the server's default (30d) when absent.
        /// Several windows give one summary each.
        /// </summary>
        [Parameter(Position = 0)]
        [ArgumentCompleter(typeof(SummaryWindowCompleter))]
        [SummaryWindowTransformation]
        [ValidateNotNullOrEmpty]
        public string[]? Window { get; set; }

        [Parameter]
        [ArgumentCompleter(typeof(WorkflowIdCompleter))]
        [ValidateNotNullOrEmpty]
        public string? WorkflowId { get; set; }

        [Parameter]
        [ArgumentCompleter(typeof(DeploymentIdCompleter))]
        [ValidateNotNullOrEmpty]
        public string? DeploymentId { get; set; }

        protected override void ProcessRecordCore()
        {
            var windows = Window ?? new string?[] { null };
            foreach (var window in windows)
            {
                var filter = new RunSummaryFilter { Window = window?.Trim(), WorkflowId = WorkflowId, DeploymentId = DeploymentId };
                Guarded(() => WriteObject(Await(Client.GetRunSummaryAsync(filter, StopToken)).For(WorkflowId, DeploymentId).ToPSObject()), window);
            }
        }
    }
}
