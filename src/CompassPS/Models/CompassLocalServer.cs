using System;
using System.Collections.Generic;
using System.Collections.Specialized;
using System.Diagnostics;
using System.Globalization;
using System.Management.Automation;
using System.Security;

namespace CompassPS
{
    /// <summary>
    /// A local Compass server (compass-local) started by Start-CompassLocalServer in this session (PSTypeName
    /// CompassPS.LocalServer). Holds the process, so Stop-CompassLocalServer can end exactly this one; the
    /// development keys are SecureStrings and no property or ToString shows a key.
    /// </summary>
    public sealed class CompassLocalServer
    {
        /// <summary>The stable PSTypeName the view and scripts key on.</summary>
        public const string TypeName = "CompassPS.LocalServer";

        private const int OutputLinesKept = 200;

        private readonly Queue<string> _output = new Queue<string>();
        private int? _exitCode;

        internal CompassLocalServer(Process process, string path, IList<string> arguments, string? dataPath, OrderedDictionary options)
        {
            Process = process;
            ProcessId = process.Id;
            Path = path;
            Arguments = new List<string>(arguments).ToArray();
            DataPath = dataPath;
            Options = options;
            StartTime = DateTimeOffset.Now;
        }

        /// <summary>Where the server answers, e.g. http://127.0.0.1:50123 (no trailing slash).</summary>
        public string BaseUrl { get; internal set; } = "";
        public int ProcessId { get; }
        /// <summary>Running, Stopped (by Stop-CompassLocalServer or the end of the session) or Exited (on its own).</summary>
        public string Status => StoppedByUser ? "Stopped" : HasExited ? "Exited" : "Running";
        public int? ExitCode
        {
            get
            {
                if (_exitCode is null && HasExited)
                {
                    try { _exitCode = Process.ExitCode; } catch (InvalidOperationException) { }
                }
                return _exitCode;
            }
        }
        /// <summary>The SQLite folder (-DataPath), or null when the server keeps everything in memory.</summary>
        public string? DataPath { get; }
        /// <summary>The member key of the default project (null when the server runs with -KeysFile).</summary>
        public SecureString? ProjectKey { get; internal set; }
        /// <summary>The admin key of the default project (null with -KeysFile).</summary>
        public SecureString? AdminKey { get; internal set; }
        /// <summary>The member key of the second project (null with -KeysFile).</summary>
        public SecureString? OtherKey { get; internal set; }
        /// <summary>The ids of the keys the server accepts, as its start-up banner names them (never the keys).</summary>
        public string[] KeyIds { get; internal set; } = Array.Empty<string>();
        /// <summary>The server options this server was started with (parameter name, value).</summary>
        public OrderedDictionary Options { get; }
        /// <summary>The compass-local executable (or dll) that was started.</summary>
        public string Path { get; }
        /// <summary>The server's command-line arguments.</summary>
        public string[] Arguments { get; }
        public DateTimeOffset StartTime { get; }

        internal Process Process { get; }
        internal List<string> StartWarnings { get; } = new List<string>();
        internal bool StoppedByUser { get; set; }
        internal bool HasExited
        {
            get
            {
                try { return Process.HasExited; }
                catch (InvalidOperationException) { return true; }
            }
        }

        /// <summary>The last lines the server wrote (standard output and error), oldest first: what to look at when a test fails.</summary>
        public string[] GetOutput()
        {
            lock (_output) return _output.ToArray();
        }

        internal void AddOutput(string line)
        {
            lock (_output)
            {
                _output.Enqueue(line);
                while (_output.Count > OutputLinesKept) _output.Dequeue();
            }
        }

        /// <summary>The object as written to the pipeline, with its PSTypeName.</summary>
        public PSObject ToPSObject()
        {
            var ps = PSObject.AsPSObject(this);
            if (!ps.TypeNames.Contains(TypeName)) ps.TypeNames.Insert(0, TypeName);
            return ps;
        }

        public override string ToString() =>
            string.Format(CultureInfo.InvariantCulture, "compass-local at {0} (process {1}, {2})", BaseUrl, ProcessId, Status);
    }
}
