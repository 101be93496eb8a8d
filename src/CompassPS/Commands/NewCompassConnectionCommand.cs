using System.Collections;
using System.Management.Automation;
using System.Security;
using CompassPS.Client;

namespace CompassPS.Commands
{
    /// <summary>
    /// Creates a connection of any kind (needs an admin-scoped key). Plain settings go in -Configuration; secrets
    /// only as -ApiKey (SecureString), -Credential or -SecretConfiguration (SecureString values), never echoed.
    /// </summary>
    [Cmdlet(VerbsCommon.New, "CompassConnection", SupportsShouldProcess = true)]
    [OutputType(typeof(Connection))]
    public sealed class NewCompassConnectionCommand : CompassApiCmdlet
    {
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string? Name { get; set; }

        [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
        [ValidateSet(ConnectionKinds.Provider, ConnectionKinds.Integration, ConnectionKinds.Gateway)]
        public string? Kind { get; set; }

        [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(ConnectionTypeCompleter))]
        public string? Type { get; set; }

        /// <summary>Plain (non-secret) settings, e.g. @{ base_url = 'http://127.0.0.1:1234/v1' }.</summary>
        [Parameter]
        public IDictionary? Configuration { get; set; }

        [Parameter]
        [SecureInputOnly]
        public SecureString? ApiKey { get; set; }

        [Parameter]
        [Credential]
        public PSCredential? Credential { get; set; }

        /// <summary>Further secrets by name; every value must be a SecureString.</summary>
        [Parameter]
        public IDictionary? SecretConfiguration { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? DefaultModel { get; set; }

        protected override void ProcessRecordCore()
        {
            var change = new ConnectionChange
            {
                Name = Name,
                Kind = Kind,
                Type = Type,
                Configuration = ConnectionSecrets.Configuration(Configuration),
                Credentials = ConnectionSecrets.Credentials(ApiKey, Credential, SecretConfiguration),
                DefaultModel = DefaultModel,
            };
            if (!ShouldProcess($"{Kind} connection '{Name}' ({Type})", "Create")) return;
            Guarded(() => WriteObject(Await(Client.CreateConnectionAsync(CompassClient.ConnectionsCollection, change, StopToken)).ToPSObject()), Name);
        }
    }
}
