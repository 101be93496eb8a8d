using System.Management.Automation;

namespace CompassPS.Commands
{
    /// <summary>Approves pending tool calls: each waiting run resumes and makes the call.</summary>
    [Cmdlet(VerbsLifecycle.Approve, "CompassApproval", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(Approval))]
    public sealed class ApproveCompassApprovalCommand : ApprovalDecisionCmdlet
    {
        protected override bool Approves => true;
        protected override string ActionDescription => "Approve the tool call; the run resumes";
    }
}
