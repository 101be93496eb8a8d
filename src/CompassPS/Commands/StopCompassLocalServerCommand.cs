using System;
using System.Management.Automation;

namespace CompassPS.Commands
{
    /// <summary>
    /// Stops local servers started by Start-CompassLocalServer and waits for their processes to end: first as Ctrl+C
    /// would (runs end, data is flushed), then, after -TimeoutSec, by ending the process.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Stop, "CompassLocalServer", SupportsShouldProcess = true)]
    [OutputType(typeof(CompassLocalServer))]
    public sealed class StopCompassLocalServerCommand : CompassCmdletBase
    {
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
        [ValidateNotNull]
        public CompassLocalServer[] InputObject { get; set; } = Array.Empty<CompassLocalServer>();

        /// <summary>Seconds to wait for a graceful stop before the process is ended.</summary>
        [Parameter]
        [ValidateRange(0, 3600)]
        public int TimeoutSec { get; set; } = 10;

        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void ProcessRecordCore()
        {
            foreach (var server in InputObject)
            {
                if (server == null) continue;
                if (!ShouldProcess($"compass-local at {server.BaseUrl} (process {server.ProcessId})", "Stop")) continue;
                // Only this object's own process: a process id alone could by now name another program.
                LocalServerProcesses.Stop(server, TimeSpan.FromSeconds(TimeoutSec));
                server.StoppedByUser = true;
                WriteVerbose($"compass-local {server.ProcessId} stopped (exit code {server.ExitCode}).");
                if (PassThru) WriteObject(server.ToPSObject());
            }
        }
    }
}
