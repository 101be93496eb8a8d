using System.Management.Automation;
using CompassPS.Client;

namespace CompassPS.Commands
{
    /// <summary>Gets approvals by id, or lists them (newest first) by status and run, streaming page by page.</summary>
    [Cmdlet(VerbsCommon.Get, "CompassApproval", DefaultParameterSetName = ListSet, SupportsPaging = true)]
    [OutputType(typeof(Approval))]
    public sealed class GetCompassApprovalCommand : CompassListCmdlet<Approval>
    {
        private const string ListSet = "List";
        private const string ByIdSet = "ById";

        [Parameter(ParameterSetName = ByIdSet, Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("ApprovalId")]
        [ValidateNotNullOrEmpty]
        public string[] Id { get; set; } = System.Array.Empty<string>();

        /// <summary>pending, approved or rejected.</summary>
        [Parameter(ParameterSetName = ListSet)]
        [ArgumentCompleter(typeof(ApprovalStatusCompleter))]
        [ValidateNotNullOrEmpty]
        public string? Status { get; set; }

        /// <summary>Only the approvals of this run (for a tool call inside a sub-workflow: that sub-run).</summary>
        [Parameter(ParameterSetName = ListSet)]
        [ValidateNotNullOrEmpty]
        public string? RunId { get; set; }

        protected override void ProcessRecordCore()
        {
            if (ParameterSetName == ByIdSet)
            {
                foreach (var id in Id)
                {
                    Guarded(() => WriteObject(Await(Client.GetApprovalAsync(id, StopToken)).ToPSObject()), id);
                }
                return;
            }
            var (skip, first) = PageWindow;
            WritePages(Client.ListApprovalsAsync(new ApprovalFilter { Status = Status, RunId = RunId }, skip, first, StopToken));
        }
    }
}
