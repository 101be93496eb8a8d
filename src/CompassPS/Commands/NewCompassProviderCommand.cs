using System;
using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;
using System.Security;
using CompassPS.Client;

namespace CompassPS.Commands
{
    /// <summary>
    /// Creates a model provider connection (needs an admin-scoped key): OpenAI, Anthropic, LM Studio or any
    /// OpenAI-compatible server by -BaseUrl, or the local server's built-in model (type local).
    /// </summary>
    [Cmdlet(VerbsCommon.New, "CompassProvider", SupportsShouldProcess = true)]
    [OutputType(typeof(Connection))]
    public sealed class NewCompassProviderCommand : CompassApiCmdlet
    {
        /// <summary>
        /// The object piped in, when it is a CompassPS object. Only a connection (a provider to copy: its Name, Type,
        /// BaseUrl and DefaultModel bind by name) is taken: a workflow, run step or execution also has a Name and a
        /// Type, and would otherwise make a provider of them. Records (CSV rows) leave this empty and bind by name.
        /// </summary>
        [Parameter(ValueFromPipeline = true)]
        public CompassObjectPipeBind? InputObject { get; set; }

        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string? Name { get; set; }

        /// <summary>openai, anthropic, lmstudio, local, or another type the server knows.</summary>
        [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(ConnectionTypeCompleter))]
        public string? Type { get; set; }

        /// <summary>The provider's API root (configuration.base_url), e.g. http://127.0.0.1:1234/v1 for LM Studio.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ValidateNotNull]
        public Uri? BaseUrl { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string? DefaultModel { get; set; }

        [Parameter]
        [SecureInputOnly]
        public SecureString? ApiKey { get; set; }

        /// <summary>A gateway connection (New-CompassGateway) that calls to this provider go through (configuration.gateway_id).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(ConnectionIdCompleter))]
        public string? GatewayId { get; set; }

        /// <summary>Further plain settings; -BaseUrl and -GatewayId win over the same names given here.</summary>
        [Parameter]
        public IDictionary? Configuration { get; set; }

        protected override void ProcessRecordCore()
        {
            if (InputObject?.Item is object item && !(item is Connection))
            {
                var command = MyInvocation.MyCommand.Name;
                WriteError(PipeBindRules.WrongKindRecord(
                    $"{command} takes a connection (CompassPS.Connection) to copy, or records with Name and Type, not this " +
                    $"{PipeBindRules.Describe(item)} ({PipeBindRules.TypeName(item.GetType())}): nothing was created.",
                    item, $"Give -Name and -Type, or pipe providers or CSV rows into {command}."));
                return;
            }
            var badBaseUrl = ConnectionUrls.BaseUrlError(BaseUrl);
            if (badBaseUrl != null)
            {
                WriteError(badBaseUrl);
                return;
            }
            var change = new ConnectionChange
            {
                Name = Name,
                Kind = ConnectionKinds.Provider,
                Type = Type,
                Configuration = ConnectionSecrets.Configuration(Configuration,
                    new KeyValuePair<string, object?>("base_url", BaseUrl?.OriginalString),
                    new KeyValuePair<string, object?>("gateway_id", GatewayId?.Trim())),
                Credentials = ConnectionSecrets.Credentials(ApiKey, null, null),
                DefaultModel = DefaultModel,
            };
            if (!ShouldProcess($"provider '{Name}' ({Type})", "Create")) return;
            Guarded(() => WriteObject(Await(Client.CreateConnectionAsync(CompassClient.ProvidersCollection, change, StopToken)).ToPSObject()), Name);
        }
    }
}
