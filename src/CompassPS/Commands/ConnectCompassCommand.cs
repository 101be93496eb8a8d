using System.Management.Automation;
using System.Security;
using CompassPS.Client;

namespace CompassPS.Commands
{
    /// <summary>Builds a context (URL, key, limits) and makes it this runspace's default.</summary>
    [Cmdlet(VerbsCommunications.Connect, "Compass", DefaultParameterSetName = ApiKeySet)]
    [OutputType(typeof(CompassContext))]
    public sealed class ConnectCompassCommand : CompassCmdletBase
    {
        private const string ApiKeySet = "ApiKey";
        private const string CredentialSet = "Credential";

        [Parameter(Position = 0)]
        [ValidateNotNullOrEmpty]
        public string? BaseUrl { get; set; }

        [Parameter(ParameterSetName = ApiKeySet)]
        [SecureStringTransformation]
        [ValidateNotNull]
        public SecureString? ApiKey { get; set; }

        /// <summary>A credential whose password is the API key (the user name is ignored): fits secret stores and Get-Credential.</summary>
        [Parameter(ParameterSetName = CredentialSet, Mandatory = true)]
        [ValidateNotNull]
        public PSCredential? Credential { get; set; }

        [Parameter]
        public string? ProjectId { get; set; }

        [Parameter]
        [ValidateRange(0, 100)]
        public int? MaxRetries { get; set; }

        [Parameter]
        [ValidateRange(0.0, 3600.0)]
        public double? RetryMaxDelaySec { get; set; }

        [Parameter]
        [ValidateRange(1, 86400)]
        public int? TimeoutSec { get; set; }

        /// <summary>One call's limit over all its attempts and the waits between them; 0 switches it off (issue 15).</summary>
        [Parameter]
        [ValidateRange(0, 604800)]
        public int? TotalTimeoutSec { get; set; }

        [Parameter]
        public SwitchParameter AllowUnencryptedAuthentication { get; set; }

        [Parameter]
        public SwitchParameter SkipCertificateCheck { get; set; }

        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void EndProcessingCore()
        {
            var baseUrl = BaseUrl ?? CompassEnvironment.Get(CompassEnvironment.BaseUrl)
                ?? throw new CompassApiException(CompassErrorKind.InvalidInput, "No base URL: give -BaseUrl or set COMPASS_BASE_URL.");
            var key = Credential?.Password ?? ApiKey;
            if (key is null)
            {
                var fromEnvironment = CompassEnvironment.Get(CompassEnvironment.ApiKey)
                    ?? throw new CompassApiException(CompassErrorKind.InvalidInput, "No API key: give -ApiKey or -Credential, or set COMPASS_API_KEY.");
                key = ContextStore.ToSecureString(fromEnvironment);
            }
            var projectId = ProjectId ?? CompassEnvironment.Get(CompassEnvironment.ProjectId);
            var context = CompassContext.Create(baseUrl, key, projectId, MaxRetries, RetryMaxDelaySec, TimeoutSec,
                AllowUnencryptedAuthentication.IsPresent, SkipCertificateCheck.IsPresent, "Connect-Compass", UserAgent(),
                totalTimeoutSec: TotalTimeoutSec);
            if (context.SkipCertificateCheck)
            {
                WriteWarning("Certificate validation is switched off for this context (-SkipCertificateCheck): anyone between you and the server can read the API key.");
            }
            ContextStore.SetDefault(context);
            WriteVerbose($"Connected to {context.BaseUrl} (MaxRetries {context.MaxRetries}, RetryMaxDelaySec {context.RetryMaxDelaySec}, TimeoutSec {context.TimeoutSec}).");
            if (PassThru) WriteObject(context.ToPSObject());
        }
    }
}
