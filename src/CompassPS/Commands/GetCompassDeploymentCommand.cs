using System.Management.Automation;

namespace CompassPS.Commands
{
    /// <summary>Gets deployments by id, or lists them page by page.</summary>
    [Cmdlet(VerbsCommon.Get, "CompassDeployment", DefaultParameterSetName = ListSet, SupportsPaging = true)]
    [OutputType(typeof(Deployment))]
    public sealed class GetCompassDeploymentCommand : CompassListCmdlet<Deployment>
    {
        private const string ListSet = "List";
        private const string ByIdSet = "ById";

        [Parameter(ParameterSetName = ByIdSet, Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("DeploymentId")]
        [ValidateNotNullOrEmpty]
        public string[] Id { get; set; } = System.Array.Empty<string>();

        protected override void ProcessRecordCore()
        {
            if (ParameterSetName == ByIdSet)
            {
                foreach (var id in Id)
                {
                    Guarded(() => WriteObject(Await(Client.GetDeploymentAsync(id, StopToken)).ToPSObject()), id);
                }
                return;
            }
            var (skip, first) = PageWindow;
            WritePages(Client.ListDeploymentsAsync(skip, first, StopToken));
        }
    }
}
