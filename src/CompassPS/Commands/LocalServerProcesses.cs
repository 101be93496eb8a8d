using System;
using System.Collections.Generic;
using System.Collections.Specialized;
using System.Diagnostics;
using System.IO;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading;

namespace CompassPS.Commands
{
    /// <summary>
    /// Starts, tracks and stops compass-local processes for the *-CompassLocalServer cmdlets. Only plain process
    /// APIs that Windows PowerShell 5.1 (.NET Framework) has too. Each server is started with its standard input
    /// on a pipe held here and --stop-when-stdin-closes: closing the pipe stops it the way Ctrl+C does, and if this
    /// process dies the pipe closes and the server goes as well, so no server outlives its session.
    /// </summary>
    internal static class LocalServerProcesses
    {
        public const string CommandName = "compass-local";
        public const string InstallCommand = "dotnet tool install --global CompassPS.LocalServer";

        // The development keys the server accepts unless given keys of one's own; published on purpose (docs/local-server.md).
        public const string DevelopmentProjectKey = "cmp_local_project_key";
        public const string DevelopmentAdminKey = "cmp_local_admin_key";
        public const string DevelopmentOtherKey = "cmp_local_other_key";

        /// <summary>Variables the server reads its own keys from: never passed on, so the keys a server object names are the ones it accepts.</summary>
        private static readonly string[] KeyVariables = { "COMPASS_LOCAL_KEY_MEMBER", "COMPASS_LOCAL_KEY_ADMIN", "COMPASS_LOCAL_KEY_OTHER" };

        // The banner's first line names the URLs ("Compass local server at http://127.0.0.1:50123, ... (storage)"). It
        // is read rather than ASP.NET Core's "Now listening on:" log line, which the console logger may write later.
        private static readonly Regex BannerLine = new Regex(@"^Compass local server at (?<url>[^\s,]+)", RegexOptions.CultureInvariant);
        private static readonly Regex KeyIdLine = new Regex(@"^\s+key id (?<id>\S+)\s", RegexOptions.CultureInvariant);
        /// <summary>The last section of the start-up banner: once it is written, the server answers.</summary>
        private const string BannerEnd = "Seeded in the default project:";

        private sealed class Registry
        {
            public readonly List<CompassLocalServer> Servers = new List<CompassLocalServer>();
        }

        private static readonly ConditionalWeakTable<Runspace, Registry> Registries = new ConditionalWeakTable<Runspace, Registry>();
        private static readonly List<CompassLocalServer> Everywhere = new List<CompassLocalServer>();
        private static readonly object Gate = new object();

        static LocalServerProcesses()
        {
            // The last resort when the host exits without closing its runspaces.
            AppDomain.CurrentDomain.ProcessExit += (_, __) =>
            {
                foreach (var server in Snapshot(Everywhere)) Stop(server, TimeSpan.FromSeconds(2));
            };
        }

        public static bool IsWindows => RuntimeInformation.IsOSPlatform(OSPlatform.Windows);

        /// <summary>
        /// What to run for <paramref name="path"/> (an executable, a compass-local.dll, or a folder holding one), or,
        /// without a path, compass-local on PATH or in the .NET global tools folder. Null when nothing is found.
        /// </summary>
        public static (string FileName, List<string> Prefix, string Shown)? Resolve(string? path)
        {
            if (path != null)
            {
                if (Directory.Exists(path))
                {
                    foreach (var candidate in ExecutableNames())
                    {
                        var inFolder = System.IO.Path.Combine(path, candidate);
                        if (File.Exists(inFolder)) return (inFolder, new List<string>(), inFolder);
                    }
                    path = System.IO.Path.Combine(path, CommandName + ".dll");
                }
                if (!File.Exists(path)) return null;
                if (path.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
                {
                    var dotnet = FindDotnet();
                    return dotnet == null ? ((string, List<string>, string)?)null : (dotnet, new List<string> { path }, path);
                }
                return (path, new List<string>(), path);
            }

            var folders = new List<string>((Environment.GetEnvironmentVariable("PATH") ?? "").Split(System.IO.Path.PathSeparator));
            // 'dotnet tool install --global' puts tools here, which a new shell may not have on PATH yet.
            var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            if (!string.IsNullOrEmpty(home)) folders.Add(System.IO.Path.Combine(home, ".dotnet", "tools"));
            foreach (var folder in folders)
            {
                if (string.IsNullOrWhiteSpace(folder)) continue;
                foreach (var candidate in ExecutableNames())
                {
                    string full;
                    try { full = System.IO.Path.Combine(folder.Trim().Trim('"'), candidate); }
                    catch (ArgumentException) { continue; }
                    if (File.Exists(full)) return (full, new List<string>(), full);
                }
            }
            return null;
        }

        private static IEnumerable<string> ExecutableNames() =>
            IsWindows ? new[] { CommandName + ".exe" } : new[] { CommandName };

        // dotnet tool runs set DOTNET_HOST_PATH; otherwise the dotnet on PATH or under DOTNET_ROOT.
        private static string? FindDotnet()
        {
            var name = IsWindows ? "dotnet.exe" : "dotnet";
            var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
            if (!string.IsNullOrEmpty(host) && File.Exists(host)) return host;
            foreach (var folder in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(System.IO.Path.PathSeparator))
            {
                if (string.IsNullOrWhiteSpace(folder)) continue;
                try
                {
                    var full = System.IO.Path.Combine(folder.Trim().Trim('"'), name);
                    if (File.Exists(full)) return full;
                }
                catch (ArgumentException) { }
            }
            var root = Environment.GetEnvironmentVariable("DOTNET_ROOT");
            return !string.IsNullOrEmpty(root) && File.Exists(System.IO.Path.Combine(root, name)) ? System.IO.Path.Combine(root, name) : null;
        }

        /// <summary>Outcome of a start that did not produce a running server.</summary>
        public sealed class StartFailure : Exception
        {
            public StartFailure(string message, bool timedOut) : base(message) { TimedOut = timedOut; }
            public bool TimedOut { get; }
        }

        /// <summary>
        /// Starts the server and waits until it answers (its start-up banner is out). Throws <see cref="StartFailure"/>
        /// with the server's own message when it exits or does not come up in time; PipelineStoppedException on Ctrl+C.
        /// The process is never left running after a failed start.
        /// </summary>
        public static CompassLocalServer Start(string fileName, IList<string> arguments, string shown, string workingDirectory,
            string? dataPath, OrderedDictionary options, TimeSpan timeout, CancellationToken stop)
        {
            var info = new ProcessStartInfo(fileName, JoinArguments(arguments))
            {
                UseShellExecute = false,
                CreateNoWindow = true,
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                WorkingDirectory = workingDirectory,
            };
            foreach (var variable in KeyVariables) info.EnvironmentVariables.Remove(variable);
            info.EnvironmentVariables["DOTNET_NOLOGO"] = "1";

            var process = new Process { StartInfo = info, EnableRaisingEvents = true };
            var ready = new ManualResetEventSlim(false);
            CompassLocalServer? server = null;
            string? listening = null;
            var keyIds = new List<string>();
            var messages = new List<string>();
            var errors = new List<string>();
            var early = new List<string>();
            var sync = new object();

            void OnLine(string? line, bool error)
            {
                if (line == null) return;
                lock (sync)
                {
                    if (server != null) server.AddOutput(line);
                    else early.Add(line);
                    if (error)
                    {
                        if (line.StartsWith(CommandName + ":", StringComparison.Ordinal)) messages.Add(line);
                        errors.Add(line);
                        return;
                    }
                    var listen = BannerLine.Match(line);
                    if (listen.Success && listening == null) listening = listen.Groups["url"].Value;
                    var key = KeyIdLine.Match(line);
                    if (key.Success) keyIds.Add(key.Groups["id"].Value);
                    if (line.IndexOf(BannerEnd, StringComparison.Ordinal) >= 0) ready.Set();
                }
            }

            process.OutputDataReceived += (_, e) => OnLine(e.Data, error: false);
            process.ErrorDataReceived += (_, e) => OnLine(e.Data, error: true);
            process.Exited += (_, __) => ready.Set();
            try
            {
                process.Start();
            }
            catch (System.ComponentModel.Win32Exception failure)
            {
                throw new StartFailure($"{shown} could not be started: {failure.Message}", timedOut: false);
            }

            lock (sync)
            {
                server = new CompassLocalServer(process, shown, arguments, dataPath, options);
                foreach (var line in early) server.AddOutput(line);
            }
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();

            var deadline = DateTime.UtcNow + timeout;
            while (!ready.IsSet)
            {
                var left = deadline - DateTime.UtcNow;
                if (left <= TimeSpan.Zero) break;
                WaitHandle.WaitAny(new[] { ready.WaitHandle, stop.WaitHandle }, left);
                if (stop.IsCancellationRequested)
                {
                    Kill(process);
                    throw new PipelineStoppedException();
                }
            }

            if (server.HasExited || !ready.IsSet || listening == null)
            {
                var timedOut = !server.HasExited;
                Kill(process);
                string reason;
                lock (sync)
                {
                    // The server's own error lines only: its standard output holds the banner, and so the keys.
                    reason = messages.Count > 0
                        ? string.Join(" ", messages)
                        : string.Join(Environment.NewLine, Tail(errors.ToArray(), 10));
                }
                var what = timedOut
                    ? $"{shown} did not answer within {timeout.TotalSeconds:0} s and was stopped."
                    : $"{shown} exited at start (exit code {server.ExitCode}).";
                throw new StartFailure(reason.Length == 0 ? what : what + " " + reason, timedOut);
            }

            lock (sync)
            {
                server.KeyIds = keyIds.ToArray();
                // What the server warned its operator about at start (e.g. a keys file others can read).
                foreach (var message in messages)
                {
                    const string warning = CommandName + ": WARNING: ";
                    if (message.StartsWith(warning, StringComparison.Ordinal)) server.StartWarnings.Add(message.Substring(warning.Length));
                }
            }
            server.BaseUrl = ConnectableUrl(listening);
            Register(server);
            return server;
        }

        /// <summary>
        /// Stops the server: closes its standard input (a graceful stop: runs end, SQLite is flushed), waits up to
        /// <paramref name="grace"/>, then kills it; returns once the process is gone.
        /// </summary>
        public static void Stop(CompassLocalServer server, TimeSpan grace)
        {
            Forget(server);
            if (server.HasExited) return;
            try { server.Process.StandardInput.Close(); }
            catch (Exception failure) when (failure is IOException || failure is InvalidOperationException) { }
            bool exited;
            try { exited = server.Process.WaitForExit((int)Math.Min(int.MaxValue, grace.TotalMilliseconds)); }
            catch (InvalidOperationException) { exited = true; }
            if (!exited) Kill(server.Process);
        }

        private static void Kill(Process process)
        {
            try
            {
                if (!process.HasExited) process.Kill();
                process.WaitForExit(30000);
            }
            catch (InvalidOperationException) { /* already gone */ }
            catch (System.ComponentModel.Win32Exception) { /* exiting right now */ }
        }

        public static List<CompassLocalServer> OfCurrentRunspace()
        {
            var runspace = Runspace.DefaultRunspace;
            if (runspace == null) return new List<CompassLocalServer>();
            lock (Gate) return Registries.TryGetValue(runspace, out var registry) ? new List<CompassLocalServer>(registry.Servers) : new List<CompassLocalServer>();
        }

        private static void Register(CompassLocalServer server)
        {
            var runspace = Runspace.DefaultRunspace;
            lock (Gate)
            {
                Everywhere.Add(server);
                if (runspace == null) return;
                Registries.GetValue(runspace, r =>
                {
                    r.StateChanged += OnRunspaceStateChanged;
                    return new Registry();
                }).Servers.Add(server);
            }
        }

        private static void Forget(CompassLocalServer server)
        {
            lock (Gate)
            {
                Everywhere.Remove(server);
                var runspace = Runspace.DefaultRunspace;
                if (runspace != null && Registries.TryGetValue(runspace, out var registry)) registry.Servers.Remove(server);
            }
        }

        // A closing runspace takes its servers with it: servers started by a test or a runbook never outlive it.
        private static void OnRunspaceStateChanged(object? sender, RunspaceStateEventArgs e)
        {
            var state = e.RunspaceStateInfo.State;
            if (!(sender is Runspace runspace) || (state != RunspaceState.Closing && state != RunspaceState.Closed && state != RunspaceState.Broken)) return;
            List<CompassLocalServer> servers;
            lock (Gate)
            {
                if (!Registries.TryGetValue(runspace, out var registry)) return;
                servers = new List<CompassLocalServer>(registry.Servers);
                registry.Servers.Clear();
            }
            foreach (var server in servers)
            {
                server.StoppedByUser = true;
                Stop(server, TimeSpan.FromSeconds(5));
            }
        }

        private static List<CompassLocalServer> Snapshot(List<CompassLocalServer> list)
        {
            lock (Gate) return new List<CompassLocalServer>(list);
        }

        private static IEnumerable<string> Tail(string[] lines, int count)
        {
            for (var i = Math.Max(0, lines.Length - count); i < lines.Length; i++) yield return lines[i];
        }

        /// <summary>The URL a client on this machine uses: a wildcard listening address (0.0.0.0, [::], *, +) becomes 127.0.0.1.</summary>
        internal static string ConnectableUrl(string listening)
        {
            var url = listening.TrimEnd('/');
            var match = Regex.Match(url, @"^(?<scheme>[a-z]+)://(?<host>\[[^\]]*\]|[^:/]+)(?<rest>.*)$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
            if (!match.Success) return url;
            var host = match.Groups["host"].Value;
            if (host == "0.0.0.0" || host == "[::]" || host == "*" || host == "+") host = "127.0.0.1";
            return match.Groups["scheme"].Value + "://" + host + match.Groups["rest"].Value;
        }

        /// <summary>One command line from separate arguments, quoted the way the C runtime and .NET split it again.</summary>
        internal static string JoinArguments(IEnumerable<string> arguments)
        {
            var line = new StringBuilder();
            foreach (var argument in arguments)
            {
                if (line.Length > 0) line.Append(' ');
                if (argument.Length > 0 && argument.IndexOfAny(new[] { ' ', '\t', '\n', '\v', '"' }) < 0)
                {
                    line.Append(argument);
                    continue;
                }
                line.Append('"');
                var backslashes = 0;
                foreach (var ch in argument)
                {
                    if (ch == '\\') { backslashes++; continue; }
                    if (ch == '"')
                    {
                        line.Append('\\', backslashes * 2 + 1).Append('"');
                        backslashes = 0;
                        continue;
                    }
                    line.Append('\\', backslashes).Append(ch);
                    backslashes = 0;
                }
                line.Append('\\', backslashes * 2).Append('"');
            }
            return line.ToString();
        }
    }
}
