#if NETSTANDARD2_0
using System;
using System.IO;
using System.Reflection;

namespace CompassPS.Loading
{
    /// <summary>
    /// Binds the Windows PowerShell build's dependencies (System.Text.Json and what it brings) to the copies shipped
    /// in this assembly's folder.
    /// </summary>
    /// <remarks>
    /// Windows PowerShell gives a module no binding redirects, and the shipped packages reference each other at
    /// versions other than the ones shipped (System.Memory asks for an older System.Runtime.CompilerServices.Unsafe,
    /// for example), and another module may already have loaded an older or newer copy of any of them. .NET
    /// Framework then fails the load and raises AssemblyResolve, which this answers with the shipped file, so the
    /// module runs on its own copies whatever else the process holds. It serves only names it ships and only to
    /// requests that come from this folder (or name no requester), so other modules' loading is left as it was.
    /// Registered by a module initializer, before any code of the module runs.
    /// </remarks>
    internal static class DesktopDependencyResolver
    {
        private static readonly string ModuleFolder = Path.GetDirectoryName(typeof(DesktopDependencyResolver).Assembly.Location) ?? string.Empty;

        [System.Runtime.CompilerServices.ModuleInitializer]
        internal static void Register()
        {
            // On PowerShell 7 CompassPS.psm1 loads the Core build; this build there would only double the bindings.
            if (!IsNetFramework()) { return; }
            AppDomain.CurrentDomain.AssemblyResolve += Resolve;
        }

        // .NET Framework keeps object in mscorlib; .NET (Core) in System.Private.CoreLib.
        private static bool IsNetFramework() =>
            string.Equals(typeof(object).Assembly.GetName().Name, "mscorlib", StringComparison.Ordinal);

        private static Assembly? Resolve(object? sender, ResolveEventArgs args)
        {
            var requester = args.RequestingAssembly;
            if (requester != null && !IsInModuleFolder(requester)) { return null; }
            string? name;
            try { name = new AssemblyName(args.Name).Name; }
            catch (ArgumentException) { return null; }
            catch (FileLoadException) { return null; }
            if (string.IsNullOrEmpty(name) || name!.Equals("CompassPS", StringComparison.OrdinalIgnoreCase)) { return null; }
            var path = Path.Combine(ModuleFolder, name + ".dll");
            return File.Exists(path) ? Assembly.LoadFrom(path) : null;
        }

        private static bool IsInModuleFolder(Assembly assembly)
        {
            if (assembly.IsDynamic) { return false; }
            string location;
            try { location = assembly.Location; }
            catch (NotSupportedException) { return false; }
            return string.Equals(Path.GetDirectoryName(location), ModuleFolder, StringComparison.OrdinalIgnoreCase);
        }
    }
}

namespace System.Runtime.CompilerServices
{
    /// <summary>The compiler's module-initializer marker, which netstandard2.0 does not define.</summary>
    [AttributeUsage(AttributeTargets.Method, Inherited = false)]
    internal sealed class ModuleInitializerAttribute : Attribute { }
}
#endif
