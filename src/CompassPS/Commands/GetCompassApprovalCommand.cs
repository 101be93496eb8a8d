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

        /// <summary>An approval or approval id; a piped run event stands for the approval it names, a piped run lists its approvals.</summary>
        [Parameter(ParameterSetName = ByIdSet, Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("ApprovalId")]
        [PipeBindNull]
        [ValidatePipeBind]
        public ApprovalPipeBind[] Id { get; set; } = System.Array.Empty<ApprovalPipeBind>();

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
                var rules = PipeBindRules.For<Approval>(MyInvocation.MyCommand.Name, a => a.Id)
                    .Relate<RunEvent>(e => e.ApprovalId)
                    .Mention("runs (their approvals)");
                foreach (var value in Id)
                {
                    if (value.Item is Run run)
                    {
                        var (skipOf, firstOf) = PageWindow;
                        Guarded(() => WritePages(Client.ListApprovalsAsync(new ApprovalFilter { RunId = run.Id }, skipOf, firstOf, StopToken)), run);
                        continue;
                    }
                    foreach (var id in Resolve(new[] { value }, rules))
                    {
                        Guarded(() => WriteObject(Await(Client.GetApprovalAsync(id, StopToken)).ToPSObject()), id);
                    }
                }
                return;
            }
            var (skip, first) = PageWindow;
            WritePages(Client.ListApprovalsAsync(new ApprovalFilter { Status = Status, RunId = RunId }, skip, first, StopToken));
        }
    }
}
