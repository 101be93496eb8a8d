using System.Management.Automation;
using CompassPS.Client;

namespace CompassPS.Commands
{
    /// <summary>Pauses deployments: new runs are refused (CompassPS.Conflict) until Resume-CompassDeployment; runs in flight go on.</summary>
    [Cmdlet(VerbsLifecycle.Suspend, "CompassDeployment", SupportsShouldProcess = true)]
    [OutputType(typeof(Deployment))]
    public sealed class SuspendCompassDeploymentCommand : CompassDeploymentWriteCmdlet
    {
        protected override void ProcessRecordCore() =>
            Update(DeploymentStatus.Paused, null, "Pause the Compass deployment (new runs are refused until it is resumed)");
    }
}
