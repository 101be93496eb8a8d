using System.Management.Automation;
using CompassPS.Client;

namespace CompassPS.Commands
{
    /// <summary>Has the server check connections (any key) and writes each result; the server records the status it found.</summary>
    [Cmdlet(VerbsDiagnostic.Test, "CompassConnection")]
    [OutputType(typeof(ConnectionHealth))]
    public sealed class TestCompassConnectionCommand : CompassApiCmdlet
    {
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("ConnectionId")]
        [PipeBindNull]
        [ValidatePipeBind]
        [ArgumentCompleter(typeof(ConnectionIdCompleter))]
        public ConnectionPipeBind[] Id { get; set; } = System.Array.Empty<ConnectionPipeBind>();

        protected override void ProcessRecordCore()
        {
            foreach (var id in Resolve(Id, PipeBinds.Connections(MyInvocation.MyCommand.Name)))
            {
                Guarded(() => WriteObject(Await(Client.TestConnectionAsync(CompassClient.ConnectionsCollection, id, StopToken)).ToPSObject()), id);
            }
        }
    }
}
