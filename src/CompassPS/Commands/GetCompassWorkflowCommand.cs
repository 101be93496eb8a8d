using System.Management.Automation;

namespace CompassPS.Commands
{
    /// <summary>Gets workflows and agents by id, or lists them page by page.</summary>
    [Cmdlet(VerbsCommon.Get, "CompassWorkflow", DefaultParameterSetName = ListSet, SupportsPaging = true)]
    [OutputType(typeof(Workflow))]
    public sealed class GetCompassWorkflowCommand : CompassListCmdlet<Workflow>
    {
        private const string ListSet = "List";
        private const string ByIdSet = "ById";

        [Parameter(ParameterSetName = ByIdSet, Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("WorkflowId")]
        [ValidateNotNullOrEmpty]
        public string[] Id { get; set; } = System.Array.Empty<string>();

        protected override void ProcessRecordCore()
        {
            if (ParameterSetName == ByIdSet)
            {
                foreach (var id in Id)
                {
                    Guarded(() => WriteObject(Await(Client.GetWorkflowAsync(id, StopToken)).ToPSObject()), id);
                }
                return;
            }
            var (skip, first) = PageWindow;
            WritePages(Client.ListWorkflowsAsync(skip, first, StopToken));
        }
    }
}
