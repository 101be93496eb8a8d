using System;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Security;

namespace CompassPS.Commands
{
    /// <summary>
    /// Asks a person for the API key, as Read-Host -AsSecureString does, but only where a person can answer: an
    /// interactive console (or the VS Code / ISE host). Never in pwsh -NonInteractive, with redirected input (a
    /// scheduler, CI, a pipe), or in a hosted runspace (Azure Automation, a service): there a prompt would hang a
    /// runbook, so the caller gives its usual "no API key" error instead.
    /// </summary>
    internal static class InteractivePrompt
    {
        public static bool CanPrompt(PSHostUserInterface? ui, PSHost? host)
        {
            if (ui is null || host is null || !Environment.UserInteractive) return false;
            switch (host.Name)
            {
                case "ConsoleHost":
                    return !Console.IsInputRedirected && !StartedNonInteractive();
                case "Visual Studio Code Host":
                case "Windows PowerShell ISE Host":
                    return true;
                default:
                    return false;
            }
        }

        /// <summary>The key typed by the user (not echoed), or null when no prompt is possible or nothing was typed.</summary>
        public static SecureString? ReadSecret(PSHost host, string prompt)
        {
            try
            {
                host.UI.Write(prompt);
                var value = host.UI.ReadLineAsSecureString();
                return value is null || value.Length == 0 ? null : value;
            }
            catch (Exception ex) when (ex is PSInvalidOperationException || ex is NotImplementedException || ex is InvalidOperationException || ex is System.IO.IOException)
            {
                // The host cannot read after all (a NonInteractive host says so this way).
                return null;
            }
        }

        /// <summary>pwsh accepts any prefix of -NonInteractive from -noni on, with - or / on Windows.</summary>
        private static bool StartedNonInteractive()
        {
            foreach (var argument in Environment.GetCommandLineArgs())
            {
                if (argument.Length < 2 || (argument[0] != '-' && argument[0] != '/')) continue;
                var name = argument.Substring(1).ToLowerInvariant();
                // Everything after -File or -Command belongs to the script, not to pwsh.
                if (name == "file" || name == "f" || name == "command" || name == "c") break;
                if (name.Length >= 4 && "noninteractive".StartsWith(name, StringComparison.Ordinal)) return true;
            }
            return false;
        }
    }
}
