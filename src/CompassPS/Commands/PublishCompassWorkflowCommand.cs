using System;
using System.Management.Automation;
using CompassPS.Client;

namespace CompassPS.Commands
{
    /// <summary>
    /// Deploys a workflow: freezes its draft into the next version and makes that version live on the workflow's
    /// deployment (created on the first publish). Writes the deployment, whose Version is the version just made, so
    /// it can be piped straight into Start-CompassRun. A draft with validation errors is refused with an error
    /// (CompassPS.ValidationFailed) that lists them; its TargetObject is the validation result. A draft identical to
    /// the live version makes no new version (unless -Force): a warning says so and the deployment is written as it is.
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

        /// <summary>
        /// Publish a new version even when the draft equals the live version: a publish also pins the versions of the
        /// workflows the definition calls, so this moves an unchanged workflow onto their current live versions.
        /// </summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

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
            if (!Force && UnchangedDeployment(id) is Deployment unchanged)
            {
                WriteWarning($"The draft of the workflow '{id}' is the same as its live version {unchanged.LiveVersion}: no new version was published. " +
                    "Use -Force to publish one anyway (e.g. to pin the current versions of the workflows it calls).");
                WriteObject(unchanged.ToPSObject());
                return;
            }
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
        /// The workflow's deployment when its draft is the definition of the live version (line endings and trailing
        /// white space aside), else null. Null too when a publish must still act: no deployment or live version yet, an
        /// archived deployment (publishing brings it back), or a server whose versions do not carry their definition.
        /// </summary>
        private Deployment? UnchangedDeployment(string id)
        {
            var workflow = Await(Client.GetWorkflowAsync(id, StopToken));
            if (workflow.DeploymentId is null || workflow.Definition is null) return null;
            var deployment = Await(Client.GetDeploymentAsync(workflow.DeploymentId, StopToken));
            if (deployment.LiveVersion is null || string.Equals(deployment.Status, "archived", StringComparison.OrdinalIgnoreCase)) return null;
            foreach (var page in Enumerate(Client.ListWorkflowVersionsAsync(id, 0, null, StopToken)))
            {
                foreach (var version in page.Items)
                {
                    if (version.Version != deployment.LiveVersion) continue;
                    return version.Definition != null && Normalized(version.Definition) == Normalized(workflow.Definition)
                        ? deployment.AsUnchangedPublish()
                        : null;
                }
            }
            return null;
        }

        private static string Normalized(string definition) => definition.Replace("\r\n", "\n").TrimEnd();

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
                $"The workflow '{id}' cannot be published, it has {Client.MaskSecret(validation.DescribeErrors())}", refused)
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
