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
        /// <summary>Named RunId (alias Id): a run binds its Id, an approval or a step binds its RunId.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("Id")]
        [ValidateNotNullOrEmpty]
        public string[] RunId { get; set; } = System.Array.Empty<string>();

        protected override void ProcessRecordCore()
        {
            var (skip, first) = PageWindow;
            foreach (var id in RunId)
            {
                Guarded(() => WritePages(Client.ListRunExecutionsAsync(id, skip, first, StopToken)), id);
            }
        }
    }
}
