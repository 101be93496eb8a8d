using System.Management.Automation;
using CompassPS.Client;

namespace CompassPS.Commands
{
    /// <summary>
    /// Changes a workflow's name, description, type or draft definition; only what is given changes. The published
    /// versions and the deployment are untouched until the next Publish-CompassWorkflow. A new name or type is given
    /// once the input has ended; a description or draft alone as each workflow arrives.
    /// </summary>
    [Cmdlet(VerbsCommon.Set, "CompassWorkflow", DefaultParameterSetName = PropertiesSet, SupportsShouldProcess = true)]
    [OutputType(typeof(Workflow))]
    public sealed class SetCompassWorkflowCommand : CompassApiCmdlet
    {
        private const string PropertiesSet = "Properties";
        private const string DefinitionSet = "Definition";
        private const string PathSet = "Path";

        private PipelineWrites? _updates;

        /// <summary>Workflows and workflow ids only: a piped deployment or run is an error, never a change to its workflow.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("Id")]
        [PipeBindNull]
        [ValidatePipeBind]
        [ArgumentCompleter(typeof(WorkflowIdCompleter))]
        public WorkflowPipeBind? WorkflowId { get; set; }

        /// <summary>The new name.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Name { get; set; }

        [Parameter]
        [ValidateNotNull]
        public string? Description { get; set; }

        [Parameter]
        [ValidateSet("workflow", "agent", IgnoreCase = true)]
        public string? Type { get; set; }

        /// <summary>The new draft: YAML or JSON text, or a hashtable / PSCustomObject sent as JSON.</summary>
        [Parameter(ParameterSetName = DefinitionSet, Mandatory = true)]
        [ValidateNotNull]
        public object? Definition { get; set; }

        /// <summary>A YAML or JSON file holding the new draft.</summary>
        [Parameter(ParameterSetName = PathSet, Mandatory = true)]
        [ValidateNotNullOrEmpty]
        public string? Path { get; set; }

        /// <summary>Write the updated workflow.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void BeginProcessingCore()
        {
            if (ParameterSetName == PropertiesSet && Name is null && Description is null && Type is null)
            {
                ThrowTerminatingError(CompassErrors.Record(CompassErrorKind.InvalidInput,
                    "Nothing to change: give -Name, -Description, -Type, -Definition or -Path.", null));
            }
        }

        /// <summary>
        /// A new name or type moves a workflow out of a list filtered by it on the server (Get-CompassWorkflow -Type agent,
        /// or an exact -Name): held until the input ends. A description or draft changes no list: written at once.
        /// </summary>
        private PipelineWrites Updates => _updates ??= new PipelineWrites(holdUntilInputEnds: Name != null || Type != null, Update);

        protected override void ProcessRecordCore() => Updates.Add(Resolve(new[] { WorkflowId! }, PipeBindRules.For<Workflow>(MyInvocation.MyCommand.Name, w => w.Id)));

        protected override void EndProcessingCore() => Updates.Complete();

        private void Update(string id)
        {
            Guarded(() =>
            {
                var changes = new WorkflowChanges
                {
                    Name = Name,
                    Description = Description,
                    Type = Type?.ToLowerInvariant(),
                    Definition = WorkflowDefinitionInput.FromParameters(this, Definition, Path),
                };
                if (!ShouldProcess(id, "Update the Compass workflow")) return;
                var updated = Await(Client.UpdateWorkflowAsync(id, changes, StopToken));
                if (PassThru) WriteObject(updated.ToPSObject());
            }, id);
        }
    }
}
