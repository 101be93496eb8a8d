using System.Management.Automation;

namespace CompassPS.Commands
{
    /// <summary>Rejects pending tool calls: the agent is refused the call and its run fails with the reason (the comment).</summary>
    [Cmdlet(VerbsLifecycle.Deny, "CompassApproval", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(Approval))]
    public sealed class DenyCompassApprovalCommand : ApprovalDecisionCmdlet
    {
        protected override bool Approves => false;
        protected override string ActionDescription => "Reject the tool call; the run fails";
    }
}
