using System;
using System.Management.Automation;
using CompassPS.Client;

namespace CompassPS.Commands
{
    /// <summary>
    /// The check New-CompassGateway and New-CompassProvider make on -BaseUrl. The server only calls the URL later,
    /// during a run, so a relative or non-HTTP URL is refused here, where the typo was made.
    /// </summary>
    internal static class ConnectionUrls
    {
        /// <summary>The error for a -BaseUrl that is not an absolute http:// or https:// URL; null when it is one or not given.</summary>
        public static ErrorRecord? BaseUrlError(Uri? baseUrl)
        {
            if (baseUrl is null || (baseUrl.IsAbsoluteUri && (baseUrl.Scheme == Uri.UriSchemeHttp || baseUrl.Scheme == Uri.UriSchemeHttps)))
            {
                return null;
            }
            return CompassErrors.Record(CompassErrorKind.InvalidInput, $"-BaseUrl '{baseUrl}' is not an absolute http:// or https:// URL.", baseUrl);
        }
    }
}
