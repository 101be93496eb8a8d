using System.Management.Automation;
using CompassPS.Client;

namespace CompassPS.Commands
{
    /// <summary>
    /// The one mapping from a failure to an ErrorRecord: ErrorId "CompassPS.&lt;Kind&gt;" (stable, for scripts to
    /// test), the category, the target object, and a recommended action. Never includes the key: the message comes
    /// from CompassApiException, which is built without it.
    /// </summary>
    internal static class CompassErrors
    {
        public const string Prefix = "CompassPS.";

        public static string ErrorId(CompassErrorKind kind) => Prefix + kind;

        public static ErrorCategory Category(CompassErrorKind kind)
        {
            switch (kind)
            {
                case CompassErrorKind.NotFound: return ErrorCategory.ObjectNotFound;
                case CompassErrorKind.Unauthorized: return ErrorCategory.AuthenticationError;
                case CompassErrorKind.AdminKeyRequired:
                case CompassErrorKind.Forbidden: return ErrorCategory.PermissionDenied;
                case CompassErrorKind.Conflict: return ErrorCategory.InvalidOperation;
                case CompassErrorKind.ValidationFailed: return ErrorCategory.InvalidData;
                case CompassErrorKind.RequestRejected: return ErrorCategory.InvalidOperation;
                case CompassErrorKind.RateLimited: return ErrorCategory.LimitsExceeded;
                case CompassErrorKind.ServerError: return ErrorCategory.ResourceUnavailable;
                case CompassErrorKind.InvalidResponse: return ErrorCategory.InvalidResult;
                case CompassErrorKind.ConnectionFailed: return ErrorCategory.ConnectionError;
                case CompassErrorKind.Timeout: return ErrorCategory.OperationTimeout;
                case CompassErrorKind.NotConnected: return ErrorCategory.InvalidOperation;
                case CompassErrorKind.InsecureTransport: return ErrorCategory.SecurityError;
                case CompassErrorKind.InvalidInput: return ErrorCategory.InvalidArgument;
                default: return ErrorCategory.NotSpecified;
            }
        }

        private static string? RecommendedAction(CompassErrorKind kind)
        {
            switch (kind)
            {
                case CompassErrorKind.Unauthorized: return "Check the API key given to Connect-Compass (or COMPASS_API_KEY).";
                case CompassErrorKind.AdminKeyRequired: return "Use an admin key of the project for this change.";
                case CompassErrorKind.NotConnected: return "Run Connect-Compass, pass -Context, or set COMPASS_BASE_URL and COMPASS_API_KEY.";
                case CompassErrorKind.InsecureTransport: return "Use an https:// URL, or add -AllowUnencryptedAuthentication to accept sending the key in clear text.";
                case CompassErrorKind.RateLimited: return "Wait and try again, or raise -MaxRetries / -RetryMaxDelaySec on Connect-Compass.";
                case CompassErrorKind.ConnectionFailed: return "Check the base URL and that the server is reachable.";
                case CompassErrorKind.InvalidResponse: return "Check that the base URL points at a Compass server and not at a proxy or web page.";
                case CompassErrorKind.Timeout: return "Check the server; or raise the limit the message names (-TimeoutSec or -TotalTimeoutSec on Connect-Compass, or the wait's own -TimeoutSec).";
                default: return null;
            }
        }

        public static ErrorRecord Record(CompassApiException exception, object? target)
        {
            var record = new ErrorRecord(exception, ErrorId(exception.Kind), Category(exception.Kind), target);
            var action = RecommendedAction(exception.Kind);
            if (action != null) record.ErrorDetails = new ErrorDetails(exception.Message) { RecommendedAction = action };
            return record;
        }

        public static ErrorRecord Record(CompassErrorKind kind, string message, object? target) =>
            Record(new CompassApiException(kind, message), target);
    }
}
