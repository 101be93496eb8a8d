using System.Management.Automation;

namespace CompassPS.Commands
{
    /// <summary>
    /// Deletes workflows or agents with their versions and their deployments; their runs stay. Confirms by default.
    /// The workflows are deleted once the input has ended.
    /// </summary>
    [Cmdlet(VerbsCommon.Remove, "CompassWorkflow", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
    [OutputType(typeof(void))]
    public sealed class RemoveCompassWorkflowCommand : CompassApiCmdlet
    {
        private PipelineWrites? _removals;

        /// <summary>Named WorkflowId (alias Id) so a piped deployment or run binds its WorkflowId, a piped workflow its Id.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("Id")]
        [PipeBindNull]
        [ValidatePipeBind]
        [ArgumentCompleter(typeof(WorkflowIdCompleter))]
        public WorkflowPipeBind[] WorkflowId { get; set; } = System.Array.Empty<WorkflowPipeBind>();

        /// <summary>A removal shrinks every list the workflow (and its deployment) was in: held until the input ends.</summary>
        private PipelineWrites Removals => _removals ??= new PipelineWrites(holdUntilInputEnds: true, Remove);

        protected override void ProcessRecordCore() => Removals.Add(Resolve(WorkflowId, PipeBindRules.For<Workflow>(MyInvocation.MyCommand.Name, w => w.Id)));

        protected override void EndProcessingCore() => Removals.Complete();

        private void Remove(string id)
        {
            if (!ShouldProcess(id, "Delete the Compass workflow with its versions and its deployment")) return;
            Guarded(() => Await(Client.DeleteWorkflowAsync(id, StopToken)), id);
        }
    }
}
