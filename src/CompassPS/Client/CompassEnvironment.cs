using System;
using System.Globalization;

namespace CompassPS.Client
{
    /// <summary>
    /// The environment variables CompassPS reads. The first three are the names the official Compass CLI uses;
    /// the others tune retries and timeouts for every context that does not set them itself.
    /// </summary>
    public static class CompassEnvironment
    {
        public const string BaseUrl = "COMPASS_BASE_URL";
        public const string ApiKey = "COMPASS_API_KEY";
        public const string ProjectId = "COMPASS_PROJECT_ID";
        public const string MaxRetries = "COMPASS_MAX_RETRIES";
        public const string RetryMaxDelaySec = "COMPASS_RETRY_MAX_DELAY_SEC";
        public const string TimeoutSec = "COMPASS_TIMEOUT_SEC";
        public const string StreamIdleSec = "COMPASS_STREAM_IDLE_SEC";
        /// <summary>All attempts of one call together; 0 switches the limit off.</summary>
        public const string TotalTimeoutSec = "COMPASS_TOTAL_TIMEOUT_SEC";
        /// <summary>The most pages one listing fetches; unset or 0 means no cap.</summary>
        public const string MaxPages = "COMPASS_MAX_PAGES";

        public static string? Get(string name)
        {
            var value = Environment.GetEnvironmentVariable(name);
            return string.IsNullOrWhiteSpace(value) ? null : value!.Trim();
        }

        /// <summary>A number from the environment, or the fallback when unset; a value that is not a number is an input error.</summary>
        public static double GetNumber(string name, double fallback, double min, double max)
        {
            var text = Get(name);
            if (text is null) return fallback;
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
            {
                throw new CompassApiException(CompassErrorKind.InvalidInput,
                    $"The environment variable {name} must be a number from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}; it is '{text}'.");
            }
            return value;
        }
    }
}
