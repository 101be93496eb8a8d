using System.Management.Automation;
using CompassPS.Client;

namespace CompassPS.Commands
{
    /// <summary>
    /// Base of every cmdlet that calls the API: the -Context parameter, its resolution (-Context, then the
    /// runspace default set by Connect-Compass, then COMPASS_BASE_URL / COMPASS_API_KEY / COMPASS_PROJECT_ID) and
    /// a <see cref="CompassClient"/> whose log writes to this command's Verbose/Debug streams.
    /// </summary>
    public abstract class CompassApiCmdlet : CompassCmdletBase
    {
        private CompassClient? _client;

        /// <summary>The context to use instead of the runspace default (from Connect-Compass -PassThru).</summary>
        [Parameter]
        [ValidateNotNull]
        [ContextTransformation]
        public CompassContext? Context { get; set; }

        /// <summary>The client for this invocation, resolved on first use.</summary>
        protected CompassClient Client => _client ??= new CompassClient(ResolveContext().Transport, Log);

        protected CompassContext ResolveContext()
        {
            var context = Context ?? ContextStore.Default ?? ContextStore.FromEnvironment(UserAgent(), WriteWarning);
            if (context is null)
            {
                throw new CompassApiException(CompassErrorKind.NotConnected,
                    "Not connected to Compass: run Connect-Compass, pass -Context, or set COMPASS_BASE_URL and COMPASS_API_KEY (or COMPASS_PROFILE).");
            }
            return context;
        }
    }
}
