using System;
using System.IO;
using System.Management.Automation;
using System.Reflection;

namespace CompassPS.Loading
{
    /// <summary>
    /// Binds CompassPS.dll's dependencies (System.Text.Json and what it brings) to the copies shipped in the
    /// module's Desktop folder, where the host does not provide them. Registered when PowerShell imports this nested
    /// module, which the manifest lists so that it comes before CompassPS.dll.
    /// </summary>
    /// <remarks>
    /// Why before: PowerShell reads CompassPS.dll's types as it imports it, before any of its code runs, and reading
    /// some of them (a cmdlet's argument completer, for one) already loads Microsoft.Bcl.AsyncInterfaces.
    /// On Windows PowerShell: it gives a module no binding redirects, and CompassPS.dll references these assemblies
    /// at the oldest versions a PowerShell 7 host carries (so that 7.4 and later meet them from their own runtime),
    /// while the Desktop folder holds newer ones, chosen for their fixes; the shipped packages also reference each
    /// other at versions other than the ones shipped, and another module may already have loaded other copies.
    /// .NET Framework fails each such load and raises AssemblyResolve, which this answers with the shipped file, so
    /// the module runs on its own copies whatever else the process holds.
    /// On PowerShell 7 the host's runtime meets every reference but one: Microsoft.Bcl.AsyncInterfaces is not part of
    /// .NET, and a host built from System.Management.Automation alone carries none (pwsh and hosts built from
    /// Microsoft.PowerShell.SDK do). Only then is it asked for here, and the shipped copy serves.
    /// It serves only names it ships, and only to requests from the module's own folders or from no named
    /// requester, so other modules' loading is left as it was.
    /// </remarks>
    public sealed class DependencyResolver : IModuleAssemblyInitializer, IModuleAssemblyCleanup
    {
        private const string AsyncInterfaces = "Microsoft.Bcl.AsyncInterfaces";
        private static readonly string ModuleFolder = Path.GetDirectoryName(typeof(DependencyResolver).Assembly.Location) ?? string.Empty;
        private static readonly string DependencyFolder = Path.Combine(ModuleFolder, "Desktop");
        // .NET Framework keeps object in mscorlib; .NET (Core) in System.Private.CoreLib.
        private static readonly bool OnNetFramework =
            string.Equals(typeof(object).Assembly.GetName().Name, "mscorlib", StringComparison.Ordinal);

        /// <summary>Called by PowerShell when it imports this nested module, before CompassPS.dll.</summary>
        public void OnImport()
        {
            // Import-Module -Force imports it again: one handler is enough.
            AppDomain.CurrentDomain.AssemblyResolve -= Resolve;
            AppDomain.CurrentDomain.AssemblyResolve += Resolve;
        }

        /// <summary>Called by PowerShell on Remove-Module. Assemblies already bound stay loaded, as .NET keeps them.</summary>
        public void OnRemove(PSModuleInfo psModuleInfo) => AppDomain.CurrentDomain.AssemblyResolve -= Resolve;

        private static Assembly? Resolve(object? sender, ResolveEventArgs args)
        {
            var requester = args.RequestingAssembly;
            if (requester != null && !IsInModuleFolders(requester)) { return null; }
            string? name;
            try { name = new AssemblyName(args.Name).Name; }
            catch (ArgumentException) { return null; }
            catch (FileLoadException) { return null; }
            if (string.IsNullOrEmpty(name)) { return null; }
            if (!OnNetFramework && !string.Equals(name, AsyncInterfaces, StringComparison.OrdinalIgnoreCase)) { return null; }
            var path = Path.Combine(DependencyFolder, name + ".dll");
            return File.Exists(path) ? Assembly.LoadFrom(path) : null;
        }

        private static bool IsInModuleFolders(Assembly assembly)
        {
            if (assembly.IsDynamic) { return false; }
            string location;
            try { location = assembly.Location; }
            catch (NotSupportedException) { return false; }
            var folder = Path.GetDirectoryName(location);
            return string.Equals(folder, DependencyFolder, StringComparison.OrdinalIgnoreCase)
                || string.Equals(folder, ModuleFolder, StringComparison.OrdinalIgnoreCase);
        }
    }
}
