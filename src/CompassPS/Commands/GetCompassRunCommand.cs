using System.Management.Automation;
using CompassPS.Client;

namespace CompassPS.Commands
{
    /// <summary>Gets runs by id, or lists them (newest first) with filters, streaming page by page.</summary>
    [Cmdlet(VerbsCommon.Get, "CompassRun", DefaultParameterSetName = ListSet, SupportsPaging = true)]
    [OutputType(typeof(Run))]
    public sealed class GetCompassRunCommand : CompassListCmdlet<Run>
    {
        private const string ListSet = "List";
        private const string ByIdSet = "ById";

        /// <summary>
        /// A run or run id; a piped approval, step, execution, event or reply stands for its run; a piped workflow,
        /// deployment or conversation lists its runs (newest first, -First/-Skip apply).
        /// </summary>
        [Parameter(ParameterSetName = ByIdSet, Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("RunId")]
        [PipeBindNull]
        [ValidatePipeBind]
        public RunPipeBind[] Id { get; set; } = System.Array.Empty<RunPipeBind>();

        [Parameter(ParameterSetName = ListSet)]
        [ArgumentCompleter(typeof(WorkflowIdCompleter))]
        public string? WorkflowId { get; set; }

        [Parameter(ParameterSetName = ListSet)]
        [ArgumentCompleter(typeof(DeploymentIdCompleter))]
        public string? DeploymentId { get; set; }

        [Parameter(ParameterSetName = ListSet)]
        [ArgumentCompleter(typeof(RunStatusCompleter))]
        public string? Status { get; set; }

        [Parameter(ParameterSetName = ListSet)]
        [ArgumentCompleter(typeof(ConversationIdCompleter))]
        public string? ConversationId { get; set; }

        protected override void ProcessRecordCore()
        {
            if (ParameterSetName == ByIdSet)
            {
                var rules = PipeBinds.Runs(MyInvocation.MyCommand.Name).Mention("workflows, deployments and conversations (their runs)");
                foreach (var value in Id)
                {
                    var runsOf = value.Item switch
                    {
                        Workflow w => new RunFilter { WorkflowId = w.Id },
                        Deployment d => new RunFilter { DeploymentId = d.Id },
                        Conversation c => new RunFilter { ConversationId = c.Id },
                        _ => null,
                    };
                    if (runsOf != null)
                    {
                        var (skipOf, firstOf) = PageWindow;
                        Guarded(() => WritePages(Client.ListRunsAsync(runsOf, skipOf, firstOf, StopToken)), value.Item);
                        continue;
                    }
                    foreach (var id in Resolve(new[] { value }, rules))
                    {
                        Guarded(() => WriteObject(Await(Client.GetRunAsync(id, StopToken)).ToPSObject()), id);
                    }
                }
                return;
            }
            var filter = new RunFilter { WorkflowId = WorkflowId, DeploymentId = DeploymentId, Status = Status, ConversationId = ConversationId };
            var (skip, first) = PageWindow;
            WritePages(Client.ListRunsAsync(filter, skip, first, StopToken));
        }
    }
}
