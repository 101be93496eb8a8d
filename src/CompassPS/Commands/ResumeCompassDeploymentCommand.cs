using System.Management.Automation;
using CompassPS.Client;

namespace CompassPS.Commands
{
    /// <summary>Makes paused (or archived) deployments active again, once the input has ended, so they accept runs.</summary>
    [Cmdlet(VerbsLifecycle.Resume, "CompassDeployment", SupportsShouldProcess = true)]
    [OutputType(typeof(Deployment))]
    public sealed class ResumeCompassDeploymentCommand : CompassDeploymentWriteCmdlet
    {
        protected override string? NewStatus => DeploymentStatus.Active;

        protected override string ActionDescription => "Make the Compass deployment active (it accepts runs again)";
    }
}
