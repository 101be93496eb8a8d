using System.Management.Automation;

namespace CompassPS.Commands
{
    /// <summary>Forgets this runspace's default context and closes its connections.</summary>
    [Cmdlet(VerbsCommunications.Disconnect, "Compass")]
    [OutputType(typeof(void))]
    public sealed class DisconnectCompassCommand : CompassCmdletBase
    {
        /// <summary>A context to close instead of (or besides) the default; it stays usable and reconnects on next use.</summary>
        [Parameter(ValueFromPipeline = true)]
        public CompassContext? Context { get; set; }

        protected override void ProcessRecordCore()
        {
            Context?.ReleaseConnections();
            if (Context != null && !ReferenceEquals(Context, ContextStore.Default)) return;
            var old = ContextStore.ClearDefault();
            old?.ReleaseConnections();
            if (old != null) WriteVerbose($"Disconnected from {old.BaseUrl}.");
        }
    }
}
