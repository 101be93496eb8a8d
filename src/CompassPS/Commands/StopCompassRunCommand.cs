using System.Management.Automation;
using CompassPS.Client;

namespace CompassPS.Commands
{
    /// <summary>
    /// Cancels runs that have not finished and writes each cancelled run (the server's answer, so the caller sees
    /// the final state without asking again; pipe to Out-Null to discard it). A run that had already finished is
    /// an error (CompassPS.Conflict) and the next run goes on. Runs are cancelled once the input has ended.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Stop, "CompassRun", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(Run))]
    public sealed class StopCompassRunCommand : CompassApiCmdlet
    {
        private PipelineWrites? _cancellations;

        /// <summary>
        /// Runs and run ids, and (as the help documents) approvals and run steps, which stand for the run they belong
        /// to. Any other object (a deployment, a workflow) is one CompassPS.WrongObjectKind error: never a cancel
        /// sent with its id.
        /// </summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("Id")]
        [PipeBindNull]
        [ValidatePipeBind]
        public RunPipeBind[] RunId { get; set; } = System.Array.Empty<RunPipeBind>();

        /// <summary>
        /// Held until the input ends: fed by a list filtered by status (Get-CompassRun -Status running), cancelling
        /// while the list is still being paged would shrink it under its offsets and skip runs beyond the first page.
        /// </summary>
        private PipelineWrites Cancellations => _cancellations ??= new PipelineWrites(holdUntilInputEnds: true, WriteCancelled);

        protected override void ProcessRecordCore() => Cancellations.Add(Resolve(RunId, PipeBindRules.For<Run>(MyInvocation.MyCommand.Name, r => r.Id)
            .Relate<Approval>(a => a.RunId).Relate<RunStep>(s => s.RunId)));

        protected override void EndProcessingCore() => Cancellations.Complete();

        private void WriteCancelled(string id)
        {
            if (!ShouldProcess($"run {id}", "Cancel the Compass run")) return;
            Guarded(() => WriteObject(Cancel(id).ToPSObject()), id);
        }

        private Run Cancel(string id)
        {
            try
            {
                return Await(Client.CancelRunAsync(id, StopToken));
            }
            catch (CompassApiException ex) when (ex.Kind == CompassErrorKind.Conflict)
            {
                var reason = ex.ServerMessage ?? "it has already finished.";
                var code = ex.CompassCode is null ? "" : $" [{ex.CompassCode}]";
                throw ex.Rephrased(CompassErrorKind.Conflict,
                    $"Cannot stop run {id}: {reason} Only a pending, running or awaiting_approval run can be cancelled (HTTP 409{code}).");
            }
        }
    }
}
