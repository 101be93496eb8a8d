using System.Management.Automation;
using CompassPS.Client;

namespace CompassPS.Commands
{
    /// <summary>
    /// Waits for any number of runs at once and writes each as it ends. Polls with list requests, so the cost of
    /// a poll does not grow with the number of runs.
    /// </summary>
    // ByObject is the default set so that runs piped from Start-CompassRun or Get-CompassRun bind as runs (keeping
    // their creation time, which lets the first poll be one list) rather than by their Id property; strings still
    // bind to -Id.
    [Cmdlet(VerbsLifecycle.Wait, "CompassRun", DefaultParameterSetName = ByObjectSet)]
    [OutputType(typeof(Run))]
    public sealed class WaitCompassRunCommand : CompassRunCmdlet
    {
        private const string ByIdSet = "ById";
        private const string ByObjectSet = "ByObject";

        private RunWaiter? _waiter;

        [Parameter(ParameterSetName = ByIdSet, Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("RunId")]
        [PipeBindNull]
        [ValidatePipeBind]
        public RunPipeBind[] Id { get; set; } = System.Array.Empty<RunPipeBind>();

        /// <summary>Runs from Get-CompassRun or Start-CompassRun; their creation time lets the first poll be a list.</summary>
        [Parameter(ParameterSetName = ByObjectSet, Mandatory = true, ValueFromPipeline = true)]
        [ValidateNotNull]
        public Run[] InputObject { get; set; } = System.Array.Empty<Run>();

        [Parameter]
        [ValidateRange(0, int.MaxValue)]
        public int? TimeoutSec { get; set; }

        private RunWaiter Waiter => _waiter ??= new RunWaiter(Client);

        protected override void ProcessRecordCore()
        {
            if (ParameterSetName == ByObjectSet)
            {
                foreach (var run in InputObject) Waiter.Add(run);
                return;
            }
            foreach (var value in Id)
            {
                // A reply carries its run: waiting needs no first read.
                if (value.Item is MessageReply reply)
                {
                    Waiter.Add(reply.Run);
                    continue;
                }
                foreach (var id in Resolve(new[] { value }, PipeBinds.Runs(MyInvocation.MyCommand.Name))) Waiter.Add(Run.Placeholder(id));
            }
        }

        protected override void EndProcessingCore()
        {
            if (_waiter is null) return;
            _waiter.CompleteAdding();
            WaitForRuns(_waiter, TimeoutSec, WriteEndedRun);
        }
    }
}
