using System.Collections.Generic;
using System.Management.Automation;
using System.Security;
using CompassPS.Client;

namespace CompassPS.Commands
{
    /// <summary>
    /// Builds a context (URL, key, limits), checks it with one cheap read (unless -SkipCheck) and makes it this
    /// runspace's default. Each setting comes, as for the official CLI, from a parameter, else the environment, else
    /// a CLI profile (-Profile / COMPASS_PROFILE / the file's current one); the key may also come from a
    /// SecretManagement vault (-SecretName) or, at an interactive console only, from a prompt.
    /// </summary>
    [Cmdlet(VerbsCommunications.Connect, "Compass", DefaultParameterSetName = ApiKeySet)]
    [OutputType(typeof(CompassContext))]
    public sealed class ConnectCompassCommand : CompassCmdletBase
    {
        private const string ApiKeySet = "ApiKey";
        private const string CredentialSet = "Credential";
        private const string SecretSet = "Secret";

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

        /// <summary>The name of a SecretManagement secret holding the key (a SecureString, string or PSCredential secret).</summary>
        [Parameter(ParameterSetName = SecretSet, Mandatory = true)]
        [ValidateNotNullOrEmpty]
        public string? SecretName { get; set; }

        /// <summary>The SecretManagement vault to read -SecretName from; all registered vaults when not given.</summary>
        [Parameter(ParameterSetName = SecretSet)]
        [ValidateNotNullOrEmpty]
        public string? Vault { get; set; }

        /// <summary>A profile of the official CLI's profiles file (~/.config/compass/config.json) for the settings not given otherwise.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Profile { get; set; }

        /// <summary>Do not check the connection (offline setup, a server that is not up yet).</summary>
        [Parameter]
        public SwitchParameter SkipCheck { get; set; }

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
            var settings = ResolveSettings();
            if (settings is null) return;
            var (baseUrl, key, projectId, profile) = settings.Value;
            var context = CompassContext.Create(baseUrl, key, projectId, MaxRetries, RetryMaxDelaySec, TimeoutSec,
                AllowUnencryptedAuthentication.IsPresent, SkipCertificateCheck.IsPresent, "Connect-Compass", UserAgent(),
                totalTimeoutSec: TotalTimeoutSec);
            if (context.SkipCertificateCheck)
            {
                WriteWarning("Certificate validation is switched off for this context (-SkipCertificateCheck): anyone between you and the server can read the API key.");
            }
            context.ProfileName = profile?.Name;
            if (!SkipCheck && !Check(context)) return;
            ContextStore.SetDefault(context);
            WriteVerbose($"Connected to {context.BaseUrl} (MaxRetries {context.MaxRetries}, RetryMaxDelaySec {context.RetryMaxDelaySec}, TimeoutSec {context.TimeoutSec}).");
            if (PassThru) WriteObject(context.ToPSObject());
        }

        /// <summary>
        /// The URL, key, project and profile, each from its parameter, else the environment, else the CLI profile; the
        /// key also from a vault or a prompt. Null after writing an error.
        /// </summary>
        private (string BaseUrl, SecureString Key, string? ProjectId, CompassProfile? Profile)? ResolveSettings()
        {
            SecureString? key = Credential?.Password ?? ApiKey;
            if (SecretName != null)
            {
                key = CompassSecretVault.Read(this, SecretName, Vault);
                if (key is null) return null;
            }
            var baseUrl = BaseUrl ?? CompassEnvironment.Get(CompassEnvironment.BaseUrl);
            var environmentKey = CompassEnvironment.Get(CompassEnvironment.ApiKey);

            // The profiles file is read only when a profile is asked for or a setting is still missing.
            var profileName = Profile ?? CompassEnvironment.Get(CompassProfiles.ProfileVariable);
            CompassProfile? profile = null;
            if (profileName != null || baseUrl is null || (key is null && environmentKey is null))
            {
                var warnings = new List<string>();
                profile = CompassProfiles.Read(CompassProfiles.DefaultPath, profileName,
                    Profile != null ? "-Profile" : CompassProfiles.ProfileVariable, warnings);
                foreach (var warning in warnings) WriteWarning(warning);
                if (profile != null) WriteVerbose($"Settings not given otherwise come from the Compass CLI profile '{profile.Name}' ({CompassProfiles.DefaultPath}).");
            }

            baseUrl ??= profile?.BaseUrl
                ?? throw new CompassApiException(CompassErrorKind.InvalidInput, "No base URL: give -BaseUrl, set COMPASS_BASE_URL, or use a Compass CLI profile (-Profile).");
            if (key is null && environmentKey != null) key = ContextStore.ToSecureString(environmentKey);
            if (key is null && profile?.ApiKey != null) key = ContextStore.ToSecureString(profile.ApiKey);
            if (key is null && InteractivePrompt.CanPrompt(Host?.UI, Host))
            {
                key = InteractivePrompt.ReadSecret(Host!, $"API key for {baseUrl}: ");
            }
            if (key is null)
            {
                throw new CompassApiException(CompassErrorKind.InvalidInput,
                    "No API key: give -ApiKey, -Credential or -SecretName, set COMPASS_API_KEY, or use a Compass CLI profile (-Profile).");
            }
            var projectId = ProjectId ?? CompassEnvironment.Get(CompassEnvironment.ProjectId) ?? profile?.ProjectId;
            return (baseUrl, key, projectId, profile);
        }

        /// <summary>
        /// One cheap read with the new context, so a wrong URL or key fails here and not at the first real command;
        /// says which project and role the key has. False after writing the error (the context is not kept).
        /// </summary>
        private bool Check(CompassContext context)
        {
            KeyIdentity identity;
            try
            {
                identity = Await(new CompassClient(context.Transport, Log).CheckKeyAsync(StopToken));
            }
            catch (CompassApiException ex)
            {
                context.ReleaseConnections();
                WriteError(CompassErrors.Record(ex.Rephrased(ex.Kind,
                    $"Connect-Compass could not use {context.BaseUrl}: {ex.Message} (Nothing was changed; -SkipCheck connects without checking.)"), context.BaseUrl));
                return false;
            }
            context.KeyName = identity.KeyName;
            context.KeyRole = identity.Role;
            context.KeyProjectId = identity.ProjectId;
            context.KeyProjectName = identity.ProjectName;
            var project = identity.ProjectName != null && identity.ProjectId != null ? $"{identity.ProjectName} ({identity.ProjectId})"
                : identity.ProjectName ?? identity.ProjectId ?? "the key's own";
            var role = identity.Role is null ? "its role not told by the server" : "role " + identity.Role;
            var name = identity.KeyName is null ? "the key" : $"key '{identity.KeyName}'";
            WriteInformation(new HostInformationMessage { Message = $"Connected to {context.BaseUrl}: project {project}, {name}, {role}." },
                new[] { "PSHOST", "CompassPS.Connect" });
            return true;
        }
    }
}
