using System;
using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using System.Security;
using CompassPS.Client;

namespace CompassPS
{
    /// <summary>
    /// Where and how to reach Compass: base URL, API key (a SecureString, never shown), optional project, retry and
    /// timeout limits (PSTypeName CompassPS.Context). Owns one HttpClient, created on first use and shared by
    /// every cmdlet and runspace that uses the context. Thread-safe.
    /// </summary>
    public sealed class CompassContext
    {
        private readonly object _gate = new object();
        private CompassTransport? _transport;

        private CompassContext(Uri baseUrl, SecureString apiKey)
        {
            BaseUrl = baseUrl;
            ApiKey = apiKey;
        }

        public Uri BaseUrl { get; }
        /// <summary>
        /// The key, kept as a SecureString; sent only as the bearer header. Internal, so that PowerShell sees no such
        /// property: Export-Clixml, PSSerializer and ConvertTo-Json write a context without its key (on Linux and
        /// macOS a serialized SecureString is only hex-encoded UTF-16). A context is rebuilt from its source
        /// (Connect-Compass, the environment), never from a file.
        /// </summary>
        internal SecureString ApiKey { get; }
        public string? ProjectId { get; private set; }
        public int MaxRetries { get; private set; }
        public double RetryMaxDelaySec { get; private set; }
        public int TimeoutSec { get; private set; }
        /// <summary>One call's limit over all its attempts and waits (0 = none): -TotalTimeoutSec or COMPASS_TOTAL_TIMEOUT_SEC.</summary>
        public int TotalTimeoutSec { get; private set; }
        public bool AllowUnencryptedAuthentication { get; private set; }
        public bool SkipCertificateCheck { get; private set; }
        /// <summary>"Connect-Compass" or "Environment": where the context came from.</summary>
        public string Source { get; private set; } = "";
        public DateTimeOffset CreatedAt { get; private set; }

        internal string UserAgent { get; private set; } = "CompassPS";
        internal double StreamIdleSec { get; private set; } = CompassClientOptions.DefaultStreamIdleSec;
        internal int MaxPages { get; private set; }

        /// <summary>
        /// Validates everything a user can get wrong and builds the context. Plain http is refused for any host but
        /// loopback unless <paramref name="allowUnencrypted"/>: the key would cross the network in clear text.
        /// </summary>
        public static CompassContext Create(
            string baseUrl, SecureString apiKey, string? projectId, int? maxRetries, double? retryMaxDelaySec, int? timeoutSec,
            bool allowUnencrypted, bool skipCertificateCheck, string source, string userAgent, int? totalTimeoutSec = null)
        {
            if (!Uri.TryCreate(baseUrl?.Trim(), UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            {
                throw new CompassApiException(CompassErrorKind.InvalidInput, $"The base URL '{baseUrl}' is not an absolute http:// or https:// URL.");
            }
            if (!string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment) || !string.IsNullOrEmpty(uri.UserInfo))
            {
                throw new CompassApiException(CompassErrorKind.InvalidInput, "The base URL must not carry a query, a fragment or user information.");
            }
            if (uri.Scheme == Uri.UriSchemeHttp && !IsLoopback(uri) && !allowUnencrypted)
            {
                throw new CompassApiException(CompassErrorKind.InsecureTransport,
                    $"Refusing to send the API key over plain http to {uri.Host}: use https, or -AllowUnencryptedAuthentication if you accept the risk.");
            }
            if (apiKey is null || apiKey.Length == 0)
            {
                throw new CompassApiException(CompassErrorKind.InvalidInput, "The API key is empty.");
            }
            var context = new CompassContext(NormalizeBase(uri), apiKey.Copy())
            {
                ProjectId = string.IsNullOrWhiteSpace(projectId) ? null : projectId!.Trim(),
                MaxRetries = maxRetries ?? (int)CompassEnvironment.GetNumber(CompassEnvironment.MaxRetries, CompassClientOptions.DefaultMaxRetries, 0, 100),
                RetryMaxDelaySec = retryMaxDelaySec ?? CompassEnvironment.GetNumber(CompassEnvironment.RetryMaxDelaySec, CompassClientOptions.DefaultRetryMaxDelaySec, 0, 3600),
                TimeoutSec = timeoutSec ?? (int)CompassEnvironment.GetNumber(CompassEnvironment.TimeoutSec, CompassClientOptions.DefaultTimeoutSec, 1, 86400),
                TotalTimeoutSec = totalTimeoutSec ?? (int)CompassEnvironment.GetNumber(CompassEnvironment.TotalTimeoutSec, CompassClientOptions.DefaultTotalTimeoutSec, 0, 604800),
                MaxPages = (int)CompassEnvironment.GetNumber(CompassEnvironment.MaxPages, 0, 0, int.MaxValue),
                StreamIdleSec = CompassEnvironment.GetNumber(CompassEnvironment.StreamIdleSec, CompassClientOptions.DefaultStreamIdleSec, 1, 86400),
                AllowUnencryptedAuthentication = allowUnencrypted,
                SkipCertificateCheck = skipCertificateCheck,
                Source = source,
                UserAgent = userAgent,
                CreatedAt = DateTimeOffset.UtcNow,
            };
            context.ApiKey.MakeReadOnly();
            return context;
        }

        internal static bool IsLoopback(Uri uri)
        {
            if (string.Equals(uri.Host, "localhost", StringComparison.OrdinalIgnoreCase)) return true;
            var host = uri.HostNameType == UriHostNameType.IPv6 ? uri.Host.Trim('[', ']') : uri.Host;
            return IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address);
        }

        /// <summary>"https://host/v1/" and "https://host" both mean the server at https://host: routes add /v1 themselves.</summary>
        private static Uri NormalizeBase(Uri uri)
        {
            var path = uri.AbsolutePath.TrimEnd('/');
            if (path.EndsWith("/v1", StringComparison.OrdinalIgnoreCase)) path = path.Substring(0, path.Length - 3);
            return new Uri(uri.GetLeftPart(UriPartial.Authority) + path);
        }

        /// <summary>The shared transport, created on first use.</summary>
        internal CompassTransport Transport
        {
            get
            {
                lock (_gate)
                {
                    return _transport ??= new CompassTransport(BuildOptions());
                }
            }
        }

        /// <summary>Closes the context's connections; a later use opens new ones.</summary>
        internal void ReleaseConnections()
        {
            CompassTransport? old;
            lock (_gate)
            {
                old = _transport;
                _transport = null;
            }
            old?.Dispose();
        }

        private CompassClientOptions BuildOptions()
        {
            var pointer = IntPtr.Zero;
            string key;
            try
            {
                pointer = Marshal.SecureStringToGlobalAllocUnicode(ApiKey);
                key = Marshal.PtrToStringUni(pointer) ?? "";
            }
            finally
            {
                if (pointer != IntPtr.Zero) Marshal.ZeroFreeGlobalAllocUnicode(pointer);
            }
            return new CompassClientOptions(BaseUrl, key)
            {
                ProjectId = ProjectId,
                MaxRetries = MaxRetries,
                RetryMaxDelaySec = RetryMaxDelaySec,
                TimeoutSec = TimeoutSec,
                TotalTimeoutSec = TotalTimeoutSec,
                MaxPages = MaxPages,
                StreamIdleSec = StreamIdleSec,
                SkipCertificateCheck = SkipCertificateCheck,
                UserAgent = UserAgent,
            };
        }

        /// <summary>The stable PSTypeName the views and scripts key on.</summary>
        public const string TypeName = "CompassPS.Context";

        /// <summary>The context as written to the pipeline, with its PSTypeName.</summary>
        public System.Management.Automation.PSObject ToPSObject()
        {
            var ps = System.Management.Automation.PSObject.AsPSObject(this);
            if (!ps.TypeNames.Contains(TypeName)) ps.TypeNames.Insert(0, TypeName);
            return ps;
        }

        /// <summary>The key's role in its project ("admin", "member") as Connect-Compass's check found it; null when not checked or not told.</summary>
        public string? KeyRole { get; internal set; }
        /// <summary>The key's name as the server told Connect-Compass's check.</summary>
        public string? KeyName { get; internal set; }
        /// <summary>The key's project as the server told Connect-Compass's check (ProjectId stays what was asked for).</summary>
        public string? KeyProjectId { get; internal set; }
        public string? KeyProjectName { get; internal set; }
        /// <summary>The CLI profile the context's settings were completed from, if any.</summary>
        public string? ProfileName { get; internal set; }

        /// <summary>Never shows the key.</summary>
        public override string ToString() =>
            string.Format(CultureInfo.InvariantCulture, "{0} (API key ********{1})", BaseUrl, ProjectId is null ? "" : ", project " + ProjectId);
    }
}
