using System.IO;
using System.Management.Automation;
using System.Reflection;
using System.Runtime.Loader;

namespace Neighbour
{
    /// <summary>Runs the engine, which lives with its own dependency versions in this module's load context.</summary>
    [Cmdlet(VerbsDiagnostic.Test, "Neighbour")]
    [OutputType(typeof(string))]
    public sealed class TestNeighbourCommand : PSCmdlet
    {
        private static EngineLoadContext? _context;

        /// <summary>The engine's build output (Neighbour.Higher.Engine.dll and its dependencies).</summary>
        [Parameter(Mandatory = true)]
        public string EngineDirectory { get; set; } = string.Empty;

        protected override void EndProcessing()
        {
            _context ??= new EngineLoadContext(Path.GetFullPath(EngineDirectory));
            var engine = _context.LoadFromAssemblyName(new AssemblyName("Neighbour.Higher.Engine"));
            var probe = engine.GetType("Neighbour.NeighbourProbe", throwOnError: true)!.GetMethod("Run")!;
            WriteObject("higher;" + (string)probe.Invoke(null, null)!);
        }

        private sealed class EngineLoadContext : AssemblyLoadContext
        {
            private readonly string _directory;

            public EngineLoadContext(string directory) : base("Neighbour.Higher") => _directory = directory;

            // Everything the engine ships comes from its folder, whatever the host has; the rest from the host.
            protected override Assembly? Load(AssemblyName name)
            {
                var path = Path.Combine(_directory, name.Name + ".dll");
                return File.Exists(path) ? LoadFromAssemblyPath(path) : null;
            }
        }
    }
}
