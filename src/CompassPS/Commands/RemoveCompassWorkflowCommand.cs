using System.Management.Automation;

namespace CompassPS.Commands
{
    /// <summary>Deletes a workflow or agent with its versions and its deployment; its runs stay. Confirms by default.</summary>
    [Cmdlet(VerbsCommon.Remove, "CompassWorkflow", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
    [OutputType(typeof(void))]
    public sealed class RemoveCompassWorkflowCommand : CompassApiCmdlet
    {
        /// <summary>Named WorkflowId (alias Id) so a piped deployment or run binds its WorkflowId, a piped workflow its Id.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("Id")]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(WorkflowIdCompleter))]
        public string[] WorkflowId { get; set; } = System.Array.Empty<string>();

        protected override void ProcessRecordCore()
        {
            foreach (var id in WorkflowId)
            {
                if (!ShouldProcess(id, "Delete the Compass workflow with its versions and its deployment")) continue;
                Guarded(() => Await(Client.DeleteWorkflowAsync(id, StopToken)), id);
            }
        }
    }
}
