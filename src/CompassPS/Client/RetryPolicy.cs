using System;
using System.Globalization;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Threading;

namespace CompassPS.Client
{
    /// <summary>Whether a request may be sent again after a failure whose effect on the server is unknown.</summary>
    public enum RequestSafety
    {
        /// <summary>Reads, PUT, DELETE: sending twice has the effect of sending once.</summary>
        Idempotent,
        /// <summary>A write carrying an Idempotency-Key that the server honours: a repeat returns the first result.</summary>
        IdempotentByKey,
        /// <summary>A write the server may have carried out even if no answer arrived.</summary>
        Unsafe,
    }

    /// <summary>How far a failed attempt got, which decides whether a write may be retried.</summary>
    internal enum FailureStage
    {
        /// <summary>The request never reached the server (connection refused, name not resolved).</summary>
        NotSent,
        /// <summary>The server refused it before doing anything (429, 503).</summary>
        RejectedBeforeProcessing,
        /// <summary>The server may have done it (reset after sending, 502, 504, timeout).</summary>
        Ambiguous,
        /// <summary>Retrying cannot help (4xx other than 429, 500, bad bodies).</summary>
        Permanent,
    }

    /// <summary>
    /// Retry decisions and waits: Retry-After (seconds or an HTTP date) when the server sends it, else capped
    /// exponential backoff with full jitter. Every wait is capped by RetryMaxDelaySec.
    /// </summary>
    internal static class RetryPolicy
    {
        private static readonly ThreadLocal<Random> Jitter = new ThreadLocal<Random>(() => new Random(Guid.NewGuid().GetHashCode()));

        public static FailureStage StageOf(HttpStatusCode status)
        {
            switch ((int)status)
            {
                case 429:
                case 503:
                    return FailureStage.RejectedBeforeProcessing;
                case 502:
                case 504:
                    return FailureStage.Ambiguous;
                default:
                    return FailureStage.Permanent;
            }
        }

        /// <summary>A transport failure: refused connections never reached the server; anything else may have.</summary>
        public static FailureStage StageOf(Exception exception)
        {
            for (var e = exception; e != null; e = e.InnerException)
            {
                if (e is SocketException socket)
                {
                    switch (socket.SocketErrorCode)
                    {
                        case SocketError.ConnectionRefused:
                        case SocketError.HostNotFound:
                        case SocketError.HostUnreachable:
                        case SocketError.NetworkUnreachable:
                        case SocketError.TryAgain:
                        case SocketError.AddressNotAvailable:
                            return FailureStage.NotSent;
                    }
                    return FailureStage.Ambiguous;
                }
            }
            return FailureStage.Ambiguous;
        }

        public static bool MayRetry(RequestSafety safety, FailureStage stage)
        {
            if (stage == FailureStage.Permanent) return false;
            if (safety == RequestSafety.Unsafe) return stage == FailureStage.NotSent || stage == FailureStage.RejectedBeforeProcessing;
            return true;
        }

        /// <summary>The wait before retry number <paramref name="retry"/> (1-based).</summary>
        public static TimeSpan Delay(CompassClientOptions options, int retry, double? retryAfterSeconds)
        {
            var cap = Math.Max(0, options.RetryMaxDelaySec);
            double seconds;
            if (retryAfterSeconds is double asked)
            {
                seconds = Math.Min(Math.Max(0, asked), cap);
            }
            else
            {
                var ceiling = Math.Min(cap, options.RetryBaseDelaySec * Math.Pow(2, Math.Min(retry - 1, 30)));
                // Full jitter between half the ceiling and the ceiling: spreads many clients out, never waits 0.
                seconds = ceiling * (0.5 + 0.5 * Jitter.Value!.NextDouble());
            }
            return TimeSpan.FromSeconds(seconds);
        }

        /// <summary>Seconds from a Retry-After header: delta-seconds or an HTTP date; null when absent or unreadable.</summary>
        public static double? ParseRetryAfter(HttpResponseMessage response)
        {
            var header = response.Headers.RetryAfter;
            if (header != null)
            {
                if (header.Delta is TimeSpan delta) return Math.Max(0, delta.TotalSeconds);
                if (header.Date is DateTimeOffset date) return Math.Max(0, (date - DateTimeOffset.UtcNow).TotalSeconds);
            }
            // Fractional seconds are not standard but some proxies send them; HttpClient's parser rejects them.
            if (response.Headers.TryGetValues("Retry-After", out var raw))
            {
                foreach (var value in raw)
                {
                    if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var s) && s >= 0) return s;
                }
            }
            return null;
        }
    }
}
