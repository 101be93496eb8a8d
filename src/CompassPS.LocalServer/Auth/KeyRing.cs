using System.Text.Json.Nodes;
using CompassPS.LocalServer.Hosting;

namespace CompassPS.LocalServer.Auth;

/// <summary>One accepted key as the banner may show it: its id, role and project, never the key.</summary>
public sealed record KeyInfo(string Id, string ProjectId, string ProjectName, bool IsAdmin)
{
    public string Role => IsAdmin ? KeyRing.AdminRole : KeyRing.MemberRole;
}

/// <summary>
/// The API keys the server accepts. By default the three well-known development keys; with --keys-file or the
/// COMPASS_LOCAL_KEY_* variables, those keys instead (the development keys are then refused). --allow-remote
/// requires keys of one's own: the development keys are published, and anyone who can reach the port would
/// otherwise hold an admin key. The keys are read once, at start, and never written anywhere.
/// </summary>
public sealed class KeyRing
{
    public const string MemberRole = "member";
    public const string AdminRole = "admin";
    public const string MemberKeyVariable = "COMPASS_LOCAL_KEY_MEMBER";
    public const string AdminKeyVariable = "COMPASS_LOCAL_KEY_ADMIN";
    public const string OtherKeyVariable = "COMPASS_LOCAL_KEY_OTHER";

    /// <summary>Short keys can be guessed by anyone who can reach the port.</summary>
    public const int MinimumKeyLength = 16;

    private static readonly string[] EntryFields = ["id", "project", "role", "key"];
    private static readonly string[] PublicKeys = [DevelopmentKeys.ProjectKey, DevelopmentKeys.AdminKey, DevelopmentKeys.OtherKey];

    private readonly Dictionary<string, Caller> _callers;

    private KeyRing(Dictionary<string, Caller> callers, IReadOnlyList<KeyInfo> keys, bool development, IReadOnlyList<string> warnings)
    {
        _callers = callers;
        Keys = keys;
        IsDevelopment = development;
        Warnings = warnings;
    }

    /// <summary>The accepted keys, without their text, in the order they were given.</summary>
    public IReadOnlyList<KeyInfo> Keys { get; }

    /// <summary>True when the well-known development keys are the ones accepted.</summary>
    public bool IsDevelopment { get; }

    /// <summary>What the server should tell its operator at start (e.g. a keys file others can read).</summary>
    public IReadOnlyList<string> Warnings { get; }

    public Caller? Find(string key) => _callers.GetValueOrDefault(key);

    public static KeyRing Development { get; } = new(
        new Dictionary<string, Caller>(StringComparer.Ordinal)
        {
            [DevelopmentKeys.ProjectKey] = new Caller("project", DevelopmentKeys.DefaultProject.Id, IsAdmin: false),
            [DevelopmentKeys.AdminKey] = new Caller("admin", DevelopmentKeys.DefaultProject.Id, IsAdmin: true),
            [DevelopmentKeys.OtherKey] = new Caller("other", DevelopmentKeys.SecondProject.Id, IsAdmin: false),
        },
        [
            new KeyInfo("project", DevelopmentKeys.DefaultProject.Id, DevelopmentKeys.DefaultProject.Name, false),
            new KeyInfo("admin", DevelopmentKeys.DefaultProject.Id, DevelopmentKeys.DefaultProject.Name, true),
            new KeyInfo("other", DevelopmentKeys.SecondProject.Id, DevelopmentKeys.SecondProject.Name, false),
        ],
        development: true, warnings: []);

    /// <summary>
    /// The keys for these options: the keys file's and the environment's when any is given, else the development
    /// keys, which --allow-remote refuses. Throws <see cref="ArgumentException"/> (never quoting a key) when the
    /// keys cannot be used.
    /// </summary>
    public static KeyRing Load(ServerOptions options, Func<string, string?> environment)
    {
        var callers = new Dictionary<string, Caller>(StringComparer.Ordinal);
        var keys = new List<KeyInfo>();
        var warnings = new List<string>();

        void Add(string id, Project project, bool isAdmin, string key, string where)
        {
            if (key.Length < MinimumKeyLength)
                throw new ArgumentException($"{where}: the key is shorter than {MinimumKeyLength} characters; use a long random key (e.g. 32 random hex digits).");
            if (key.Any(char.IsWhiteSpace))
                throw new ArgumentException($"{where}: the key contains whitespace, which a bearer header cannot carry.");
            if (PublicKeys.Contains(key, StringComparer.Ordinal))
                throw new ArgumentException($"{where}: the key is one of the published development keys; use a key of your own.");
            // Ids are shown in the banner and read back from it by Start-CompassLocalServer: one plain word each.
            if (id.Length > 64 || !id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
                throw new ArgumentException($"{where}: the key id '{id}' must be up to 64 letters, digits, '-', '_' or '.'.");
            if (keys.Any(k => string.Equals(k.Id, id, StringComparison.OrdinalIgnoreCase)))
                throw new ArgumentException($"{where}: the key id '{id}' is used twice.");
            if (callers.ContainsKey(key))
                throw new ArgumentException($"{where}: the same key is given twice (as '{callers[key].KeyName}' and '{id}').");
            callers[key] = new Caller(id, project.Id, isAdmin);
            keys.Add(new KeyInfo(id, project.Id, project.Name, isAdmin));
        }

        if (options.KeysFilePath is { } path)
        {
            WarnWhenOthersCanRead(path, warnings);
            if (ConfigFile.Load(path, "keys file") is not JsonArray entries || entries.Count == 0)
                throw new ArgumentException($"The keys file '{path}' must be a non-empty list of entries {{ id, project, role, key }}.");
            for (var index = 0; index < entries.Count; index++)
            {
                var where = $"The keys file '{path}', entry {index + 1}";
                if (entries[index] is not JsonObject entry) throw new ArgumentException($"{where} must be a mapping {{ id, project, role, key }}.");
                ConfigFile.RefuseUnknownFields(entry, where, EntryFields);
                var project = ProjectNamed(ConfigFile.String(entry, "project", where) ?? "default", where);
                var role = ConfigFile.String(entry, "role", where, required: true)!;
                if (role is not (MemberRole or AdminRole)) throw new ArgumentException($"{where}: role must be 'member' or 'admin', not '{role}'.");
                var id = ConfigFile.String(entry, "id", where) is { Length: > 0 } given ? given : $"{project.Name.ToLowerInvariant()}-{role}-{index + 1}";
                where = $"The keys file '{path}', entry {index + 1} ('{id}')";
                Add(id, project, role == AdminRole, ConfigFile.String(entry, "key", where, required: true)!, where);
            }
        }

        foreach (var (variable, id, project, isAdmin) in new[]
                 {
                     (MemberKeyVariable, "env-member", DevelopmentKeys.DefaultProject, false),
                     (AdminKeyVariable, "env-admin", DevelopmentKeys.DefaultProject, true),
                     (OtherKeyVariable, "env-other", DevelopmentKeys.SecondProject, false),
                 })
        {
            if (environment(variable) is { Length: > 0 } key) Add(id, project, isAdmin, key, $"The environment variable {variable}");
        }

        if (keys.Count > 0) return new KeyRing(callers, keys, development: false, warnings);
        if (options.AllowRemote)
            throw new ArgumentException(
                "--allow-remote refuses the public development keys: give keys of your own with --keys-file FILE " +
                $"(entries {{ id, project, role, key }}) or {MemberKeyVariable} / {AdminKeyVariable} / {OtherKeyVariable}.");
        return Development;
    }

    private static Project ProjectNamed(string name, string where) =>
        DevelopmentKeys.Projects.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase) || string.Equals(p.Id, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"{where}: project must be 'default' or 'second' (or their ids), not '{name}'.");

    private static void WarnWhenOthersCanRead(string path, List<string> warnings)
    {
        if (OperatingSystem.IsWindows() || !File.Exists(path)) return;
        var mode = File.GetUnixFileMode(path);
        if ((mode & (UnixFileMode.GroupRead | UnixFileMode.OtherRead)) != 0)
            warnings.Add($"the keys file '{path}' can be read by other users (mode {System.Convert.ToString((int)mode, 8)}); restrict it with 'chmod 600'.");
    }
}
