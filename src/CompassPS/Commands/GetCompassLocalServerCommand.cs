using System.Linq;
using System.Management.Automation;

namespace CompassPS.Commands
{
    /// <summary>Lists the local servers this session started and has not stopped (one that ended on its own shows Status Exited).</summary>
    [Cmdlet(VerbsCommon.Get, "CompassLocalServer")]
    [OutputType(typeof(CompassLocalServer))]
    public sealed class GetCompassLocalServerCommand : CompassCmdletBase
    {
        [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
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
