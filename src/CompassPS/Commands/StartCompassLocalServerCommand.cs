using System;
using System.Collections.Generic;
using System.Collections.Specialized;
using System.Globalization;
using System.IO;
using System.Management.Automation;

namespace CompassPS.Commands
{
    /// <summary>
    /// Starts a local Compass server (the compass-local .NET tool) on a free loopback port and waits until it
    /// answers. Only starts a process: no HTTP, so it works the same on Windows PowerShell 5.1.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Start, "CompassLocalServer")]
    [OutputType(typeof(CompassLocalServer))]
    public sealed class StartCompassLocalServerCommand : CompassCmdletBase
    {
        private const string NotFoundId = "CompassPS.LocalServerNotFound";
        private const string FailedId = "CompassPS.LocalServerFailed";
        private const string TimeoutId = "CompassPS.Timeout";
        private const string InvalidInputId = "CompassPS.InvalidInput";

        /// <summary>compass-local itself, its compass-local.dll, or a folder holding either; by default compass-local on PATH.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Path { get; set; }

        /// <summary>0 (the default) lets the server pick a free port.</summary>
        [Parameter]
        [ValidateRange(0, 65535)]
        public int Port { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string ListenAddress { get; set; } = "127.0.0.1";

        [Parameter]
        public SwitchParameter AllowRemote { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? KeysFile { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? DataPath { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? ModelScript { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Seed { get; set; }

        [Parameter]
        [ValidateRange(0.0, 1000.0)]
        public double DelayScale { get; set; }

        [Parameter]
        [ValidateRange(1, 100000)]
        public int MaxConcurrentRuns { get; set; }

        [Parameter]
        [ValidateRange(0.01, 3600.0)]
        public double KeepAliveSec { get; set; }

        [Parameter]
        [ValidateRange(0.0, 1.0)]
        public double Fault429Rate { get; set; }

        [Parameter]
        [ValidateRange(0.0, 1.0)]
        public double Fault503Rate { get; set; }

        [Parameter]
        [ValidateRange(0, 3600)]
        public int FaultRetryAfterSec { get; set; }

        [Parameter]
        [ValidateRange(0, 600000)]
        public int FaultLatencyMs { get; set; }

        [Parameter]
        [ValidateRange(1, int.MaxValue)]
        public int FaultCutStreamAfter { get; set; }

        [Parameter]
        [ValidateRange(0.0, 1.0)]
        public double FaultResetRate { get; set; }

        [Parameter]
        public int FaultSeed { get; set; }

        /// <summary>Further server options, passed as they are (e.g. options of a newer compass-local).</summary>
        [Parameter]
        [AllowEmptyCollection]
        public string[] ArgumentList { get; set; } = Array.Empty<string>();

        /// <summary>Also make this session's default context point at the server, with the member key (-Admin: the admin key).</summary>
        [Parameter]
        public SwitchParameter Connect { get; set; }

        [Parameter]
        public SwitchParameter Admin { get; set; }

        /// <summary>How long to wait for the server to answer.</summary>
        [Parameter]
        [ValidateRange(1, 3600)]
        public int TimeoutSec { get; set; } = 60;

        // Parameter name -> server option, in the order they are passed.
        private static readonly KeyValuePair<string, string>[] ValueOptions =
        {
            new KeyValuePair<string, string>(nameof(DelayScale), "--delay-scale"),
            new KeyValuePair<string, string>(nameof(MaxConcurrentRuns), "--max-concurrent-runs"),
            new KeyValuePair<string, string>(nameof(KeepAliveSec), "--keepalive-sec"),
            new KeyValuePair<string, string>(nameof(Fault429Rate), "--fault-429-rate"),
            new KeyValuePair<string, string>(nameof(Fault503Rate), "--fault-503-rate"),
            new KeyValuePair<string, string>(nameof(FaultRetryAfterSec), "--fault-retry-after"),
            new KeyValuePair<string, string>(nameof(FaultLatencyMs), "--fault-latency-ms"),
            new KeyValuePair<string, string>(nameof(FaultCutStreamAfter), "--fault-cut-stream-after"),
            new KeyValuePair<string, string>(nameof(FaultResetRate), "--fault-reset-rate"),
            new KeyValuePair<string, string>(nameof(FaultSeed), "--fault-seed"),
        };

        protected override void EndProcessingCore()
        {
            if (Admin && !Connect) Fail(InvalidInputId, ErrorCategory.InvalidArgument, "-Admin chooses the key of -Connect; add -Connect.", null);
            if (Connect && KeysFile != null)
            {
                Fail(InvalidInputId, ErrorCategory.InvalidArgument,
                    "-Connect connects with the development keys, which a server with -KeysFile refuses. Start it without -Connect, then run Connect-Compass -BaseUrl <its BaseUrl> -ApiKey <one of your keys>.", null);
            }

            var resolved = LocalServerProcesses.Resolve(Path == null ? null : FullPath(Path));
            if (resolved == null)
            {
                var message = Path == null
                    ? $"{LocalServerProcesses.CommandName} was not found on PATH. Install the local server with '{LocalServerProcesses.InstallCommand}' " +
                      "(add --add-source <folder> for a package file, or --tool-path <folder> and put that folder on PATH), or give its location with -Path."
                    : $"No {LocalServerProcesses.CommandName} at '{Path}' (give the compass-local executable, its compass-local.dll or their folder; a .dll also needs dotnet on PATH).";
                var record = new ErrorRecord(new FileNotFoundException(message), NotFoundId, ErrorCategory.ObjectNotFound, Path)
                {
                    ErrorDetails = new ErrorDetails(message) { RecommendedAction = $"Run: {LocalServerProcesses.InstallCommand}" },
                };
                ThrowTerminatingError(record);
            }

            var (fileName, arguments, shown) = resolved!.Value;
            var options = new OrderedDictionary(StringComparer.OrdinalIgnoreCase);
            var host = ListenAddress.Contains(":") && !ListenAddress.StartsWith("[", StringComparison.Ordinal) ? "[" + ListenAddress + "]" : ListenAddress;
            arguments.Add("--urls");
            arguments.Add(string.Format(CultureInfo.InvariantCulture, "http://{0}:{1}", host, Port));
            if (MyInvocation.BoundParameters.ContainsKey(nameof(Port))) options[nameof(Port)] = Port;
            if (MyInvocation.BoundParameters.ContainsKey(nameof(ListenAddress))) options[nameof(ListenAddress)] = ListenAddress;

            string? dataPath = null;
            if (DataPath != null)
            {
                dataPath = FullPath(DataPath);
                arguments.Add("--data");
                arguments.Add(dataPath);
                options[nameof(DataPath)] = dataPath;
            }
            else
            {
                arguments.Add("--in-memory");
            }

            AddFile(arguments, options, nameof(ModelScript), ModelScript, "--model-script", "model script");
            AddFile(arguments, options, nameof(Seed), Seed, "--seed", "seed file");
            AddFile(arguments, options, nameof(KeysFile), KeysFile, "--keys-file", "keys file");
            if (AllowRemote)
            {
                arguments.Add("--allow-remote");
                options[nameof(AllowRemote)] = true;
            }

            foreach (var option in ValueOptions)
            {
                if (!MyInvocation.BoundParameters.TryGetValue(option.Key, out var value)) continue;
                arguments.Add(option.Value);
                arguments.Add(Convert.ToString(value, CultureInfo.InvariantCulture) ?? "");
                options[option.Key] = value;
            }
            arguments.AddRange(ArgumentList);
            if (ArgumentList.Length > 0) options[nameof(ArgumentList)] = ArgumentList;
            arguments.Add("--stop-when-stdin-closes");

            CompassLocalServer server;
            try
            {
                server = LocalServerProcesses.Start(fileName, arguments, shown, SessionState.Path.CurrentFileSystemLocation.ProviderPath,
                    dataPath, options, TimeSpan.FromSeconds(TimeoutSec), StopToken);
            }
            catch (LocalServerProcesses.StartFailure failure)
            {
                var record = new ErrorRecord(failure, failure.TimedOut ? TimeoutId : FailedId,
                    failure.TimedOut ? ErrorCategory.OperationTimeout : ErrorCategory.ResourceUnavailable, shown);
                ThrowTerminatingError(record);
                return;
            }

            if (KeysFile == null)
            {
                server.ProjectKey = ContextStore.ToSecureString(LocalServerProcesses.DevelopmentProjectKey);
                server.AdminKey = ContextStore.ToSecureString(LocalServerProcesses.DevelopmentAdminKey);
                server.OtherKey = ContextStore.ToSecureString(LocalServerProcesses.DevelopmentOtherKey);
                // The key names the server gives the development keys (GET /v1/auth/whoami answers them as key_name).
                if (server.KeyIds.Length == 0) server.KeyIds = new[] { "project", "admin", "other" };
            }
            foreach (var warning in server.StartWarnings) WriteWarning(warning);
            WriteVerbose($"compass-local {server.ProcessId} answers at {server.BaseUrl}.");

            if (Connect)
            {
                var context = CompassContext.Create(server.BaseUrl, Admin ? server.AdminKey! : server.ProjectKey!, null, null, null, null,
                    allowUnencrypted: false, skipCertificateCheck: false, source: "Start-CompassLocalServer", userAgent: UserAgent());
                ContextStore.SetDefault(context);
                WriteVerbose($"Connected to {server.BaseUrl} with the {(Admin ? "admin" : "member")} key of the default project.");
            }
            WriteObject(server.ToPSObject());
        }

        private void AddFile(List<string> arguments, OrderedDictionary options, string parameter, string? path, string option, string what)
        {
            if (path == null) return;
            var full = FullPath(path);
            if (!File.Exists(full)) Fail(InvalidInputId, ErrorCategory.ObjectNotFound, $"The {what} '{full}' (-{parameter}) does not exist.", path);
            arguments.Add(option);
            arguments.Add(full);
            options[parameter] = full;
        }

        // Relative to PowerShell's current location, which a child process does not know.
        private string FullPath(string path) => SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);

        private void Fail(string errorId, ErrorCategory category, string message, object? target) =>
            ThrowTerminatingError(new ErrorRecord(new ArgumentException(message), errorId, category, target));
    }
}
