using System.Management.Automation;
using CompassPS.Client;

namespace CompassPS.Commands
{
    /// <summary>Gets workflows and agents by id, or lists them page by page, by name (wildcards) and type.</summary>
    [Cmdlet(VerbsCommon.Get, "CompassWorkflow", DefaultParameterSetName = ListSet, SupportsPaging = true)]
    [OutputType(typeof(Workflow))]
    public sealed class GetCompassWorkflowCommand : CompassNamedListCmdlet<Workflow>
    {
        private const string ListSet = "List";
        private const string ByIdSet = "ById";

        /// <summary>A workflow or id; a piped deployment, run, version or validation stands for its workflow.</summary>
        [Parameter(ParameterSetName = ByIdSet, Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("Id")]
        [PipeBindNull]
        [ValidatePipeBind]
        [ArgumentCompleter(typeof(WorkflowIdCompleter))]
        public WorkflowPipeBind[] WorkflowId { get; set; } = System.Array.Empty<WorkflowPipeBind>();

        [Parameter(ParameterSetName = ListSet)]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        public string? Name { get; set; }

        [Parameter(ParameterSetName = ListSet)]
        [ValidateSet("workflow", "agent", IgnoreCase = true)]
        public string? Type { get; set; }

        protected override void ProcessRecordCore()
        {
            if (ParameterSetName == ByIdSet)
            {
                foreach (var id in Resolve(WorkflowId, PipeBinds.Workflows(MyInvocation.MyCommand.Name)))
                {
                    Guarded(() => WriteObject(Await(Client.GetWorkflowAsync(id, StopToken)).ToPSObject()), id);
                }
                return;
            }
            var pattern = PatternOf(Name);
            var filter = new WorkflowFilter { Type = Type?.ToLowerInvariant(), Name = pattern is null ? Name : null };
            if (pattern != null)
            {
                WriteMatches(Client.ListWorkflowsAsync(filter, 0, null, StopToken), pattern, w => w.Name);
                return;
            }
            var (skip, first) = PageWindow;
            WritePages(Client.ListWorkflowsAsync(filter, skip, first, StopToken));
        }
    }
}
