using System.Management.Automation;
using CompassPS.Client;

namespace CompassPS.Commands
{
    /// <summary>
    /// Deletes connections (needs an admin-scoped key), once the input has ended. Confirms first (ConfirmImpact High)
    /// unless -Confirm:$false.
    /// </summary>
    [Cmdlet(VerbsCommon.Remove, "CompassConnection", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
    public sealed class RemoveCompassConnectionCommand : CompassApiCmdlet
    {
        private PipelineWrites? _removals;

        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("ConnectionId")]
        [PipeBindNull]
        [ValidatePipeBind]
        [ArgumentCompleter(typeof(ConnectionIdCompleter))]
        public ConnectionPipeBind[] Id { get; set; } = System.Array.Empty<ConnectionPipeBind>();

        /// <summary>A removal shrinks every list the connection was in (connections, providers, gateways): held until the input ends.</summary>
        private PipelineWrites Removals => _removals ??= new PipelineWrites(holdUntilInputEnds: true, Remove);

        protected override void ProcessRecordCore() => Removals.Add(Resolve(Id, PipeBindRules.For<Connection>(MyInvocation.MyCommand.Name, c => c.Id)));

        protected override void EndProcessingCore() => Removals.Complete();

        private void Remove(string id)
        {
            if (!ShouldProcess("connection " + id, "Remove")) return;
            Guarded(() => Await(Client.DeleteConnectionAsync(CompassClient.ConnectionsCollection, id, StopToken)), id);
        }
    }
}
