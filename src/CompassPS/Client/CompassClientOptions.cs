using System;
using System.Globalization;

namespace CompassPS.Client
{
    /// <summary>
    /// Everything a <see cref="CompassTransport"/> needs, fixed when the transport is built.
    /// Defaults come from the environment (<see cref="CompassEnvironment"/>) and then from the constants here.
    /// </summary>
    public sealed class CompassClientOptions
    {
        public const int DefaultMaxRetries = 5;
        public const double DefaultRetryMaxDelaySec = 30;
        public const int DefaultTimeoutSec = 100;
        /// <summary>All attempts of one call together (answers, bodies and the waits between retries).</summary>
        public const int DefaultTotalTimeoutSec = 300;
        /// <summary>A stream that sends nothing (not even a keepalive, every 15 s) for this long is treated as dropped.</summary>
        public const double DefaultStreamIdleSec = 45;
        public const int DefaultPageSize = 100;
        public const int MaxPageSize = 200;
        /// <summary>A JSON body larger than this is refused as an invalid response rather than read into memory.</summary>
        public const long DefaultMaxResponseBytes = 64L * 1024 * 1024;

        public CompassClientOptions(Uri baseUrl, string apiKey)
        {
            BaseUrl = baseUrl ?? throw new ArgumentNullException(nameof(baseUrl));
            ApiKey = apiKey ?? throw new ArgumentNullException(nameof(apiKey));
        }

        /// <summary>The server's root (scheme, host, port and any path prefix before /v1), without a trailing slash.</summary>
        public Uri BaseUrl { get; }

        /// <summary>Sent only as the bearer header; never logged, never in an exception.</summary>
        internal string ApiKey { get; }

        public string? ProjectId { get; set; }
        public int MaxRetries { get; set; } = DefaultMaxRetries;
        public double RetryMaxDelaySec { get; set; } = DefaultRetryMaxDelaySec;
        /// <summary>The first wait of the exponential backoff; each further wait doubles it, up to RetryMaxDelaySec.</summary>
        public double RetryBaseDelaySec { get; set; } = 0.5;
        /// <summary>One request's limit (connect, send, answer, body). Streams use it for their headers only.</summary>
        public int TimeoutSec { get; set; } = DefaultTimeoutSec;
        /// <summary>
        /// One call's limit over all its attempts and the waits between them (0 = none): a read retried six times
        /// would otherwise take up to (MaxRetries + 1) x TimeoutSec plus backoff. Each attempt gets what is left,
        /// at most TimeoutSec.
        /// </summary>
        public int TotalTimeoutSec { get; set; } = DefaultTotalTimeoutSec;
        public double StreamIdleSec { get; set; } = DefaultStreamIdleSec;
        /// <summary>The most pages one listing fetches (0 = no cap); past it the listing ends with InvalidResponse.</summary>
        public int MaxPages { get; set; }
        public int PageSize { get; set; } = DefaultPageSize;
        public long MaxResponseBytes { get; set; } = DefaultMaxResponseBytes;
        public bool SkipCertificateCheck { get; set; }
        public string UserAgent { get; set; } = "CompassPS";

        public override string ToString() =>
            string.Format(CultureInfo.InvariantCulture, "{0} (MaxRetries {1}, RetryMaxDelaySec {2}, TimeoutSec {3}, TotalTimeoutSec {4})",
                BaseUrl, MaxRetries, RetryMaxDelaySec, TimeoutSec, TotalTimeoutSec);
    }
}
