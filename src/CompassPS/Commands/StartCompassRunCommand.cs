using System;
using System.IO;
using System.Management.Automation;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using CompassPS.Client;

namespace CompassPS.Commands
{
    /// <summary>
    /// Dispatches runs: one per input from the pipeline (e.g. each row of Import-Csv), up to -ThrottleLimit at a
    /// time, each written as soon as it is created. -Wait writes each run when it ends instead; -Follow shows the
    /// run live (see LiveRunView) and writes the finished run.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Start, "CompassRun", DefaultParameterSetName = ByTargetSet, SupportsShouldProcess = true)]
    [OutputType(typeof(Run))]
    public sealed class StartCompassRunCommand : CompassRunCmdlet
    {
        private const string ByTargetSet = "ByTarget";
        private const string ByDeploymentSet = "ByDeployment";
        private const string ByWorkflowSet = "ByWorkflow";

        private SemaphoreSlim? _throttle;
        private RunWait? _wait;

        /// <summary>
        /// A deployment or workflow from Get-CompassDeployment / Get-CompassWorkflow. Bound by type, so a workflow
        /// (which also carries a DeploymentId) runs as a workflow, and a deployment as a deployment. Not mandatory, so
        /// that a command with no target at all gets a clear error instead of a prompt for this parameter (which a
        /// user never types) or, in a runbook, a missing-parameter error naming it.
        /// </summary>
        [Parameter(ParameterSetName = ByTargetSet, ValueFromPipeline = true)]
        [ValidateNotNull]
        public IRunTarget? InputObject { get; set; }

        [Parameter(ParameterSetName = ByDeploymentSet, Mandatory = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(DeploymentIdCompleter))]
        public string? DeploymentId { get; set; }

        [Parameter(ParameterSetName = ByWorkflowSet, Mandatory = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(WorkflowIdCompleter))]
        public string? WorkflowId { get; set; }

        /// <summary>The run's input_data: a hashtable, a PSCustomObject (e.g. a CSV row) or JSON text; a plain string is a chat input.</summary>
        [Parameter(ParameterSetName = ByDeploymentSet, Position = 0, ValueFromPipeline = true)]
        [Parameter(ParameterSetName = ByWorkflowSet, Position = 0, ValueFromPipeline = true)]
        [Parameter(ParameterSetName = ByTargetSet, Position = 0)]
        public object? InputData { get; set; }

        [Parameter]
        [ArgumentCompleter(typeof(ConversationIdCompleter))]
        public string? ConversationId { get; set; }

        /// <summary>
        /// The dispatch's Idempotency-Key, instead of a fresh one: the same key with the same body returns the run it
        /// first made (from any process, for the server's idempotency window), so a re-run batch dispatches nothing
        /// twice. Bound by property name, so a delay-bind script block gives each pipeline input its own key:
        /// -IdempotencyKey { "nightly-$date-$($_.id)" }. The same key with another body is an error (409).
        /// </summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string? IdempotencyKey { get; set; }

        /// <summary>Write each run when it has ended instead of when it is created.</summary>
        [Parameter]
        public SwitchParameter Wait { get; set; }

        /// <summary>Show each run live at the console (Information stream) and write it when it has ended.</summary>
        [Parameter]
        public SwitchParameter Follow { get; set; }

        /// <summary>With -Wait or -Follow: give up waiting after this many seconds (CompassPS.Timeout); runs go on.</summary>
        [Parameter]
        [ValidateRange(0, int.MaxValue)]
        public int? TimeoutSec { get; set; }

        /// <summary>How many dispatches may be in flight at once when inputs come from the pipeline.</summary>
        [Parameter]
        [ValidateRange(1, 64)]
        public int ThrottleLimit { get; set; } = 8;

        protected override void BeginProcessingCore()
        {
            if (Wait && Follow)
            {
                ThrowTerminatingError(CompassErrors.Record(CompassErrorKind.InvalidInput, "Use -Wait or -Follow, not both.", null));
            }
            _throttle = new SemaphoreSlim(ThrottleLimit, ThrottleLimit);
        }

        protected override void ProcessRecordCore()
        {
            var dispatch = BuildDispatch(out var target);
            if (dispatch is null) return;
            if (!ShouldProcess(target.ToString(), "Start a Compass run")) return;
            // A failed dispatch names its input (e.g. the CSV row), so a runbook can tell which one failed.
            var errorTarget = InputData ?? target;

            if (Follow)
            {
                Guarded(() => FollowOne(dispatch), errorTarget);
                return;
            }

            // -Wait: runs are waited for from the first dispatch on, and written as they end while inputs still come.
            if (Wait && _wait is null) _wait = BeginWaitForRuns(new RunWaiter(Client), TimeoutSec, WriteEndedRun);

            // Concurrent dispatch: wait (running posted work meanwhile) for a free slot, then send in the background.
            var client = Client; // resolved here: the context store belongs to the pipeline thread's runspace
            Await(_throttle!.WaitAsync(StopToken));
            _ = DispatchAsync(client, dispatch, errorTarget);
        }

        protected override void EndProcessingCore()
        {
            // Every dispatch must end (and be written) before the command does.
            for (var i = 0; i < ThrottleLimit; i++) Await(_throttle!.WaitAsync(StopToken));
            if (_wait != null) EndWaitForRuns(_wait);
        }

        private async Task DispatchAsync(CompassClient client, RunDispatch dispatch, object target)
        {
            try
            {
                var run = await client.CreateRunAsync(dispatch, StopToken).ConfigureAwait(false);
                if (_wait != null) _wait.Waiter.Add(run);
                else PostToPipeline(() => WriteObject(run.ToPSObject()));
            }
            catch (CompassApiException ex)
            {
                PostToPipeline(() => WriteError(CompassErrors.Record(ex, target)));
            }
            catch (OperationCanceledException) when (StopToken.IsCancellationRequested)
            {
                // Stopped: nothing to report.
            }
            finally
            {
                _throttle!.Release();
            }
        }

        private void FollowOne(RunDispatch dispatch)
        {
            var run = Await(Client.CreateRunAsync(dispatch, StopToken));
            var view = new LiveRunView(this);
            try
            {
                FollowRun(run.Id, TimeoutSec, view.Show, live: true);
            }
            finally
            {
                view.Finish();
            }
            WriteEndedRun(Await(Client.GetRunAsync(run.Id, StopToken)));
        }

        /// <summary>The dispatch for the current input, or null (error written) when the input cannot be sent.</summary>
        private RunDispatch? BuildDispatch(out object target)
        {
            var dispatch = new RunDispatch { ConversationId = ConversationId };
            if (PipeBindRules.IsCompassObject(InputData))
            {
                // A run, conversation, ... piped in would otherwise bind as the input data (and its DeploymentId or
                // WorkflowId by name): a new run fed the old object. Objects bind by kind: this one is no input.
                var item = InputData is PSObject ps ? ps.BaseObject : InputData!;
                target = item;
                WriteError(PipeBindRules.WrongKindRecord(
                    $"Start-CompassRun takes a deployment or workflow to run (piped, or -DeploymentId / -WorkflowId) and input data " +
                    $"(a hashtable, PSCustomObject, CSV row or JSON text), not this {PipeBindRules.Describe(item)} ({PipeBindRules.TypeName(item.GetType())}): nothing was started.",
                    item, "Pipe deployments or workflows into Start-CompassRun, or pass -InputData a hashtable or JSON text."));
                return null;
            }
            // Bound per input (a delay-bind script block is evaluated for each), so read it here, not once.
            if (IdempotencyKey != null)
            {
                if (IdempotencyKey.Trim().Length == 0)
                {
                    // A blank key must not quietly become a fresh one: the caller relies on it to avoid a second run.
                    target = (object?)InputData ?? "";
                    WriteError(CompassErrors.Record(CompassErrorKind.InvalidInput, "The -IdempotencyKey is blank; give each dispatch a non-empty key.", target));
                    return null;
                }
                dispatch.IdempotencyKey = IdempotencyKey.Trim();
            }
            switch (InputObject)
            {
                case Deployment deployment when ParameterSetName == ByTargetSet:
                    dispatch.DeploymentId = deployment.Id;
                    break;
                case Workflow workflow when ParameterSetName == ByTargetSet:
                    dispatch.WorkflowId = workflow.Id;
                    break;
                case IRunTarget other when ParameterSetName == ByTargetSet:
                    dispatch.DeploymentId = other.Id;
                    break;
                case null when ParameterSetName == ByTargetSet:
                    ThrowTerminatingError(CompassErrors.Record(CompassErrorKind.InvalidInput,
                        "Say what to run: -DeploymentId or -WorkflowId, or pipe in a deployment or workflow " +
                        "(Get-CompassDeployment -DeploymentId <id> | Start-CompassRun -InputData ...).", null));
                    break;
                default:
                    dispatch.DeploymentId = DeploymentId;
                    dispatch.WorkflowId = WorkflowId;
                    break;
            }
            target = (object?)InputObject ?? (object?)dispatch.DeploymentId ?? dispatch.WorkflowId ?? "";
            try
            {
                dispatch.InputJson = InputData is null ? null : ToJson(InputData);
            }
            catch (CompassApiException ex)
            {
                WriteError(CompassErrors.Record(ex, InputData));
                return null;
            }
            return dispatch;
        }

        private static byte[] ToJson(object input)
        {
            using var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer)) JsonValues.WriteInput(writer, input, "-InputData");
            return buffer.ToArray();
        }
    }
}
