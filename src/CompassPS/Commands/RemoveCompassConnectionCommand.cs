using System.Management.Automation;
using CompassPS.Client;

namespace CompassPS.Commands
{
    /// <summary>Deletes connections (needs an admin-scoped key). Confirms first (ConfirmImpact High) unless -Confirm:$false.</summary>
    [Cmdlet(VerbsCommon.Remove, "CompassConnection", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
    public sealed class RemoveCompassConnectionCommand : CompassApiCmdlet
    {
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("ConnectionId")]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(ConnectionIdCompleter))]
        public string[] Id { get; set; } = System.Array.Empty<string>();

        protected override void ProcessRecordCore()
        {
            foreach (var id in Id)
            {
                if (!ShouldProcess("connection " + id, "Remove")) continue;
                Guarded(() => Await(Client.DeleteConnectionAsync(CompassClient.ConnectionsCollection, id, StopToken)), id);
            }
        }
    }
}
