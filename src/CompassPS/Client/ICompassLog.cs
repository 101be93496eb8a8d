namespace CompassPS.Client
{
    /// <summary>
    /// Where the client core reports what it does. Implementations must be thread-safe: the core calls them
    /// from background tasks. The cmdlet layer queues the messages and writes them on the pipeline thread.
    /// No message ever contains the API key: the core masks the Authorization header before logging.
    /// </summary>
    public interface ICompassLog
    {
        bool IsVerboseEnabled { get; }
        bool IsDebugEnabled { get; }
        /// <summary>Retries, reconnects, fallbacks: what a user watching -Verbose wants to see.</summary>
        void Verbose(string message);
        /// <summary>Every request and answer (method, URL, masked headers, status, size, time).</summary>
        void Debug(string message);
        /// <summary>Something the user should know even without -Verbose (e.g. events that could not be recovered).</summary>
        void Warning(string message);
    }

    /// <summary>A log that drops everything, for callers that want none.</summary>
    public sealed class NullCompassLog : ICompassLog
    {
        public static readonly NullCompassLog Instance = new NullCompassLog();
        private NullCompassLog() { }
        public bool IsVerboseEnabled => false;
        public bool IsDebugEnabled => false;
        public void Verbose(string message) { }
        public void Debug(string message) { }
        public void Warning(string message) { }
    }

    /// <summary>
    /// The log a <see cref="CompassClient"/> writes to: every line passes <see cref="SecretMask"/> first, because
    /// lines quote what the server chose (reason phrases, request ids, next-page links in URLs, error messages).
    /// </summary>
    internal sealed class MaskingLog : ICompassLog
    {
        private readonly ICompassLog _inner;
        private readonly string _secret;

        public MaskingLog(ICompassLog inner, string secret)
        {
            _inner = inner;
            _secret = secret;
        }

        public bool IsVerboseEnabled => _inner.IsVerboseEnabled;
        public bool IsDebugEnabled => _inner.IsDebugEnabled;
        public void Verbose(string message) => _inner.Verbose(SecretMask.Apply(message, _secret)!);
        public void Debug(string message) => _inner.Debug(SecretMask.Apply(message, _secret)!);
        public void Warning(string message) => _inner.Warning(SecretMask.Apply(message, _secret)!);
    }
}
