using System.Management.Automation;

namespace CompassPS.Commands
{
    /// <summary>
    /// Starts a conversation with a workflow or agent (its draft) or a deployment (its live version). A workflow or
    /// deployment from the pipeline binds by type, so each talks to what it is.
    /// </summary>
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
        public IRunTarget? InputObject { get; set; }

        [Parameter(ParameterSetName = ByWorkflowSet, Mandatory = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(WorkflowIdCompleter))]
        public string? WorkflowId { get; set; }

        [Parameter(ParameterSetName = ByDeploymentSet, Mandatory = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(DeploymentIdCompleter))]
        public string? DeploymentId { get; set; }

        /// <summary>A title to find the conversation by; the server names it when none is given.</summary>
        [Parameter(Position = 0)]
        [ValidateNotNullOrEmpty]
        public string? Title { get; set; }

        protected override void ProcessRecordCore()
        {
            string? workflowId = WorkflowId, deploymentId = DeploymentId;
            switch (InputObject)
            {
                case Workflow workflow:
                    workflowId = workflow.Id;
                    break;
                case Deployment deployment:
                    deploymentId = deployment.Id;
                    break;
                case IRunTarget other:
                    deploymentId = other.Id;
                    break;
            }
            var target = deploymentId != null ? "deployment " + deploymentId : "workflow " + workflowId;
            var what = Title is null ? "Create a conversation" : $"Create the conversation '{Title}'";
            if (!ShouldProcess(target, what)) return;
            Guarded(() => WriteObject(Await(Client.CreateConversationAsync(Title, workflowId, deploymentId, StopToken)).ToPSObject()),
                (object?)InputObject ?? deploymentId ?? workflowId);
        }
    }
}
