using System;
using System.Management.Automation;
using System.Security;

namespace CompassPS.Commands
{
    /// <summary>
    /// Reads an API key from a SecretManagement vault (Connect-Compass -SecretName). The module is called, never
    /// referenced: CompassPS takes no dependency on it, and a machine without it gets one error that names it.
    /// </summary>
    internal static class CompassSecretVault
    {
        public const string ModuleName = "Microsoft.PowerShell.SecretManagement";
        public const string NotInstalledErrorId = "CompassPS.SecretManagementNotInstalled";
        public const string SecretUnavailableErrorId = "CompassPS.SecretUnavailable";

        /// <summary>The secret as a SecureString, or null after writing one error (module missing, secret missing or of the wrong type).</summary>
        public static SecureString? Read(PSCmdlet cmdlet, string name, string? vault)
        {
            // Imported explicitly (a no-op when it already is): command discovery alone may describe the module's
            // functions without running the module, and autoloading may be switched off.
            try
            {
                using var import = PowerShell.Create(RunspaceMode.CurrentRunspace);
                import.AddCommand("Import-Module").AddParameter("Name", ModuleName).AddParameter("ErrorAction", ActionPreference.Stop).Invoke();
            }
            catch (RuntimeException)
            {
                cmdlet.WriteError(new ErrorRecord(
                    new InvalidOperationException(
                        $"Connect-Compass -SecretName needs the PowerShell module {ModuleName}, which is not installed (or cannot be imported) here. " +
                        $"Install it and register a vault (Install-PSResource {ModuleName}; Register-SecretVault ...), or give the key with -ApiKey, -Credential or COMPASS_API_KEY."),
                    NotInstalledErrorId, ErrorCategory.NotInstalled, name));
                return null;
            }

            object? value;
            try
            {
                using var shell = PowerShell.Create(RunspaceMode.CurrentRunspace);
                // Module-qualified, so a Get-Secret of another module (or a user's function) is never called by mistake.
                shell.AddCommand(ModuleName + "\\Get-Secret").AddParameter("Name", name).AddParameter("ErrorAction", ActionPreference.Stop);
                if (!string.IsNullOrEmpty(vault)) shell.AddParameter("Vault", vault);
                var results = shell.Invoke();
                value = results.Count == 0 ? null : results[0]?.BaseObject;
            }
            catch (RuntimeException ex)
            {
                // Get-Secret's own words (secret or vault not found, vault locked); they never contain the secret.
                return Unavailable(cmdlet, name, vault, ex.ErrorRecord?.Exception?.Message ?? ex.Message);
            }

            switch (value)
            {
                case SecureString secure when secure.Length > 0:
                    return secure;
                case string text when text.Length > 0:
                    return ContextStore.ToSecureString(text);
                case PSCredential credential when credential.Password.Length > 0:
                    return credential.Password;
                case null:
                    return Unavailable(cmdlet, name, vault, "Get-Secret returned nothing.");
                default:
                    return Unavailable(cmdlet, name, vault,
                        $"it is a {value.GetType().Name} (or empty); an API key must be a SecureString, string or PSCredential secret.");
            }
        }

        private static SecureString? Unavailable(PSCmdlet cmdlet, string name, string? vault, string reason)
        {
            var where = string.IsNullOrEmpty(vault) ? "the registered vaults" : $"vault '{vault}'";
            cmdlet.WriteError(new ErrorRecord(
                new InvalidOperationException($"The API key could not be read from secret '{name}' in {where}: {reason}"),
                SecretUnavailableErrorId, ErrorCategory.ReadError, name));
            return null;
        }
    }
}
