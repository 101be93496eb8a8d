# Shared helpers for the CompassPS Pester suites: the module under test, a local server per suite, child pwsh
# processes, and the checks several suites need (secrets in output, open connections). Import it in BeforeAll.

$script:RepositoryRoot = (Resolve-Path (Join-Path $PSScriptRoot '../../..')).Path

function Get-CompassTestRoot { $script:RepositoryRoot }

# The built module: $env:COMPASSPS_MODULE (set by build.ps1), else out/CompassPS.
function Get-CompassTestModulePath {
    if ($env:COMPASSPS_MODULE) { return $env:COMPASSPS_MODULE }
    Join-Path $script:RepositoryRoot 'out/CompassPS/CompassPS.psd1'
}

function Import-CompassTestModule {
    Import-Module (Get-CompassTestModulePath) -Force -Global
}

# A local server on a free loopback port (stop it with Stop-CompassTestServer in AfterAll).
function Start-CompassTestServer {
    param([string[]]$ArgumentList = @())
    Import-Module (Join-Path $script:RepositoryRoot 'build/LocalServer.psm1') -Force -Global
    Start-CompassLocalServer -ArgumentList $ArgumentList
}

function Stop-CompassTestServer {
    param($Server)
    if ($Server) { Stop-CompassLocalServer $Server }
}

function ConvertTo-TestSecureString([string]$Text) {
    $secure = [System.Security.SecureString]::new()
    foreach ($ch in $Text.ToCharArray()) { $secure.AppendChar($ch) }
    $secure
}

# pwsh as a dotnet local tool is not on PATH: start the same host that runs the tests.
function Get-ChildPwshCommand {
    $pwshDll = Join-Path $PSHOME 'pwsh.dll'
    if (Test-Path $pwshDll) { return @([Environment]::ProcessPath, $pwshDll) }
    @((Join-Path $PSHOME 'pwsh'))
}

# Runs pwsh in a child process and returns its exit code, its whole output (stdout and stderr) and the chunks of
# stdout with the time each arrived, to check that output arrived progressively.
function Invoke-ChildPwsh {
    param(
        [Parameter(Mandatory)][string[]]$Arguments,
        [hashtable]$Environment = @{},
        [int]$TimeoutSec = 120
    )
    $command = Get-ChildPwshCommand
    $psi = [System.Diagnostics.ProcessStartInfo]::new($command[0])
    foreach ($a in @($command | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive') + $Arguments) { $psi.ArgumentList.Add($a) }
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $psi.UseShellExecute = $false
    $psi.Environment['NO_COLOR'] = '1'
    foreach ($name in $Environment.Keys) { $psi.Environment[$name] = $Environment[$name] }
    $clock = [System.Diagnostics.Stopwatch]::StartNew()
    $process = [System.Diagnostics.Process]::Start($psi)
    try {
        $stderr = $process.StandardError.ReadToEndAsync()
        $chunks = [System.Collections.Generic.List[object]]::new()
        $stream = $process.StandardOutput.BaseStream
        $buffer = [byte[]]::new(65536)
        $decoder = [System.Text.Encoding]::UTF8.GetDecoder()
        $chars = [char[]]::new(65536)
        while ($true) {
            $read = $stream.ReadAsync($buffer, 0, $buffer.Length)
            if (-not $read.Wait([TimeSpan]::FromSeconds($TimeoutSec))) { throw "The child pwsh wrote nothing for $TimeoutSec s" }
            if ($read.Result -eq 0) { break }
            $count = $decoder.GetChars($buffer, 0, $read.Result, $chars, 0)
            $chunks.Add([pscustomobject]@{ At = $clock.Elapsed.TotalSeconds; Text = [string]::new($chars, 0, $count) })
        }
        if (-not $process.WaitForExit($TimeoutSec * 1000)) { throw "The child pwsh did not exit within $TimeoutSec s" }
        [pscustomobject]@{
            ExitCode = $process.ExitCode
            Output   = (-join $chunks.Text)
            Errors   = $stderr.Result
            Chunks   = $chunks
            Seconds  = $clock.Elapsed.TotalSeconds
        }
    }
    finally {
        if (-not $process.HasExited) { $process.Kill($true) }
        $process.Dispose()
    }
}

# Established TCP connections whose remote end is this port (Linux /proc; loopback only). Counts client sockets.
function Get-OpenConnectionCount {
    param([Parameter(Mandatory)][int]$Port)
    $hex = '{0:X4}' -f $Port
    $count = 0
    foreach ($file in '/proc/net/tcp', '/proc/net/tcp6') {
        if (-not (Test-Path $file)) { continue }
        foreach ($line in Get-Content $file | Select-Object -Skip 1) {
            $fields = $line.Trim() -split '\s+'
            if ($fields.Count -lt 4) { continue }
            if ($fields[2].EndsWith(":$hex") -and $fields[3] -eq '01') { $count++ }
        }
    }
    $count
}

# Waits until the condition holds or the time is up; returns whether it held.
function Wait-Until {
    param([Parameter(Mandatory)][scriptblock]$Condition, [double]$TimeoutSec = 10)
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSec)
    while ([DateTime]::UtcNow -lt $deadline) {
        if (& $Condition) { return $true }
        Start-Sleep -Milliseconds 100
    }
    [bool](& $Condition)
}

Export-ModuleMember -Function Get-CompassTestRoot, Get-CompassTestModulePath, Import-CompassTestModule, Start-CompassTestServer,
    Stop-CompassTestServer, ConvertTo-TestSecureString, Get-ChildPwshCommand, Invoke-ChildPwsh, Get-OpenConnectionCount, Wait-Until
