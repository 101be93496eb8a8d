using System.Linq;
using System.Management.Automation;

namespace CompassPS.Commands
{
    /// <summary>Lists the local servers this session started and has not stopped (one that ended on its own shows Status Exited).</summary>
    [Cmdlet(VerbsCommon.Get, "CompassLocalServer")]
    [OutputType(typeof(CompassLocalServer))]
    public sealed class GetCompassLocalServerCommand : CompassCmdletBase
    {
        // Not bound from the pipeline: any object with a ProcessId property (a Get-Process row, say) would filter by it,
        // and objects bind by what they are (about_CompassPS, "Piping objects between cmdlets").
        [Parameter(Position = 0)]
        [ValidateNotNullOrEmpty]
        public int[]? ProcessId { get; set; }

        protected override void ProcessRecordCore()
        {
            foreach (var server in LocalServerProcesses.OfCurrentRunspace())
            {
                if (ProcessId != null && !ProcessId.Contains(server.ProcessId)) continue;
                WriteObject(server.ToPSObject());
            }
        }
    }
}
