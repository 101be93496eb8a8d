using System.Linq;
using System.Management.Automation;
using CompassPS.Client;

namespace CompassPS.Commands
{
    /// <summary>Lists a workflow's published versions, newest first, page by page; IsLive marks the one its deployment runs.</summary>
    [Cmdlet(VerbsCommon.Get, "CompassWorkflowVersion", DefaultParameterSetName = AllSet, SupportsPaging = true)]
    [OutputType(typeof(WorkflowVersion))]
    public sealed class GetCompassWorkflowVersionCommand : CompassListCmdlet<WorkflowVersion>
    {
        private const string AllSet = "All";
        private const string ByVersionSet = "ByVersion";
        private const string LiveSet = "Live";

        /// <summary>A workflow or id; a piped deployment, run, version or validation stands for its workflow.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("Id")]
        [PipeBindNull]
        [ValidatePipeBind]
        [ArgumentCompleter(typeof(WorkflowIdCompleter))]
        public WorkflowPipeBind? WorkflowId { get; set; }

        /// <summary>Only these version numbers.</summary>
        [Parameter(ParameterSetName = ByVersionSet, Mandatory = true, Position = 1)]
        [ValidateRange(1, long.MaxValue)]
        public long[]? Version { get; set; }

        /// <summary>Only the live version.</summary>
        [Parameter(ParameterSetName = LiveSet, Mandatory = true)]
        public SwitchParameter Live { get; set; }

        protected override void ProcessRecordCore()
        {
            var id = PipeBinds.Workflows(MyInvocation.MyCommand.Name).Resolve(WorkflowId!, out var wrongKind);
            if (id is null)
            {
                WriteError(wrongKind!);
                return;
            }
            Guarded(() =>
            {
                if (ParameterSetName == AllSet)
                {
                    var (skip, first) = PageWindow;
                    WritePages(Client.ListWorkflowVersionsAsync(id, skip, first, StopToken));
                    return;
                }
                // The API has no route for one version: the list is read until every wanted version was seen.
                var wanted = Version?.ToList();
                foreach (var page in Enumerate(Client.ListWorkflowVersionsAsync(id, 0, null, StopToken)))
                {
                    foreach (var version in page.Items)
                    {
                        if (Live && !version.IsLive) continue;
                        if (wanted != null && !wanted.Remove(version.Version)) continue;
                        WriteObject(version.ToPSObject());
                        if (Live || wanted?.Count == 0) return;
                    }
                }
                if (Live)
                {
                    WriteError(CompassErrors.Record(CompassErrorKind.NotFound, $"The workflow '{id}' has no live version: publish it first.", id));
                }
                else if (wanted != null && wanted.Count > 0)
                {
                    WriteError(CompassErrors.Record(CompassErrorKind.NotFound,
                        $"The workflow '{id}' has no version {string.Join(", ", wanted)}.", id));
                }
            }, id);
        }
    }
}
