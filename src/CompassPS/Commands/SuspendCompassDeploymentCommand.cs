using System.Management.Automation;
using CompassPS.Client;

namespace CompassPS.Commands
{
    /// <summary>
    /// Pauses deployments, once the input has ended: new runs are refused (CompassPS.Conflict) until
    /// Resume-CompassDeployment; runs in flight go on.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Suspend, "CompassDeployment", SupportsShouldProcess = true)]
    [OutputType(typeof(Deployment))]
    public sealed class SuspendCompassDeploymentCommand : CompassDeploymentWriteCmdlet
    {
        protected override string? NewStatus => DeploymentStatus.Paused;

        protected override string ActionDescription => "Pause the Compass deployment (new runs are refused until it is resumed)";
    }
}
