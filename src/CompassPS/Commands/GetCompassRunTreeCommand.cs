using System.Management.Automation;

namespace CompassPS.Commands
{
    /// <summary>
    /// Writes a run's step tree: by default every step as its own object, parents before children (the view
    /// indents each by its Depth, so the tree reads at a console and filters in a pipeline); with -Raw only the
    /// root, whose Children hold the rest.
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "CompassRunTree")]
    [OutputType(typeof(RunStep))]
    public sealed class GetCompassRunTreeCommand : CompassApiCmdlet
    {
        /// <summary>A run or run id; a piped approval, step, execution, event or message reply stands for its run.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("Id")]
        [PipeBindNull]
        [ValidatePipeBind]
        public RunPipeBind[] RunId { get; set; } = System.Array.Empty<RunPipeBind>();

        /// <summary>Write only the root step (the run); the tree stays nested in Children.</summary>
        [Parameter]
        public SwitchParameter Raw { get; set; }

        protected override void ProcessRecordCore()
        {
            foreach (var id in Resolve(RunId, PipeBinds.Runs(MyInvocation.MyCommand.Name)))
            {
                Guarded(() => WriteTree(Await(Client.GetRunTreeAsync(id, StopToken))), id);
            }
        }

        private void WriteTree(RunStep root)
        {
            foreach (var step in root.DescendantsAndSelf())
            {
                // Every step gets its unmodelled fields attached, also those reached only through Children.
                var ps = step.ToPSObject();
                if (!Raw) WriteObject(ps);
            }
            if (Raw) WriteObject(root.ToPSObject());
        }
    }
}
