using System;
using System.Collections.Generic;
using System.Management.Automation.Runspaces;
using System.Runtime.CompilerServices;
using System.Security;
using System.Security.Cryptography;
using System.Text;
using CompassPS.Client;

namespace CompassPS.Commands
{
    /// <summary>
    /// The default context of each runspace (never process-wide: two runbooks in one process, or the runspaces
    /// of ForEach-Object -Parallel, never see each other's default). Keyed weakly by the Runspace object, so a
    /// closed runspace takes its default with it.
    /// </summary>
    internal static class ContextStore
    {
        private sealed class Slot
        {
            public CompassContext? Default;
            public CompassContext? FromEnvironment;
            public string? EnvironmentFingerprint;
        }

        private static readonly ConditionalWeakTable<Runspace, Slot> Slots = new ConditionalWeakTable<Runspace, Slot>();

        private static Slot Current
        {
            get
            {
                var runspace = Runspace.DefaultRunspace
                    ?? throw new InvalidOperationException("CompassPS cmdlets must run on a PowerShell pipeline thread.");
                return Slots.GetValue(runspace, _ => new Slot());
            }
        }

        public static CompassContext? Default
        {
            get { lock (Slots) return Current.Default; }
        }

        public static void SetDefault(CompassContext context)
        {
            lock (Slots) Current.Default = context;
        }

        /// <summary>Forgets the runspace's default (and the one built from the environment); returns the one forgotten.</summary>
        public static CompassContext? ClearDefault()
        {
            lock (Slots)
            {
                var slot = Current;
                var old = slot.Default;
                slot.Default = null;
                slot.FromEnvironment?.ReleaseConnections();
                slot.FromEnvironment = null;
                slot.EnvironmentFingerprint = null;
                return old;
            }
        }

        /// <summary>
        /// The context COMPASS_BASE_URL / COMPASS_API_KEY / COMPASS_PROJECT_ID describe, or null when they are unset.
        /// With COMPASS_PROFILE set, the official CLI's profile of that name supplies what those leave out (as for
        /// the CLI: the environment first, then the profile). Built once per runspace and reused while the settings
        /// keep their values (one HttpClient, not one per call); <paramref name="warn"/> hears about the profiles
        /// file (readable by others) when the context is built.
        /// </summary>
        public static CompassContext? FromEnvironment(string userAgent, Action<string>? warn = null)
        {
            var baseUrl = CompassEnvironment.Get(CompassEnvironment.BaseUrl);
            var key = CompassEnvironment.Get(CompassEnvironment.ApiKey);
            var project = CompassEnvironment.Get(CompassEnvironment.ProjectId);
            var profileName = CompassEnvironment.Get(CompassProfiles.ProfileVariable);
            var warnings = new List<string>();
            CompassProfile? profile = null;
            if ((baseUrl is null || key is null) && profileName != null)
            {
                profile = CompassProfiles.Read(CompassProfiles.DefaultPath, profileName, CompassProfiles.ProfileVariable, warnings);
                baseUrl ??= profile?.BaseUrl;
                key ??= profile?.ApiKey;
                project ??= profile?.ProjectId;
            }
            if (baseUrl is null || key is null) return null;
            var fingerprint = Fingerprint(baseUrl, key, project);
            lock (Slots)
            {
                var slot = Current;
                if (slot.FromEnvironment != null && slot.EnvironmentFingerprint == fingerprint) return slot.FromEnvironment;
                var secure = ToSecureString(key);
                var context = CompassContext.Create(baseUrl, secure, project, null, null, null, allowUnencrypted: false,
                    skipCertificateCheck: false, source: "Environment", userAgent: userAgent);
                context.ProfileName = profile?.Name;
                slot.FromEnvironment?.ReleaseConnections();
                slot.FromEnvironment = context;
                slot.EnvironmentFingerprint = fingerprint;
                if (warn != null) foreach (var warning in warnings) warn(warning);
                return context;
            }
        }

        internal static SecureString ToSecureString(string text)
        {
            var secure = new SecureString();
            foreach (var ch in text) secure.AppendChar(ch);
            secure.MakeReadOnly();
            return secure;
        }

        // A hash, so the key is not kept as plain text beside the context.
        private static string Fingerprint(string baseUrl, string key, string? project)
        {
            using var sha = SHA256.Create();
            return Convert.ToBase64String(sha.ComputeHash(Encoding.UTF8.GetBytes(baseUrl + "\n" + key + "\n" + project)));
        }
    }
}
