using System.Linq;
using System.Management.Automation;
using CompassPS.Client;

namespace CompassPS.Commands
{
    /// <summary>
    /// Validates a workflow's draft (or a definition given here, without saving it) and writes the result: valid or
    /// not, with each error and warning by code, node and message. An invalid workflow is a result, not an error.
    /// A definition (-Path or -Definition) given without -WorkflowId is checked as a dry run: nothing is created or
    /// changed on the server (see <see cref="ResolveDryRunHost"/>).
    /// </summary>
    [Cmdlet(VerbsDiagnostic.Test, "CompassWorkflow", DefaultParameterSetName = DraftSet)]
    [OutputType(typeof(WorkflowValidation))]
    [OutputType(typeof(bool))]
    public sealed class TestCompassWorkflowCommand : CompassApiCmdlet
    {
        private const string DraftSet = "Draft";
        private const string DefinitionSet = "Definition";
        private const string PathSet = "Path";

        /// <summary>
        /// Named WorkflowId (alias Id) so a piped deployment or run binds its WorkflowId, a piped workflow its Id.
        /// Required for the draft; optional with -Definition or -Path (then a dry run, see the class summary).
        /// </summary>
        [Parameter(ParameterSetName = DraftSet, Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Parameter(ParameterSetName = DefinitionSet, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Parameter(ParameterSetName = PathSet, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
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
            if (WorkflowId.Length == 0)
            {
                // Only reachable with -Definition or -Path: the draft set requires an id.
                Guarded(ValidateDryRun, (object?)Path ?? Definition);
                return;
            }
            foreach (var id in Resolve(WorkflowId, PipeBinds.Workflows(MyInvocation.MyCommand.Name)))
            {
                Guarded(() =>
                {
                    var definition = WorkflowDefinitionInput.FromParameters(this, Definition, Path);
                    Write(Await(Client.ValidateWorkflowAsync(id, definition, StopToken)));
                }, id);
            }
        }

        private void Write(WorkflowValidation validation)
        {
            if (Quiet) WriteObject(validation.Valid);
            else WriteObject(validation.ToPSObject());
        }

        private void ValidateDryRun()
        {
            var definition = WorkflowDefinitionInput.FromParameters(this, Definition, Path)!;
            var type = WorkflowDefinitionInput.TypeOf(definition) ?? "workflow";
            var name = Path != null ? WorkflowDefinitionInput.NameFromPath(this, Path) : null;
            var host = ResolveDryRunHost(type, name);
            var validation = Await(Client.ValidateWorkflowAsync(host, definition, StopToken));
            var source = Path != null ? SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path) : "-Definition";
            WriteVerbose($"Checked {source} as a dry run against the workflow {host}; nothing was saved.");
            Write(validation.AsDryRun(source));
        }

        /// <summary>
        /// The Compass API validates only through a workflow (POST /v1/workflows/{id}/validate), but with a definition
        /// in the body it checks that definition and saves nothing: the workflow lends its project (the connections and
        /// workflows the definition names) and its type. So a dry run borrows an existing workflow instead of creating
        /// one, which would leave a draft (or, deleted again, a trace) behind: the workflow named like the file when
        /// there is one (the one a publish would replace), else any workflow of the definition's type. An agent
        /// definition names its own type, so a workflow-typed one serves it too; an agent never serves a workflow
        /// definition (it would be checked for an agent's shape).
        /// </summary>
        private string ResolveDryRunHost(string type, string? name)
        {
            if (name != null && FirstWorkflow(type, name) is string named) return named;
            if (FirstWorkflow(type, null) is string sameType) return sameType;
            if (type == "agent" && FirstWorkflow("workflow", null) is string workflow) return workflow;
            throw new CompassApiException(CompassErrorKind.NotFound,
                $"The project has no {type} to check the definition through: the Compass API validates a definition only by way of an existing {type} " +
                "(without changing it), and Test-CompassWorkflow creates nothing to check a file. Create one first (New-CompassWorkflow), or give -WorkflowId.");
        }

        private string? FirstWorkflow(string type, string? name)
        {
            foreach (var page in Enumerate(Client.ListWorkflowsAsync(new WorkflowFilter { Type = type, Name = name }, 0, 1, StopToken)))
            {
                var match = page.Items.FirstOrDefault(w => w.Type == null || w.Type == type);
                if (match != null) return match.Id;
            }
            return null;
        }
    }
}
