using System.Management.Automation;
using CompassPS.Client;

namespace CompassPS.Commands
{
    /// <summary>
    /// Creates a workflow or agent from a definition (YAML or JSON text, a hashtable, or a file). The definition
    /// becomes the draft; Publish-CompassWorkflow makes it a version that runs.
    /// </summary>
    [Cmdlet(VerbsCommon.New, "CompassWorkflow", DefaultParameterSetName = DefinitionSet, SupportsShouldProcess = true)]
    [OutputType(typeof(Workflow))]
    public sealed class NewCompassWorkflowCommand : CompassApiCmdlet
    {
        private const string DefinitionSet = "Definition";
        private const string PathSet = "Path";

        [Parameter(ParameterSetName = DefinitionSet, Mandatory = true, Position = 0)]
        [Parameter(ParameterSetName = PathSet, Position = 0)]
        [ValidateNotNullOrEmpty]
        public string? Name { get; set; }

        /// <summary>YAML or JSON text, or a hashtable / PSCustomObject sent as JSON.</summary>
        [Parameter(ParameterSetName = DefinitionSet, Mandatory = true, Position = 1)]
        [ValidateNotNull]
        public object? Definition { get; set; }

        /// <summary>A YAML or JSON file; binds a file from Get-ChildItem, whose base name is the default -Name.</summary>
        [Parameter(ParameterSetName = PathSet, Mandatory = true, ValueFromPipelineByPropertyName = true)]
        [Alias("FullName")]
        [ValidateNotNullOrEmpty]
        public string? Path { get; set; }

        /// <summary>"workflow" or "agent"; by default the definition's own top-level type, else the server's default (workflow).</summary>
        [Parameter]
        [ValidateSet("workflow", "agent", IgnoreCase = true)]
        public string? Type { get; set; }

        [Parameter]
        [ValidateNotNull]
        public string? Description { get; set; }

        protected override void ProcessRecordCore()
        {
            var target = Path ?? Name ?? "";
            Guarded(() =>
            {
                var definition = ParameterSetName == PathSet ? WorkflowDefinitionInput.FromPath(this, Path!) : WorkflowDefinitionInput.FromValue(Definition!);
                var changes = new WorkflowChanges
                {
                    Name = Name ?? WorkflowDefinitionInput.NameFromPath(this, Path!),
                    Description = Description,
                    Type = Type?.ToLowerInvariant() ?? WorkflowDefinitionInput.TypeOf(definition),
                    Definition = definition,
                };
                if (!ShouldProcess(changes.Name, $"Create a Compass {changes.Type ?? "workflow"}")) return;
                WriteObject(Await(Client.CreateWorkflowAsync(changes, StopToken)).ToPSObject());
            }, target);
        }
    }
}
