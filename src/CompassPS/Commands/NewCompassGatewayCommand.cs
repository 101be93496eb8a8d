using System;
using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;
using System.Security;
using CompassPS.Client;

namespace CompassPS.Commands
{
    /// <summary>
    /// Creates a gateway connection (needs an admin-scoped key): a proxy that provider calls go through, such as an
    /// Apigee proxy with its base URL, API key and the header the key travels in.
    /// </summary>
    [Cmdlet(VerbsCommon.New, "CompassGateway", SupportsShouldProcess = true)]
    [OutputType(typeof(Connection))]
    public sealed class NewCompassGatewayCommand : CompassApiCmdlet
    {
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string? Name { get; set; }

        /// <summary>The gateway's type; apigee by default.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(ConnectionTypeCompleter))]
        public string Type { get; set; } = "apigee";

        /// <summary>The proxy's base URL (configuration.base_url).</summary>
        [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNull]
        public Uri? BaseUrl { get; set; }

        [Parameter]
        [SecureInputOnly]
        public SecureString? ApiKey { get; set; }

        /// <summary>The header the key travels in (configuration.header_name); the gateway's default when not given.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string? HeaderName { get; set; }

        /// <summary>Further plain settings; -BaseUrl and -HeaderName win over the same names given here.</summary>
        [Parameter]
        public IDictionary? Configuration { get; set; }

        protected override void ProcessRecordCore()
        {
            var badBaseUrl = ConnectionUrls.BaseUrlError(BaseUrl);
            if (badBaseUrl != null)
            {
                WriteError(badBaseUrl);
                return;
            }
            var change = new ConnectionChange
            {
                Name = Name,
                Kind = ConnectionKinds.Gateway,
                Type = Type,
                Configuration = ConnectionSecrets.Configuration(Configuration,
                    new KeyValuePair<string, object?>("base_url", BaseUrl!.OriginalString),
                    new KeyValuePair<string, object?>("header_name", HeaderName)),
                Credentials = ConnectionSecrets.Credentials(ApiKey, null, null),
            };
            if (!ShouldProcess($"gateway '{Name}' ({Type})", "Create")) return;
            Guarded(() => WriteObject(Await(Client.CreateConnectionAsync(CompassClient.GatewaysCollection, change, StopToken)).ToPSObject()), Name);
        }
    }
}
