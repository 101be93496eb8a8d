using System.Management.Automation;
using CompassPS.Client;

namespace CompassPS.Commands
{
    /// <summary>Gets runs by id, or lists them (newest first) with filters, streaming page by page.</summary>
    [Cmdlet(VerbsCommon.Get, "CompassRun", DefaultParameterSetName = ListSet, SupportsPaging = true)]
    [OutputType(typeof(Run))]
    public sealed class GetCompassRunCommand : CompassListCmdlet<Run>
    {
        private const string ListSet = "List";
        private const string ByIdSet = "ById";

        [Parameter(ParameterSetName = ByIdSet, Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("RunId")]
        [ValidateNotNullOrEmpty]
        public string[] Id { get; set; } = System.Array.Empty<string>();

        [Parameter(ParameterSetName = ListSet)]
        [ArgumentCompleter(typeof(WorkflowIdCompleter))]
        public string? WorkflowId { get; set; }

        [Parameter(ParameterSetName = ListSet)]
        [ArgumentCompleter(typeof(DeploymentIdCompleter))]
        public string? DeploymentId { get; set; }

        [Parameter(ParameterSetName = ListSet)]
        [ArgumentCompleter(typeof(RunStatusCompleter))]
        public string? Status { get; set; }

        [Parameter(ParameterSetName = ListSet)]
        [ArgumentCompleter(typeof(ConversationIdCompleter))]
        public string? ConversationId { get; set; }

        protected override void ProcessRecordCore()
        {
            if (ParameterSetName == ByIdSet)
            {
                foreach (var id in Id)
                {
                    Guarded(() => WriteObject(Await(Client.GetRunAsync(id, StopToken)).ToPSObject()), id);
                }
                return;
            }
            var filter = new RunFilter { WorkflowId = WorkflowId, DeploymentId = DeploymentId, Status = Status, ConversationId = ConversationId };
            var (skip, first) = PageWindow;
            WritePages(Client.ListRunsAsync(filter, skip, first, StopToken));
        }
    }
}
