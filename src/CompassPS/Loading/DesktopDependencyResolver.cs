using System;
using System.IO;
using System.Reflection;

namespace CompassPS.Loading
{
    /// <summary>
    /// On Windows PowerShell, binds the module's dependencies (System.Text.Json and what it brings) to the copies
    /// shipped in the module's Desktop folder.
    /// </summary>
    /// <remarks>
    /// Windows PowerShell gives a module no binding redirects, and CompassPS.dll references these assemblies at the
    /// oldest versions a PowerShell 7 host carries (so that 7.4 and later meet them from their own runtime), while
    /// the Desktop folder holds newer ones, chosen for their fixes; the shipped packages also reference each other at
    /// versions other than the ones shipped, and another module may already have loaded other copies of any of them.
    /// .NET Framework fails each such load and raises AssemblyResolve, which this answers with the shipped file, so
    /// the module runs on its own copies whatever else the process holds. It serves only names it ships and only to
    /// requests from the module itself, from the Desktop folder, or from no named requester, so other modules'
    /// loading is left as it was. Registered by a module initializer, before any code of the module runs; on
    /// PowerShell 7 it registers nothing.
    /// </remarks>
    internal static class DesktopDependencyResolver
    {
        private static readonly Assembly ModuleAssembly = typeof(DesktopDependencyResolver).Assembly;
        private static readonly string DependencyFolder =
            Path.Combine(Path.GetDirectoryName(ModuleAssembly.Location) ?? string.Empty, "Desktop");

        [System.Runtime.CompilerServices.ModuleInitializer]
        internal static void Register()
        {
            if (!IsNetFramework()) { return; }
            AppDomain.CurrentDomain.AssemblyResolve += Resolve;
        }

        // .NET Framework keeps object in mscorlib; .NET (Core) in System.Private.CoreLib.
        private static bool IsNetFramework() =>
            string.Equals(typeof(object).Assembly.GetName().Name, "mscorlib", StringComparison.Ordinal);

        private static Assembly? Resolve(object? sender, ResolveEventArgs args)
        {
            var requester = args.RequestingAssembly;
            if (requester != null && requester != ModuleAssembly && !IsInDependencyFolder(requester)) { return null; }
            string? name;
            try { name = new AssemblyName(args.Name).Name; }
            catch (ArgumentException) { return null; }
            catch (FileLoadException) { return null; }
            if (string.IsNullOrEmpty(name)) { return null; }
            var path = Path.Combine(DependencyFolder, name + ".dll");
            return File.Exists(path) ? Assembly.LoadFrom(path) : null;
        }

        private static bool IsInDependencyFolder(Assembly assembly)
        {
            if (assembly.IsDynamic) { return false; }
            string location;
            try { location = assembly.Location; }
            catch (NotSupportedException) { return false; }
            return string.Equals(Path.GetDirectoryName(location), DependencyFolder, StringComparison.OrdinalIgnoreCase);
        }
    }
}

namespace System.Runtime.CompilerServices
{
    /// <summary>The compiler's module-initializer marker, which netstandard2.0 does not define.</summary>
    [AttributeUsage(AttributeTargets.Method, Inherited = false)]
    internal sealed class ModuleInitializerAttribute : Attribute { }
}
