using System;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Runspaces;

// Usage: OldPatchHost <script.ps1> [name value]...  Runs the script with the named parameters, prints its output,
// writes its errors to stderr, and exits 1 when there was any error.
if (args.Length < 1 || args.Length % 2 == 0)
{
    Console.Error.WriteLine("usage: OldPatchHost <script.ps1> [name value]...");
    return 2;
}

using var ps = PowerShell.Create(InitialSessionState.CreateDefault2());
ps.AddCommand(args[0]);
for (var i = 1; i < args.Length; i += 2) { ps.AddParameter(args[i], args[i + 1]); }
try
{
    foreach (var item in ps.Invoke()) { Console.WriteLine(item?.ToString()); }
}
catch (RuntimeException e)
{
    Console.Error.WriteLine(e.ErrorRecord?.ToString() ?? e.Message);
    return 1;
}
foreach (var error in ps.Streams.Error) { Console.Error.WriteLine(error.ToString()); }
return ps.Streams.Error.Any() ? 1 : 0;
