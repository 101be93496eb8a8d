using System.Collections;
using System.Management.Automation;
using System.Security;
using CompassPS.Client;

namespace CompassPS.Commands
{
    /// <summary>
    /// Changes a connection (needs an admin-scoped key): only the parameters given are sent. A new secret replaces
    /// all stored credentials (the server never returns them, so they cannot be merged); -ClearCredential removes them.
    /// A new type is given once the input has ended; any other change as each connection arrives.
    /// </summary>
    [Cmdlet(VerbsCommon.Set, "CompassConnection", SupportsShouldProcess = true, DefaultParameterSetName = SecretsSet)]
    [OutputType(typeof(Connection))]
    public sealed class SetCompassConnectionCommand : CompassApiCmdlet
    {
        private const string SecretsSet = "Secrets";
        private const string ClearSet = "ClearCredential";

        private PipelineWrites? _updates;
        private ConnectionChange? _change;

        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("ConnectionId")]
        [PipeBindNull]
        [ValidatePipeBind]
        [ArgumentCompleter(typeof(ConnectionIdCompleter))]
        public ConnectionPipeBind? Id { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Name { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(ConnectionTypeCompleter))]
        public string? Type { get; set; }

        /// <summary>Plain settings; replaces the whole configuration.</summary>
        [Parameter]
        public IDictionary? Configuration { get; set; }

        [Parameter(ParameterSetName = SecretsSet)]
        [SecureInputOnly]
        public SecureString? ApiKey { get; set; }

        [Parameter(ParameterSetName = SecretsSet)]
        [Credential]
        public PSCredential? Credential { get; set; }

        [Parameter(ParameterSetName = SecretsSet)]
        public IDictionary? SecretConfiguration { get; set; }

        /// <summary>Remove the stored credentials.</summary>
        [Parameter(ParameterSetName = ClearSet, Mandatory = true)]
        public SwitchParameter ClearCredential { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? DefaultModel { get; set; }

        [Parameter]
        [ValidateSet("connected", "error", "inactive")]
        public string? Status { get; set; }

        /// <summary>Write the changed connection.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        /// <summary>
        /// A new type moves a connection out of a list filtered by type on the server (Get-CompassConnection -Type http):
        /// held until the input ends. The kind cannot change and names are matched on the client over the whole list,
        /// so any other change moves nothing: written at once.
        /// </summary>
        private PipelineWrites Updates => _updates ??= new PipelineWrites(holdUntilInputEnds: Type != null, Update);

        protected override void ProcessRecordCore()
        {
            var id = PipeBindRules.For<Connection>(MyInvocation.MyCommand.Name, c => c.Id).Resolve(Id!, out var wrongKind);
            if (id is null)
            {
                WriteError(wrongKind!);
                return;
            }
            // Only the id binds from the pipeline: the change is the same for every connection.
            _change ??= Change();
            if (IsEmpty(_change))
            {
                WriteError(CompassErrors.Record(CompassErrorKind.InvalidInput,
                    "Nothing to change: give at least one of -Name, -Type, -Configuration, -ApiKey, -Credential, -SecretConfiguration, -ClearCredential, -DefaultModel or -Status.", id));
                return;
            }
            Updates.Add(new[] { id });
        }

        protected override void EndProcessingCore() => Updates.Complete();

        private void Update(string id)
        {
            if (!ShouldProcess("connection " + id, "Change")) return;
            Guarded(() =>
            {
                var connection = Await(Client.UpdateConnectionAsync(CompassClient.ConnectionsCollection, id, _change!, StopToken));
                if (PassThru) WriteObject(connection.ToPSObject());
            }, id);
        }

        private static bool IsEmpty(ConnectionChange change) =>
            change.Name is null && change.Type is null && change.Configuration is null && change.Credentials is null && !change.ClearCredentials
            && change.DefaultModel is null && change.Status is null;

        private ConnectionChange Change() => new ConnectionChange
        {
            Name = Name,
            Type = Type,
            Configuration = ConnectionSecrets.Configuration(Configuration),
            Credentials = ConnectionSecrets.Credentials(ApiKey, Credential, SecretConfiguration),
            ClearCredentials = ClearCredential,
            DefaultModel = DefaultModel,
            Status = Status,
        };
    }
}
