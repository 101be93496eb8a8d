using System.Management.Automation;
using CompassPS.Client;

namespace CompassPS.Commands
{
    /// <summary>Makes paused (or archived) deployments active again, so they accept runs.</summary>
    [Cmdlet(VerbsLifecycle.Resume, "CompassDeployment", SupportsShouldProcess = true)]
    [OutputType(typeof(Deployment))]
    public sealed class ResumeCompassDeploymentCommand : CompassDeploymentWriteCmdlet
    {
        protected override void ProcessRecordCore() =>
            Update(DeploymentStatus.Active, null, "Make the Compass deployment active (it accepts runs again)");
    }
}
