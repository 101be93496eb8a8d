using System.Management.Automation;
using CompassPS.Client;

namespace CompassPS.Commands
{
    /// <summary>Gets deployments by id, or lists them page by page, by name (wildcards), workflow and status.</summary>
    [Cmdlet(VerbsCommon.Get, "CompassDeployment", DefaultParameterSetName = ListSet, SupportsPaging = true)]
    [OutputType(typeof(Deployment))]
    public sealed class GetCompassDeploymentCommand : CompassNamedListCmdlet<Deployment>
    {
        private const string ListSet = "List";
        private const string ByIdSet = "ById";

        /// <summary>
        /// Named DeploymentId (alias Id) because PowerShell binds a property of the parameter's own name before an
        /// alias: a piped workflow or run then gives its DeploymentId, a piped deployment its Id.
        /// </summary>
        [Parameter(ParameterSetName = ByIdSet, Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("Id")]
        [PipeBindNull]
        [ValidatePipeBind]
        [ArgumentCompleter(typeof(DeploymentIdCompleter))]
        public DeploymentPipeBind[] DeploymentId { get; set; } = System.Array.Empty<DeploymentPipeBind>();

        [Parameter(ParameterSetName = ListSet)]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        public string? Name { get; set; }

        [Parameter(ParameterSetName = ListSet)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(WorkflowIdCompleter))]
        public string? WorkflowId { get; set; }

        [Parameter(ParameterSetName = ListSet)]
        [ValidateSet(DeploymentStatus.Active, DeploymentStatus.Paused, DeploymentStatus.Archived, IgnoreCase = true)]
        public string? Status { get; set; }

        protected override void ProcessRecordCore()
        {
            if (ParameterSetName == ByIdSet)
            {
                foreach (var id in Resolve(DeploymentId, PipeBindRules.For<Deployment>(MyInvocation.MyCommand.Name, d => d.Id)
                    .Relate<Workflow>(w => w.DeploymentId).Relate<Run>(r => r.DeploymentId)))
                {
                    Guarded(() => WriteObject(Await(Client.GetDeploymentAsync(id, StopToken)).ToPSObject()), id);
                }
                return;
            }
            var filter = new DeploymentFilter { WorkflowId = WorkflowId, Status = Status?.ToLowerInvariant() };
            // The API has no name filter: any -Name, with or without wildcards, is matched here.
            if (Name != null)
            {
                var pattern = PatternOf(Name) ?? WildcardPattern.Get(WildcardPattern.Escape(Name), WildcardOptions.IgnoreCase | WildcardOptions.CultureInvariant);
                WriteMatches(Client.ListDeploymentsAsync(filter, 0, null, StopToken), pattern, d => d.Name);
                return;
            }
            var (skip, first) = PageWindow;
            WritePages(Client.ListDeploymentsAsync(filter, skip, first, StopToken));
        }
    }
}
