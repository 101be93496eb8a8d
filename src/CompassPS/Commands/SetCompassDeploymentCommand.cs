using System.Collections.Generic;
using System.Globalization;
using System.Management.Automation;
using CompassPS.Client;

namespace CompassPS.Commands
{
    /// <summary>
    /// Changes a deployment: -LiveVersion promotes a version (or rolls back to an older one) at once, runs in flight
    /// keep their version; -Status sets active, paused or archived (once the input has ended).
    /// </summary>
    [Cmdlet(VerbsCommon.Set, "CompassDeployment", SupportsShouldProcess = true)]
    [OutputType(typeof(Deployment))]
    public sealed class SetCompassDeploymentCommand : CompassDeploymentWriteCmdlet
    {
        /// <summary>The published version the deployment runs from now on.</summary>
        [Parameter]
        [ValidateRange(1, long.MaxValue)]
        public long? LiveVersion { get; set; }

        [Parameter]
        [ValidateSet(DeploymentStatus.Active, DeploymentStatus.Paused, DeploymentStatus.Archived, IgnoreCase = true)]
        public string? Status { get; set; }

        protected override string? NewStatus => Status?.ToLowerInvariant();

        protected override long? NewLiveVersion => LiveVersion;

        protected override string ActionDescription
        {
            get
            {
                var changes = new List<string>();
                if (LiveVersion is long version) changes.Add("make version " + version.ToString(CultureInfo.InvariantCulture) + " live");
                if (Status != null) changes.Add("set the status to " + Status.ToLowerInvariant());
                return "Change the Compass deployment: " + string.Join(" and ", changes);
            }
        }

        protected override void BeginProcessingCore()
        {
            if (LiveVersion is null && Status is null)
            {
                ThrowTerminatingError(CompassErrors.Record(CompassErrorKind.InvalidInput, "Nothing to change: give -LiveVersion, -Status, or both.", null));
            }
        }
    }
}
