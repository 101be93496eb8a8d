namespace CompassPS.LocalServer.Auth;

/// <summary>A project of the local server. There are two, fixed: the default one and a second one for isolation tests.</summary>
public sealed record Project(string Id, string Name);

/// <summary>Who is calling: the key's project and whether it may make admin-only writes.</summary>
public sealed record Caller(string KeyName, string ProjectId, bool IsAdmin);

/// <summary>
/// The well-known development keys. Published on purpose, like a storage emulator's development account:
/// the local server listens on loopback and never holds real secrets. Which keys a server accepts: <see cref="KeyRing"/>.
/// </summary>
public static class DevelopmentKeys
{
    public const string ProjectKey = "cmp_local_project_key";
    public const string AdminKey = "cmp_local_admin_key";
    public const string OtherKey = "cmp_local_other_key";

    public static readonly Project DefaultProject = new("aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa", "Default");
    public static readonly Project SecondProject = new("bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb", "Second");

    public static IReadOnlyList<Project> Projects { get; } = [DefaultProject, SecondProject];
}
