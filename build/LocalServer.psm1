# Starts and stops the local Compass server from the built out/LocalServer for the build's Demo task, the Pester suites and
# the benchmarks (named apart from the module's Start-CompassLocalServer, which runs the installed compass-local tool).
# The server runs as a child process on a free loopback port; only the process started here is ever stopped.

function Start-BuildLocalServer {
    [CmdletBinding()]
    param(
        # The published server (build.ps1 Build puts it in out/LocalServer).
        [string]$ServerDll = $(if ($env:COMPASSPS_SERVER_DLL) { $env:COMPASSPS_SERVER_DLL } else { Join-Path $PSScriptRoot '../out/LocalServer/compass-local.dll' }),
        # Extra server options, e.g. '--fault-503-rate', '0.2'.
        [string[]]$ArgumentList = @(),
        # Keep state in this folder instead of memory.
        [string]$DataDirectory,
        [int]$TimeoutSec = 60
    )
    if (-not (Test-Path $ServerDll)) { throw "The local server is not built: $ServerDll (run ./build.ps1 Build)" }
    $psi = [System.Diagnostics.ProcessStartInfo]::new('dotnet')
    $psi.ArgumentList.Add((Resolve-Path $ServerDll).Path)
    foreach ($a in @('--urls', 'http://127.0.0.1:0')) { $psi.ArgumentList.Add($a) }
    if ($DataDirectory) { $psi.ArgumentList.Add('--data'); $psi.ArgumentList.Add($DataDirectory) }
    else { $psi.ArgumentList.Add('--in-memory') }
    foreach ($a in $ArgumentList) { $psi.ArgumentList.Add($a) }
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $psi.UseShellExecute = $false
    $psi.Environment['DOTNET_NOLOGO'] = '1'
    $proc = [System.Diagnostics.Process]::Start($psi)
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSec)
    $baseUrl = $null
    $seen = [System.Text.StringBuilder]::new()
    while (-not $baseUrl -and [DateTime]::UtcNow -lt $deadline) {
        $read = $proc.StandardOutput.ReadLineAsync()
        if (-not $read.Wait([TimeSpan]::FromSeconds($TimeoutSec))) { break }
        $line = $read.Result
        if ($null -eq $line) { break }
        $null = $seen.AppendLine($line)
        if ($line -match 'Now listening on:\s*(http://\S+)') { $baseUrl = $Matches[1].TrimEnd('/') }
    }
    if (-not $baseUrl) {
        if (-not $proc.HasExited) { $proc.Kill($true); $null = $proc.WaitForExit(10000) }
        throw "The local server did not start within $TimeoutSec s.`n$seen`n$($proc.StandardError.ReadToEnd())"
    }
    # Keep draining both pipes so the child never blocks on a full buffer.
    $stdout = $proc.StandardOutput.ReadToEndAsync()
    $stderr = $proc.StandardError.ReadToEndAsync()
    [pscustomobject]@{
        PSTypeName = 'CompassPS.LocalServerProcess'
        Process    = $proc
        ProcessId  = $proc.Id
        BaseUrl    = $baseUrl
        ProjectKey = 'cmp_local_project_key'
        AdminKey   = 'cmp_local_admin_key'
        OtherKey   = 'cmp_local_other_key'
        StdOut     = $stdout
        StdErr     = $stderr
    }
}

function Stop-BuildLocalServer {
    [CmdletBinding()]
    param([Parameter(ValueFromPipeline)] $Server)
    process {
        if ($Server -and $Server.Process -and -not $Server.Process.HasExited) {
            $Server.Process.Kill($true)
            $null = $Server.Process.WaitForExit(10000)
        }
    }
}

Export-ModuleMember -Function Start-BuildLocalServer, Stop-BuildLocalServer
