using System;
using System.Management.Automation;
using CompassPS.Client;

namespace CompassPS.Commands
{
    /// <summary>
    /// Deploys a workflow: freezes its draft into the next version and makes that version live on the workflow's
    /// deployment (created on the first publish). Writes the deployment, whose Version is the version just made, so
    /// it can be piped straight into Start-CompassRun. A draft with validation errors is refused with an error
    /// (CompassPS.ValidationFailed) that lists them; its TargetObject is the validation result.
    /// </summary>
    [Cmdlet(VerbsData.Publish, "CompassWorkflow", SupportsShouldProcess = true)]
    [OutputType(typeof(Deployment))]
    public sealed class PublishCompassWorkflowCommand : CompassApiCmdlet
    {
        /// <summary>Named WorkflowId (alias Id) so a piped deployment or run binds its WorkflowId, a piped workflow its Id.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("Id")]
        [PipeBindNull]
        [ValidatePipeBind]
        [ArgumentCompleter(typeof(WorkflowIdCompleter))]
        public WorkflowPipeBind[] WorkflowId { get; set; } = Array.Empty<WorkflowPipeBind>();

        private PipelineWrites? _publications;

        /// <summary>
        /// Publishing makes an archived deployment active again, so fed by a status-filtered deployment list
        /// (Get-CompassDeployment -Status archived | Publish-CompassWorkflow) it would move items under the list's
        /// offsets: held until the input ends.
        /// </summary>
        private PipelineWrites Publications => _publications ??= new PipelineWrites(holdUntilInputEnds: true, Publish);

        protected override void ProcessRecordCore() => Publications.Add(Resolve(WorkflowId,
            PipeBindRules.For<Workflow>(MyInvocation.MyCommand.Name, w => w.Id).Relate<Deployment>(d => d.WorkflowId)));

        protected override void EndProcessingCore() => Publications.Complete();

        private void Publish(string id)
        {
            if (!ShouldProcess(id, "Publish the draft of the Compass workflow as its next version and make it live")) return;
            Guarded(() => PublishNow(id), id);
        }

        private void PublishNow(string id)
        {
            Deployment deployment;
            try
            {
                deployment = Await(Client.DeployWorkflowAsync(id, StopToken));
            }
            catch (CompassApiException refused) when (refused.Kind == CompassErrorKind.Conflict
                && string.Equals(refused.CompassCode, CompassClient.WorkflowInvalidCode, StringComparison.OrdinalIgnoreCase))
            {
                WriteInvalid(id, refused);
                return;
            }
            WriteObject(deployment.ToPSObject());
        }

        /// <summary>
        /// The refusal's body holds the validation, but the client core keeps only an error's code and message: the
        /// same validation is asked for again so that the error can list each problem.
        /// </summary>
        private void WriteInvalid(string id, CompassApiException refused)
        {
            WorkflowValidation validation;
            try
            {
                validation = Await(Client.ValidateWorkflowAsync(id, null, StopToken));
            }
            catch (CompassApiException)
            {
                throw refused;
            }
            if (validation.Errors.Length == 0) throw refused;
            var failure = new CompassApiException(CompassErrorKind.ValidationFailed,
                $"The workflow '{id}' cannot be published, it has {validation.DescribeErrors()}", refused)
            {
                StatusCode = refused.StatusCode,
                CompassCode = refused.CompassCode,
                ServerMessage = refused.ServerMessage,
                RequestId = refused.RequestId,
                Request = refused.Request,
            };
            var record = CompassErrors.Record(failure, validation.ToPSObject());
            record.ErrorDetails = new ErrorDetails(failure.Message)
            {
                RecommendedAction = "Fix the errors in the draft (Set-CompassWorkflow), check with Test-CompassWorkflow, then publish again.",
            };
            WriteError(record);
        }
    }
}
