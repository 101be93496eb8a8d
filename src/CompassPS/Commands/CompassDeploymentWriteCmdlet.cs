using System.Management.Automation;
using CompassPS.Client;

namespace CompassPS.Commands
{
    /// <summary>
    /// What Suspend-, Resume- and Set-CompassDeployment share: deployment ids from the pipeline, one PATCH per id
    /// behind ShouldProcess, and -PassThru to write the deployment as it now is. A change of status is made once the
    /// input has ended; a change of the live version alone as each id arrives.
    /// </summary>
    public abstract class CompassDeploymentWriteCmdlet : CompassApiCmdlet
    {
        private PipelineWrites? _updates;
        private PipeBindRules? _rules;

        /// <summary>
        /// Deployments and deployment ids, and (as the help documents) workflows, which stand for their one
        /// deployment. Anything else, a run included, is an error (CompassPS.WrongObjectKind), never a change to the
        /// deployment it happens to name.
        /// </summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("Id")]
        [PipeBindNull]
        [ValidatePipeBind]
        [ArgumentCompleter(typeof(DeploymentIdCompleter))]
        public DeploymentPipeBind[] DeploymentId { get; set; } = System.Array.Empty<DeploymentPipeBind>();

        /// <summary>Write the deployment as it is after the change.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        /// <summary>The status each deployment is given, or null to keep it.</summary>
        protected abstract string? NewStatus { get; }

        /// <summary>The version each deployment is to run, or null to keep it.</summary>
        protected virtual long? NewLiveVersion => null;

        /// <summary>The change as -WhatIf and -Confirm describe it.</summary>
        protected abstract string ActionDescription { get; }

        /// <summary>
        /// A status change moves a deployment out of a list filtered by status (Get-CompassDeployment -Status active |
        /// Suspend-CompassDeployment): held until the input ends. A live version alone changes no list: written at once.
        /// </summary>
        private PipelineWrites Updates => _updates ??= new PipelineWrites(holdUntilInputEnds: NewStatus != null, Update);

        private PipeBindRules Rules => _rules ??= PipeBindRules.For<Deployment>(MyInvocation.MyCommand.Name, d => d.Id).Relate<Workflow>(w => w.DeploymentId);

        protected sealed override void ProcessRecordCore() => Updates.Add(Resolve(DeploymentId, Rules));

        protected sealed override void EndProcessingCore() => Updates.Complete();

        private void Update(string id)
        {
            if (!ShouldProcess(id, ActionDescription)) return;
            Guarded(() =>
            {
                var updated = Await(Client.UpdateDeploymentAsync(id, NewStatus, NewLiveVersion, StopToken));
                if (PassThru) WriteObject(updated.ToPSObject());
            }, id);
        }
    }
}
