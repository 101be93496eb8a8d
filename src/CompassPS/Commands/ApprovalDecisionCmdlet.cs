using System.Management.Automation;
using CompassPS.Client;

namespace CompassPS.Commands
{
    /// <summary>
    /// What Approve- and Deny-CompassApproval share: approvals by id from the pipeline, an optional comment, and
    /// one decision per approval, taken once the input has ended and written as the decided approval. A decision
    /// on an approval that is no longer pending is an error (CompassPS.Conflict) and the next approval goes on.
    /// </summary>
    public abstract class ApprovalDecisionCmdlet : CompassApiCmdlet
    {
        private PipelineWrites? _decisions;
        private PipeBindRules? _rules;

        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("ApprovalId")]
        [PipeBindNull]
        [ValidatePipeBind]
        public ApprovalPipeBind[] Id { get; set; } = System.Array.Empty<ApprovalPipeBind>();

        /// <summary>Recorded with the decision; a rejection's comment is the reason the agent (or the run) is given.</summary>
        [Parameter]
        public string? Comment { get; set; }

        /// <summary>True to approve, false to reject.</summary>
        protected abstract bool Approves { get; }

        /// <summary>The action as -WhatIf and -Confirm describe it.</summary>
        protected abstract string ActionDescription { get; }

        /// <summary>
        /// Held until the input ends: fed by Get-CompassApproval -Status pending, deciding while the list is still
        /// being paged would shrink it under its offsets and skip the approvals beyond the first page.
        /// </summary>
        private PipelineWrites Decisions => _decisions ??= new PipelineWrites(holdUntilInputEnds: true, WriteDecided);

        /// <summary>Approvals only: a decision is never taken through another object's property.</summary>
        private PipeBindRules Rules => _rules ??= PipeBindRules.For<Approval>(MyInvocation.MyCommand.Name, a => a.Id);

        protected sealed override void ProcessRecordCore() => Decisions.Add(Resolve(Id, Rules));

        protected sealed override void EndProcessingCore() => Decisions.Complete();

        private void WriteDecided(string id)
        {
            if (!ShouldProcess($"approval {id}", ActionDescription)) return;
            Guarded(() => WriteObject(Decide(id).ToPSObject()), id);
        }

        private Approval Decide(string id)
        {
            try
            {
                return Await(Client.DecideApprovalAsync(id, Approves, Comment, StopToken));
            }
            catch (CompassApiException ex) when (ex.Kind == CompassErrorKind.Conflict)
            {
                var reason = ex.ServerMessage ?? "it is no longer pending.";
                var code = ex.CompassCode is null ? "" : $" [{ex.CompassCode}]";
                throw ex.Rephrased(CompassErrorKind.Conflict,
                    $"Cannot decide approval {id}: {reason} Only a pending approval takes a decision (HTTP 409{code}).");
            }
        }
    }
}
