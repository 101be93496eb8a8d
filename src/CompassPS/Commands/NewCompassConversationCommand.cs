using System.Management.Automation;

namespace CompassPS.Commands
{
    /// <summary>
    /// Starts a conversation with a workflow or agent (its draft) or a deployment (its live version). A workflow or
    /// deployment from the pipeline binds by type, so each talks to what it is; any other CompassPS object is a
    /// CompassPS.WrongObjectKind error. Plain objects (CSV rows) bind their WorkflowId or DeploymentId by name.
    /// </summary>
    /// <remarks>
    /// All three parameters are pipe-bind types so that PowerShell's first passes (exact types, then properties
    /// without conversion) bind none of them: a piped workflow would otherwise bind its DeploymentId by name.
    /// </remarks>
    [Cmdlet(VerbsCommon.New, "CompassConversation", DefaultParameterSetName = ByTargetSet, SupportsShouldProcess = true)]
    [OutputType(typeof(Conversation))]
    public sealed class NewCompassConversationCommand : CompassApiCmdlet
    {
        private const string ByTargetSet = "ByTarget";
        private const string ByWorkflowSet = "ByWorkflow";
        private const string ByDeploymentSet = "ByDeployment";

        /// <summary>A workflow (Get-CompassWorkflow) or a deployment (Get-CompassDeployment).</summary>
        [Parameter(ParameterSetName = ByTargetSet, Mandatory = true, ValueFromPipeline = true)]
        [ValidateNotNull]
        public CompassObjectPipeBind? InputObject { get; set; }

        [Parameter(ParameterSetName = ByWorkflowSet, Mandatory = true, ValueFromPipelineByPropertyName = true)]
        [PipeBindNull]
        [ValidatePipeBind]
        [ArgumentCompleter(typeof(WorkflowIdCompleter))]
        public WorkflowPipeBind? WorkflowId { get; set; }

        [Parameter(ParameterSetName = ByDeploymentSet, Mandatory = true, ValueFromPipelineByPropertyName = true)]
        [PipeBindNull]
        [ValidatePipeBind]
        [ArgumentCompleter(typeof(DeploymentIdCompleter))]
        public DeploymentPipeBind? DeploymentId { get; set; }

        /// <summary>A title to find the conversation by; the server names it when none is given.</summary>
        [Parameter(Position = 0)]
        [ValidateNotNullOrEmpty]
        public string? Title { get; set; }

        protected override void ProcessRecordCore()
        {
            string? workflowId = null, deploymentId = null;
            var command = MyInvocation.MyCommand.Name;
            switch (InputObject?.Item)
            {
                case Workflow workflow:
                    workflowId = workflow.Id;
                    break;
                case Deployment deployment:
                    deploymentId = deployment.Id;
                    break;
                case object other:
                    WriteError(PipeBindRules.WrongKindRecord(
                        $"{command} takes a workflow (CompassPS.Workflow) or a deployment (CompassPS.Deployment), not this " +
                        $"{PipeBindRules.Describe(other)} ({PipeBindRules.TypeName(other.GetType())}): nothing was created.",
                        other, $"Pipe workflows or deployments into {command}, or pass -WorkflowId or -DeploymentId."));
                    return;
                default:
                    ErrorRecord? wrongKind = null;
                    if (WorkflowId != null) workflowId = PipeBindRules.For<Workflow>(command, w => w.Id).Resolve(WorkflowId, out wrongKind);
                    else if (DeploymentId != null) deploymentId = PipeBindRules.For<Deployment>(command, d => d.Id).Resolve(DeploymentId, out wrongKind);
                    if (wrongKind != null)
                    {
                        WriteError(wrongKind);
                        return;
                    }
                    break;
            }
            var target = deploymentId != null ? "deployment " + deploymentId : "workflow " + workflowId;
            var what = Title is null ? "Create a conversation" : $"Create the conversation '{Title}'";
            if (!ShouldProcess(target, what)) return;
            Guarded(() => WriteObject(Await(Client.CreateConversationAsync(Title, workflowId, deploymentId, StopToken)).ToPSObject()),
                InputObject?.Item ?? deploymentId ?? workflowId);
        }
    }
}
