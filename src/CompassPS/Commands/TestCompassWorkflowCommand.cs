using System.Management.Automation;
using CompassPS.Client;

namespace CompassPS.Commands
{
    /// <summary>
    /// Validates a workflow's draft (or a definition given here, without saving it) and writes the result: valid or
    /// not, with each error and warning by code, node and message. An invalid workflow is a result, not an error.
    /// </summary>
    [Cmdlet(VerbsDiagnostic.Test, "CompassWorkflow", DefaultParameterSetName = DraftSet)]
    [OutputType(typeof(WorkflowValidation))]
    [OutputType(typeof(bool))]
    public sealed class TestCompassWorkflowCommand : CompassApiCmdlet
    {
        private const string DraftSet = "Draft";
        private const string DefinitionSet = "Definition";
        private const string PathSet = "Path";

        /// <summary>Named WorkflowId (alias Id) so a piped deployment or run binds its WorkflowId, a piped workflow its Id.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("Id")]
        [PipeBindNull]
        [ValidatePipeBind]
        [ArgumentCompleter(typeof(WorkflowIdCompleter))]
        public WorkflowPipeBind[] WorkflowId { get; set; } = System.Array.Empty<WorkflowPipeBind>();

        /// <summary>Validate this definition (YAML or JSON text, or a hashtable) instead of the draft; nothing is saved.</summary>
        [Parameter(ParameterSetName = DefinitionSet, Mandatory = true)]
        [ValidateNotNull]
        public object? Definition { get; set; }

        /// <summary>Validate the definition in this file instead of the draft; nothing is saved.</summary>
        [Parameter(ParameterSetName = PathSet, Mandatory = true)]
        [ValidateNotNullOrEmpty]
        public string? Path { get; set; }

        /// <summary>Write only $true (no errors) or $false.</summary>
        [Parameter]
        public SwitchParameter Quiet { get; set; }

        protected override void ProcessRecordCore()
        {
            foreach (var id in Resolve(WorkflowId, PipeBinds.Workflows(MyInvocation.MyCommand.Name)))
            {
                Guarded(() =>
                {
                    var definition = WorkflowDefinitionInput.FromParameters(this, Definition, Path);
                    var validation = Await(Client.ValidateWorkflowAsync(id, definition, StopToken));
                    if (Quiet) WriteObject(validation.Valid);
                    else WriteObject(validation.ToPSObject());
                }, id);
            }
        }
    }
}
