using System.Management.Automation;
using CompassPS.Client;

namespace CompassPS.Commands
{
    /// <summary>
    /// What Suspend-, Resume- and Set-CompassDeployment share: deployment ids from the pipeline, one PATCH per id
    /// behind ShouldProcess, and -PassThru to write the deployment as it now is.
    /// </summary>
    public abstract class CompassDeploymentWriteCmdlet : CompassApiCmdlet
    {
        /// <summary>
        /// Named DeploymentId (alias Id) so a piped workflow or run binds its DeploymentId, a piped deployment its Id.
        /// </summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("Id")]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(DeploymentIdCompleter))]
        public string[] DeploymentId { get; set; } = System.Array.Empty<string>();

        /// <summary>Write the deployment as it is after the change.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        /// <summary>Updates each deployment to <paramref name="status"/> and/or <paramref name="liveVersion"/>.</summary>
        protected void Update(string? status, long? liveVersion, string action)
        {
            foreach (var id in DeploymentId)
            {
                if (!ShouldProcess(id, action)) continue;
                Guarded(() =>
                {
                    var updated = Await(Client.UpdateDeploymentAsync(id, status, liveVersion, StopToken));
                    if (PassThru) WriteObject(updated.ToPSObject());
                }, id);
            }
        }
    }
}
