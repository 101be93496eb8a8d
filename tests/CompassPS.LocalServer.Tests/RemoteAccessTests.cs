using System.Diagnostics;
using System.Net;
using CompassPS.LocalServer.Hosting;

namespace CompassPS.LocalServer.Tests;

/// <summary>
/// Off loopback only on purpose (--allow-remote), and then never with the published development keys: keys come
/// from --keys-file or the environment, and the server names them by id only. Every server here listens on
/// 127.0.0.1: --allow-remote switches the key rules on whatever the address.
/// </summary>
public sealed class RemoteAccessTests : IDisposable
{
    private const string AdminSecret = "team-admin-6c1f0e9a7b2d4c3e";
    private const string MemberSecret = "team-member-91d2e8f7a6b5c4d3";
    private const string SecondSecret = "team-second-0a9b8c7d6e5f4a3b";

    private readonly string _folder = Directory.CreateTempSubdirectory("compass-keys-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string KeysFile(string? text = null, bool privateMode = true)
    {
        var path = Path.Combine(_folder, "keys.yaml");
        File.WriteAllText(path, text ?? $"""
            - id: ci-admin
              project: default
              role: admin
              key: {AdminSecret}
            - id: ci-member
              role: member
              key: {MemberSecret}
            - id: other-team
              project: second
              role: member
              key: {SecondSecret}
            """);
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(path, privateMode ? UnixFileMode.UserRead | UnixFileMode.UserWrite : UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        return path;
    }

    [Theory]
    [InlineData("http://0.0.0.0:0")]
    [InlineData("http://*:0")]
    [InlineData("http://+:0")]
    [InlineData("http://[::]:0")]
    [InlineData("http://192.168.1.5:5317")]
    [InlineData("http://compass.example.com:5317")]
    [InlineData("http://127.0.0.1:0;http://0.0.0.0:0")]
    public void A_non_loopback_address_without_allow_remote_is_refused_before_anything_binds(string urls)
    {
        var failure = Assert.Throws<ArgumentException>(() => ServerOptions.Parse(["--urls", urls]));
        Assert.Contains("--allow-remote", failure.Message);
    }

    [Theory]
    [InlineData("http://127.0.0.1:0")]
    [InlineData("http://127.0.0.2:5317")]
    [InlineData("http://localhost:5317")]
    [InlineData("http://[::1]:0")]
    public void Loopback_addresses_need_no_switch(string urls) => Assert.Equal(urls, ServerOptions.Parse(["--urls", urls]).Urls);

    [Fact]
    public async Task The_process_exits_non_zero_with_one_clear_line_and_never_listens()
    {
        var (exitCode, output) = await ServerProcess.RunAsync(["--urls", "http://0.0.0.0:0", "--in-memory"], untilListening: false);

        Assert.Equal(2, exitCode);
        Assert.Contains("compass-local: http://0.0.0.0:0 is not a loopback address", output);
        Assert.DoesNotContain("Now listening", output);
    }

    [Fact]
    public void Allow_remote_without_keys_of_one_s_own_is_refused()
    {
        var failure = Assert.Throws<ArgumentException>(() =>
            LocalServerApp.Build(["--urls", "http://127.0.0.1:0", "--in-memory", "--allow-remote"], _ => null));
        Assert.Contains("--keys-file", failure.Message);
        Assert.Contains("refuses the public development keys", failure.Message);
    }

    [Fact]
    public async Task With_a_keys_file_the_public_keys_get_401_and_the_file_s_keys_work_by_role_and_project()
    {
        await using var server = await TestServer.StartAsync("--allow-remote", "--keys-file", KeysFile(), "--delay-scale", "0");

        foreach (var publicKey in new[] { TestServer.ProjectKey, TestServer.AdminKey, TestServer.OtherKey })
        {
            var (refused, body) = await server.Client(publicKey).GetJsonAsync("v1/runs/");
            Http.AssertError(refused, body, 401, "AUTH_INVALID");
        }

        var (_, admin) = await server.Client(AdminSecret).GetJsonAsync("v1/auth/whoami");
        Assert.Equal("ci-admin", (string?)admin!["key_name"]);
        Assert.Equal("admin", (string?)admin["role"]);
        var (_, other) = await server.Client(SecondSecret).GetJsonAsync("v1/auth/whoami");
        Assert.Equal("bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb", (string?)other!["project_id"]);

        var member = server.Client(MemberSecret);
        var run = await member.StartDemoRunAsync("tides");
        Assert.Equal("completed", (string?)(await member.WaitForRunAsync((string)run["id"]!))["status"]);
        var (forbidden, problem) = await member.PostJsonAsync("v1/connections/", new { name = "x", kind = "integration", type = "http" });
        Http.AssertError(forbidden, problem, 403, "ADMIN_KEY_REQUIRED");
        var (created, _) = await server.Client(AdminSecret).PostJsonAsync("v1/connections/", new { name = "x", kind = "integration", type = "http" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
    }

    [Fact]
    public async Task Keys_from_the_environment_replace_the_development_keys()
    {
        var environment = new Dictionary<string, string> { ["COMPASS_LOCAL_KEY_ADMIN"] = AdminSecret, ["COMPASS_LOCAL_KEY_MEMBER"] = MemberSecret };
        var app = LocalServerApp.Build(["--urls", "http://127.0.0.1:0", "--in-memory", "--allow-remote"], name => environment.GetValueOrDefault(name));
        await app.StartAsync();
        try
        {
            using var client = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
            client.DefaultRequestHeaders.Authorization = new("Bearer", AdminSecret);
            var (_, whoami) = await client.GetJsonAsync("v1/auth/whoami");
            Assert.Equal("env-admin", (string?)whoami!["key_name"]);
            client.DefaultRequestHeaders.Authorization = new("Bearer", TestServer.AdminKey);
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetJsonAsync("v1/auth/whoami")).Response.StatusCode);
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    [Theory]
    [InlineData("- role: admin\n  key: cmp_local_admin_key\n", "published development keys")]
    [InlineData("- role: admin\n  key: short-key\n", "shorter than 16")]
    [InlineData("- role: owner\n  key: long-enough-key-1234567\n", "role must be 'member' or 'admin'")]
    [InlineData("- role: member\n  project: third\n  key: long-enough-key-1234567\n", "project must be")]
    [InlineData("- role: member\n  key: long-enough-key-1234567\n- role: admin\n  key: long-enough-key-1234567\n", "the same key is given twice")]
    [InlineData("- role: member\n  secret: long-enough-key-1234567\n", "unknown field 'secret'")]
    [InlineData("[]", "non-empty list")]
    [InlineData("- id: two words\n  role: member\n  key: long-enough-key-1234567\n", "the key id 'two words' must be")]
    public void A_bad_keys_file_refuses_the_start_without_quoting_a_key(string text, string says)
    {
        var path = KeysFile(text);

        var failure = Assert.Throws<ArgumentException>(() =>
            LocalServerApp.Build(["--urls", "http://127.0.0.1:0", "--in-memory", "--allow-remote", "--keys-file", path], _ => null));

        Assert.Contains(says, failure.Message);
        Assert.Contains(path, failure.Message);
        Assert.DoesNotContain("long-enough-key", failure.Message);
        Assert.DoesNotContain("short-key", failure.Message);
    }

    [Fact]
    public async Task The_server_s_output_names_the_keys_by_id_and_never_shows_a_key()
    {
        var keys = KeysFile(privateMode: OperatingSystem.IsWindows());

        var (_, output) = await ServerProcess.RunAsync(["--urls", "http://127.0.0.1:0", "--in-memory", "--allow-remote", "--keys-file", keys],
            untilListening: true);

        foreach (var id in new[] { "ci-admin", "ci-member", "other-team" }) Assert.Contains($"key id {id}", output);
        foreach (var secret in new[] { AdminSecret, MemberSecret, SecondSecret, TestServer.AdminKey, TestServer.ProjectKey, TestServer.OtherKey })
            Assert.DoesNotContain(secret, output);
        if (!OperatingSystem.IsWindows()) Assert.Contains("can be read by other users", output);
    }
}
