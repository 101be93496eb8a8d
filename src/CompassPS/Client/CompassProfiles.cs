using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace CompassPS.Client
{
    /// <summary>One profile of the official Compass CLI: any of its settings may be missing.</summary>
    public sealed class CompassProfile
    {
        public CompassProfile(string name) => Name = name;

        public string Name { get; }
        public string? BaseUrl { get; set; }
        /// <summary>Plain text only while the profile is being read; the caller turns it into a SecureString at once.</summary>
        internal string? ApiKey { get; set; }
        public string? ProjectId { get; set; }
    }

    /// <summary>
    /// Reads the official CLI's profiles file (~/.config/compass/config.json, mode 0600). Its exact layout is not
    /// documented, so it is read tolerantly: profiles as an object keyed by name or as a list of objects with a
    /// "name"; settings in snake_case or camelCase under a few plausible names; unknown fields ignored. Nothing read
    /// from the file is ever quoted in a message (it holds keys): errors name the file, the profile and a position.
    /// </summary>
    public static class CompassProfiles
    {
        /// <summary>The variable that names the profile to use, as for the CLI.</summary>
        public const string ProfileVariable = "COMPASS_PROFILE";

        private static readonly string[] ProfilesFields = { "profiles" };
        private static readonly string[] CurrentFields = { "current_profile", "currentProfile", "current", "active_profile", "activeProfile", "default_profile", "defaultProfile", "default" };
        private static readonly string[] BaseUrlFields = { "base_url", "baseUrl", "url", "api_url", "apiUrl", "endpoint" };
        private static readonly string[] ApiKeyFields = { "api_key", "apiKey", "key", "token" };
        private static readonly string[] ProjectFields = { "project_id", "projectId", "project" };

        /// <summary>~/.config/compass/config.json of the current user (USERPROFILE on Windows, HOME elsewhere).</summary>
        public static string DefaultPath
        {
            get
            {
                var home = RuntimeInformation.IsOSPlatform(OSPlatform.Windows)
                    ? Environment.GetEnvironmentVariable("USERPROFILE")
                    : Environment.GetEnvironmentVariable("HOME");
                if (string.IsNullOrEmpty(home)) home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
                return Path.Combine(home!, ".config", "compass", "config.json");
            }
        }

        /// <summary>
        /// The profile <paramref name="name"/>, or, when null, the file's current profile. Null when no name is
        /// asked for and the file does not exist or names no current profile. A named profile that is missing, or a
        /// file that is not JSON, is a <see cref="CompassErrorKind.InvalidInput"/> error naming the file.
        /// <paramref name="warnings"/> gets what the user should know (a file others can read).
        /// </summary>
        public static CompassProfile? Read(string path, string? name, string nameSource, List<string> warnings)
        {
            if (!File.Exists(path))
            {
                if (name is null) return null;
                throw new CompassApiException(CompassErrorKind.InvalidInput,
                    $"The Compass profile '{name}' ({nameSource}) cannot be read: there is no profiles file {path}. Create it with the Compass CLI (compass auth login), or connect with -BaseUrl and -ApiKey.");
            }
            var permissive = PermissiveMode(path);
            if (permissive != null)
            {
                warnings.Add($"The Compass profiles file {path} can be read by other users (mode {permissive}); it holds API keys. Restrict it: chmod 600 '{path}'.");
            }

            byte[] bytes;
            try
            {
                bytes = File.ReadAllBytes(path);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                throw new CompassApiException(CompassErrorKind.InvalidInput, $"The Compass profiles file {path} cannot be read: {ex.Message}");
            }
            try
            {
                using var document = JsonDocument.Parse(bytes, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
                return Select(document.RootElement, path, name, nameSource);
            }
            catch (JsonException ex)
            {
                // The parser's own message quotes the offending text, which may be part of a key: only the position.
                throw new CompassApiException(CompassErrorKind.InvalidInput,
                    $"The Compass profiles file {path} is not valid JSON (line {(ex.LineNumber ?? 0) + 1}, byte {(ex.BytePositionInLine ?? 0) + 1}).");
            }
        }

        private static CompassProfile? Select(JsonElement root, string path, string? name, string nameSource)
        {
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new CompassApiException(CompassErrorKind.InvalidInput, $"The Compass profiles file {path} does not hold a JSON object.");
            }
            var profiles = ProfilesOf(root);
            if (name is null)
            {
                name = First(root, CurrentFields);
                if (name is null) return null;
                nameSource = "the current profile of " + path;
            }
            foreach (var (profileName, settings) in profiles)
            {
                if (string.Equals(profileName, name, StringComparison.Ordinal)) return Read(profileName, settings);
            }
            var known = profiles.Count == 0 ? "none" : string.Join(", ", profiles.Select(p => "'" + p.Name + "'"));
            throw new CompassApiException(CompassErrorKind.InvalidInput,
                $"There is no Compass profile '{name}' ({nameSource}) in {path}. Profiles there: {known}.");
        }

        /// <summary>Each profile's name and object, in file order, whichever of the two layouts the file uses.</summary>
        private static List<(string Name, JsonElement Settings)> ProfilesOf(JsonElement root)
        {
            var found = new List<(string, JsonElement)>();
            JsonElement? container = null;
            foreach (var field in ProfilesFields)
            {
                if (TryGet(root, field, out var value)) { container = value; break; }
            }
            if (container is JsonElement list && list.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in list.EnumerateArray())
                {
                    if (item.ValueKind == JsonValueKind.Object && TryGet(item, "name", out var n) && n.ValueKind == JsonValueKind.String)
                    {
                        found.Add((n.GetString()!, item));
                    }
                }
                return found;
            }
            // An object keyed by profile name, under "profiles" or (with no such field) at the top of the file.
            var map = container is JsonElement obj && obj.ValueKind == JsonValueKind.Object ? obj : root;
            foreach (var property in map.EnumerateObject())
            {
                if (property.Value.ValueKind != JsonValueKind.Object) continue;
                if (container is null && !LooksLikeProfile(property.Value)) continue;
                found.Add((property.Name, property.Value));
            }
            return found;
        }

        private static bool LooksLikeProfile(JsonElement value) =>
            First(value, BaseUrlFields) != null || First(value, ApiKeyFields) != null || First(value, ProjectFields) != null;

        private static CompassProfile Read(string name, JsonElement settings) => new CompassProfile(name)
        {
            BaseUrl = First(settings, BaseUrlFields),
            ApiKey = First(settings, ApiKeyFields),
            ProjectId = First(settings, ProjectFields),
        };

        /// <summary>The first of the fields that holds a non-blank string (any other type is ignored, as unknown).</summary>
        private static string? First(JsonElement obj, string[] fields)
        {
            foreach (var field in fields)
            {
                if (TryGet(obj, field, out var value) && value.ValueKind == JsonValueKind.String)
                {
                    var text = value.GetString();
                    if (!string.IsNullOrWhiteSpace(text)) return text!.Trim();
                }
            }
            return null;
        }

        private static bool TryGet(JsonElement obj, string name, out JsonElement value)
        {
            if (obj.ValueKind == JsonValueKind.Object)
            {
                foreach (var property in obj.EnumerateObject())
                {
                    if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
                    {
                        value = property.Value;
                        return true;
                    }
                }
            }
            value = default;
            return false;
        }

        /// <summary>
        /// On Unix, the file's mode as octal text when its group or others may read it (ssh's rule for private keys);
        /// else null. File.GetUnixFileMode exists from .NET 7 on; the module also targets netstandard2.0, so it is
        /// looked up at run time (Windows PowerShell runs only on Windows, where there is no such mode).
        /// </summary>
        private static string? PermissiveMode(string path)
        {
            if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows)) return null;
            var getMode = typeof(File).GetMethod("GetUnixFileMode", new[] { typeof(string) });
            if (getMode is null) return null;
            int mode;
            try
            {
                mode = Convert.ToInt32(getMode.Invoke(null, new object[] { path }), System.Globalization.CultureInfo.InvariantCulture);
            }
            catch (Exception)
            {
                return null; // unknown mode: nothing to warn about
            }
            const int groupOrOthersRead = 0x20 | 0x04; // 0o040 | 0o004
            return (mode & groupOrOthersRead) != 0 ? Convert.ToString(mode & 0xFFF, 8).PadLeft(4, '0') : null;
        }
    }
}
