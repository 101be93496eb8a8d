using System.Management.Automation;

namespace CompassPS.Commands
{
    /// <summary>
    /// Streams a run's events as typed objects, as they happen, until the run ends. At a console the default
    /// table shows one row per event as it arrives; output.delta rows carry the answer's pieces in their Text column.
    /// -AsText shows instead what Start-CompassRun -Follow shows (one line per step, the answer as running text) for
    /// a run started elsewhere: PowerShell writes every object on a line of its own, so only a text view, not a view
    /// of the event objects, can join the answer's pieces into lines.
    /// </summary>
    [Cmdlet(VerbsCommon.Watch, "CompassRun")]
    [OutputType(typeof(RunEvent))]
    [OutputType(typeof(Run))]
    public sealed class WatchCompassRunCommand : CompassRunCmdlet
    {
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("RunId")]
        [PipeBindNull]
        [ValidatePipeBind]
        public RunPipeBind[] Id { get; set; } = System.Array.Empty<RunPipeBind>();

        /// <summary>Give up after this many seconds (CompassPS.Timeout); the run goes on. No limit by default.</summary>
        [Parameter]
        [ValidateRange(0, int.MaxValue)]
        public int? TimeoutSec { get; set; }

        /// <summary>After the events, write the finished run.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        /// <summary>
        /// Show the run as text, as Start-CompassRun -Follow does (Information stream, host messages), instead of
        /// writing its events; with -PassThru the finished run is still written.
        /// </summary>
        [Parameter]
        public SwitchParameter AsText { get; set; }

        protected override void ProcessRecordCore()
        {
            foreach (var id in Resolve(Id, PipeBinds.Runs(MyInvocation.MyCommand.Name)))
            {
                Guarded(() =>
                {
                    if (AsText) FollowAsText(id);
                    else FollowRun(id, TimeoutSec, e => WriteObject(e.ToPSObject()));
                    if (PassThru) WriteObject(Await(Client.GetRunAsync(id, StopToken)).ToPSObject());
                }, id);
            }
        }

        private void FollowAsText(string id)
        {
            var view = new LiveRunView(this);
            try
            {
                FollowRun(id, TimeoutSec, view.Show);
            }
            finally
            {
                view.Finish();
            }
        }
    }
}
