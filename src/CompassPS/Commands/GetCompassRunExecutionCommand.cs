using System.Management.Automation;

namespace CompassPS.Commands
{
    /// <summary>
    /// Writes the execution records of runs, one per step (node or tool call), in execution order, page by page.
    /// -First/-Skip apply to the steps of each run.
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "CompassRunExecution", SupportsPaging = true)]
    [OutputType(typeof(RunExecution))]
    public sealed class GetCompassRunExecutionCommand : CompassListCmdlet<RunExecution>
    {
        /// <summary>A run or run id; a piped approval, step, execution, event or message reply stands for its run.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("Id")]
        [PipeBindNull]
        [ValidatePipeBind]
        public RunPipeBind[] RunId { get; set; } = System.Array.Empty<RunPipeBind>();

        protected override void ProcessRecordCore()
        {
            var (skip, first) = PageWindow;
            foreach (var id in Resolve(RunId, PipeBinds.Runs(MyInvocation.MyCommand.Name)))
            {
                Guarded(() => WritePages(Client.ListRunExecutionsAsync(id, skip, first, StopToken)), id);
            }
        }
    }
}
