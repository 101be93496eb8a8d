using System;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;

namespace CompassPS.Client
{
    /// <summary>
    /// The long-lived part of a connection: one HttpClient (one connection pool) per context, shared by every
    /// cmdlet and runspace that uses the context. Thread-safe. Per-invocation state (the log) lives in
    /// <see cref="CompassClient"/>, which is cheap to create over a transport.
    /// </summary>
    public sealed class CompassTransport : IDisposable
    {
        private readonly HttpClient _http;

        public CompassTransport(CompassClientOptions options)
        {
            Options = options ?? throw new ArgumentNullException(nameof(options));
            var handler = new HttpClientHandler
            {
                // A redirect would resend the Authorization header (or silently drop it, depending on the runtime);
                // either is wrong for an API that never redirects, so the client reports it instead.
                AllowAutoRedirect = false,
                UseCookies = false,
                AutomaticDecompression = DecompressionMethods.GZip | DecompressionMethods.Deflate,
                // Windows PowerShell's default is 2 connections per host, too few for concurrent dispatch and waits.
                MaxConnectionsPerServer = 64,
            };
            if (options.SkipCertificateCheck)
            {
                handler.ServerCertificateCustomValidationCallback = (message, certificate, chain, errors) => true;
            }
            _http = new HttpClient(handler, disposeHandler: true)
            {
                // Each request gets its own deadline (TimeoutSec); streams must not be cut by a client-wide one.
                Timeout = System.Threading.Timeout.InfiniteTimeSpan,
            };
            // Added as plain text: parsed values would be formatted again for every request.
            _http.DefaultRequestHeaders.TryAddWithoutValidation("User-Agent", options.UserAgent);
            _http.DefaultRequestHeaders.TryAddWithoutValidation("Accept", "application/json");
            AuthorizationHeader = new AuthenticationHeaderValue("Bearer", options.ApiKey);
            _baseUrl = options.BaseUrl.AbsoluteUri.TrimEnd('/');
        }

        private readonly string _baseUrl;

        public CompassClientOptions Options { get; }

        internal HttpClient Http => _http;

        internal AuthenticationHeaderValue AuthorizationHeader { get; }

        /// <summary>An absolute URL for a path such as "/v1/runs/" (plus an already-escaped query).</summary>
        internal Uri BuildUri(string pathAndQuery) => new Uri(_baseUrl + pathAndQuery);

        public void Dispose() => _http.Dispose();

        public override string ToString() => "CompassTransport " + Options.BaseUrl;
    }
}
