using System;
using System.Globalization;

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

    /// <summary>
    /// A log that also wants each retry or reconnect as a notice, not only as a verbose line (the cmdlets show the
    /// first of a command as a warning and later ones as progress). Optional: the core checks for it.
    /// </summary>
    public interface ICompassRetryLog
    {
        /// <summary>Called (from any thread) when an attempt failed and the next one is about to be waited for.</summary>
        void Retrying(RetryNotice notice);
    }

    /// <summary>A retry or reconnect about to wait: what failed, which attempt comes next, and when.</summary>
    public sealed class RetryNotice
    {
        public RetryNotice(string operation, string reason, int attempt, int maxAttempts, TimeSpan delay, bool isReconnect)
        {
            Operation = operation;
            Reason = reason;
            Attempt = attempt;
            MaxAttempts = maxAttempts;
            Delay = delay;
            IsReconnect = isReconnect;
            NextAttemptAt = DateTimeOffset.Now + delay;
        }

        /// <summary>"GET /v1/runs/…", or "the event stream of run …".</summary>
        public string Operation { get; }
        /// <summary>What failed: "HTTP 503: …", "connection refused", ….</summary>
        public string Reason { get; }
        /// <summary>The number of the retry (or reconnect) about to be made, from 1.</summary>
        public int Attempt { get; }
        public int MaxAttempts { get; }
        public TimeSpan Delay { get; }
        public DateTimeOffset NextAttemptAt { get; }
        public bool IsReconnect { get; }

        public override string ToString() => string.Format(CultureInfo.InvariantCulture,
            "{0} failed ({1}); {2} {3} of {4} in {5:0.#} s, at {6:HH:mm:ss}.",
            Operation, Reason, IsReconnect ? "reconnect" : "retry", Attempt, MaxAttempts, Delay.TotalSeconds, NextAttemptAt);
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
    /// Retry notices pass through the same mask to an inner log that wants them.
    /// </summary>
    internal sealed class MaskingLog : ICompassLog, ICompassRetryLog
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

        public void Retrying(RetryNotice notice)
        {
            if (!(_inner is ICompassRetryLog retries)) return;
            retries.Retrying(new RetryNotice(SecretMask.Apply(notice.Operation, _secret)!, SecretMask.Apply(notice.Reason, _secret)!,
                notice.Attempt, notice.MaxAttempts, notice.Delay, notice.IsReconnect));
        }
    }
}
