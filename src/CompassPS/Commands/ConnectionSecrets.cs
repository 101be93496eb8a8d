using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Management.Automation;
using System.Security;
using CompassPS.Client;

namespace CompassPS.Commands
{
    /// <summary>
    /// Turns the secret parameters of the connection cmdlets (-ApiKey, -Credential, -SecretConfiguration) into the
    /// credentials of a request, and the plain ones into its configuration. Secrets stay SecureStrings throughout;
    /// no message here ever includes a secret's value.
    /// </summary>
    internal static class ConnectionSecrets
    {
        public const string ApiKeyField = "api_key";
        public const string UsernameField = "username";
        public const string PasswordField = "password";

        /// <summary>The credentials to send, or null when no secret parameter was given.</summary>
        public static IDictionary<string, SecureString>? Credentials(SecureString? apiKey, PSCredential? credential, IDictionary? secretConfiguration)
        {
            var secrets = new Dictionary<string, SecureString>(StringComparer.Ordinal);
            if (secretConfiguration != null)
            {
                foreach (DictionaryEntry entry in secretConfiguration)
                {
                    var name = Convert.ToString(entry.Key, CultureInfo.InvariantCulture) ?? "";
                    var value = entry.Value is PSObject ps ? ps.BaseObject : entry.Value;
                    if (name.Length == 0)
                    {
                        throw new CompassApiException(CompassErrorKind.InvalidInput, "-SecretConfiguration has an entry with an empty name.");
                    }
                    if (!(value is SecureString secure))
                    {
                        // The value is never repeated: it may be the secret itself.
                        throw new CompassApiException(CompassErrorKind.InvalidInput,
                            $"-SecretConfiguration '{name}' must be a SecureString (e.g. Read-Host -AsSecureString); its value is not used or shown.");
                    }
                    secrets[name] = secure;
                }
            }
            if (credential != null)
            {
                secrets[UsernameField] = ContextStore.ToSecureString(credential.UserName ?? "");
                secrets[PasswordField] = credential.Password;
            }
            if (apiKey != null) secrets[ApiKeyField] = apiKey;
            return secrets.Count > 0 ? secrets : null;
        }

        /// <summary>
        /// The configuration to send: -Configuration's entries, then the named settings (-BaseUrl, -HeaderName, ...)
        /// over them; null when there is none.
        /// </summary>
        public static IDictionary? Configuration(IDictionary? configuration, params KeyValuePair<string, object?>[] settings)
        {
            var merged = new System.Collections.Specialized.OrderedDictionary(StringComparer.Ordinal);
            if (configuration != null)
            {
                foreach (DictionaryEntry entry in configuration)
                {
                    var name = Convert.ToString(entry.Key, CultureInfo.InvariantCulture) ?? "";
                    var value = entry.Value is PSObject ps ? ps.BaseObject : entry.Value;
                    if (value is SecureString || value is PSCredential)
                    {
                        // Configuration is readable by every key of the project: a secret there would be exposed.
                        throw new CompassApiException(CompassErrorKind.InvalidInput,
                            $"-Configuration '{name}' is a secret; give it with -SecretConfiguration, -ApiKey or -Credential instead.");
                    }
                    merged[name] = entry.Value;
                }
            }
            foreach (var setting in settings)
            {
                if (setting.Value != null) merged[setting.Key] = setting.Value;
            }
            return merged.Count > 0 || configuration != null ? merged : null;
        }
    }

    /// <summary>
    /// Refuses a plain string for a secret parameter, without repeating it: a SecureString parameter would otherwise
    /// fail with PowerShell's conversion error, which quotes the value.
    /// </summary>
    internal sealed class SecureInputOnlyAttribute : ArgumentTransformationAttribute
    {
        public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
        {
            var value = inputData is PSObject ps ? ps.BaseObject : inputData;
            if (value is null || value is SecureString) return value;
            throw new ArgumentTransformationMetadataException(
                "Give the secret as a SecureString (e.g. Read-Host -AsSecureString, or a secret store); plain text is refused so that it is never echoed.");
        }
    }
}
