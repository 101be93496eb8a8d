#requires -Version 7.4
<#
.SYNOPSIS
    Runs the CompassPS benchmark suite side by side with what a user would use instead, writes
    docs/benchmarks.md and docs/benchmarks.json, and prints the tables.
.DESCRIPTION
    Called by `build.ps1 Bench` after the build. Each scenario gets its own local server (in memory, simulated
    delays off unless the scenario needs runs that take time) and its own fresh pwsh; every figure is a ratio of
    medians measured in this one run, alternating the candidates, never an absolute time. Sized to finish in
    under ten minutes on two cores.
.EXAMPLE
    dotnet pwsh ./build.ps1 Bench
.EXAMPLE
    $env:COMPASSPS_BENCH_BASELINE_MODULE = '/tmp/compassps-0.1.0/CompassPS/CompassPS.psd1'; dotnet pwsh ./build.ps1 Bench

    Also imports that earlier build in the import scenario's rounds: import time before and after, in one run.
.EXAMPLE
    dotnet pwsh ./build.ps1 Bench -NoBuild -Scenario reads,streaming -OutputDirectory /tmp/bench
#>
[CmdletBinding(PositionalBinding = $false)]
param(
    [Parameter(Mandatory)][string]$Root,
    [string]$Configuration = 'Release',
    # Which scenarios to run; all by default.
    [ValidateSet('import', 'reads', 'dispatch', 'streaming', 'waiting', 'paging', 'micro')]
    [string[]]$Scenario = @('import', 'reads', 'dispatch', 'streaming', 'waiting', 'paging', 'micro'),
    # Where benchmarks.md and benchmarks.json go (docs/ by default, where they are published).
    [string]$OutputDirectory = (Join-Path $Root 'docs'),
    # Fewer rounds and smaller sizes: for trying the harness, not for publishing.
    [switch]$Quick,
    # build.ps1 hands its extra arguments over as plain strings ('-Quick', '-Scenario', 'reads'); they are bound here.
    [Parameter(ValueFromRemainingArguments)][string[]]$ExtraArguments
)

if ($ExtraArguments) {
    $named = @{}
    $name = $null
    foreach ($token in $ExtraArguments) {
        if ($token -match '^-(\w+)$') { $name = $Matches[1]; $named[$name] = [switch]$true; continue }
        if (-not $name) { throw "Unexpected argument '$token'; use -Scenario, -OutputDirectory or -Quick." }
        $values = @($token -split '[,\s]+' | Where-Object { $_ })
        $named[$name] = if ($named[$name] -is [switch]) { $values } else { @($named[$name]) + $values }
    }
    foreach ($key in @($named.Keys)) { if ($named[$key] -isnot [switch] -and $key -ne 'Scenario') { $named[$key] = $named[$key] -join ' ' } }
    & $PSCommandPath -Root $Root -Configuration $Configuration @named
    exit $LASTEXITCODE
}

$ErrorActionPreference = 'Stop'
# Exit codes of dotnet and of the scenario processes are checked where they are run.
$PSNativeCommandUseErrorActionPreference = $false
Set-StrictMode -Version Latest
Import-Module (Join-Path $PSScriptRoot 'BenchSupport.psm1') -Force
Import-Module (Join-Path $Root 'build/LocalServer.psm1') -Force

$clock = [Diagnostics.Stopwatch]::StartNew()
$outRoot = if ($env:COMPASSPS_ARTIFACTS) { Join-Path $env:COMPASSPS_ARTIFACTS 'out' } else { Join-Path $Root 'out' }
$modulePath = if ($env:COMPASSPS_MODULE) { $env:COMPASSPS_MODULE } else { Join-Path $outRoot 'CompassPS/CompassPS.psd1' }
$serverDll = if ($env:COMPASSPS_SERVER_DLL) { $env:COMPASSPS_SERVER_DLL } else { Join-Path $outRoot 'LocalServer/compass-local.dll' }
foreach ($built in $modulePath, $serverDll) {
    if (-not (Test-Path $built)) { throw "Not built: $built (run ./build.ps1 Build, or Bench without -NoBuild)" }
}
$modulePath = (Resolve-Path $modulePath).Path
$benchOut = Join-Path $outRoot 'bench'
$workDir = Join-Path $benchOut 'results'
New-Item -ItemType Directory -Force $workDir, $OutputDirectory | Out-Null

function Write-Stage([string]$Text) { Write-Host ("[{0,5:N0} s] {1}" -f $clock.Elapsed.TotalSeconds, $Text) }

# --- The benchmarks' own projects -------------------------------------------------------------------------------
Write-Stage 'Building the benchmark tools'
dotnet build (Join-Path $PSScriptRoot 'CompassPS.Bench.Tools/CompassPS.Bench.Tools.csproj') -c $Configuration -nologo -v:q -clp:NoSummary -o (Join-Path $benchOut 'tools') | Out-Host
if ($LASTEXITCODE) { throw 'Building bench/CompassPS.Bench.Tools failed' }
$toolsPath = Join-Path $benchOut 'tools/CompassPS.Bench.Tools.dll'
if ('micro' -in $Scenario) {
    Write-Stage 'Building the BenchmarkDotNet project'
    # BenchmarkDotNet measures optimised code only: always Release.
    dotnet build (Join-Path $PSScriptRoot 'CompassPS.Benchmarks/CompassPS.Benchmarks.csproj') -c Release -nologo -v:q -clp:NoSummary -o (Join-Path $benchOut 'micro') | Out-Host
    if ($LASTEXITCODE) { throw 'Building bench/CompassPS.Benchmarks failed' }
}

# --- Scenarios ----------------------------------------------------------------------------------------------------
# Server options per scenario. Simulated delays are off except for waiting, whose runs must stay in flight a while.
$plans = [ordered]@{
    import    = @{ Script = 'Import.ps1'; Server = @('--delay-scale', '0'); Quick = @('-Rounds', '3') }
    reads     = @{ Script = 'Reads.ps1'; Server = @('--delay-scale', '0'); Quick = @('-Rounds', '1', '-Calls', '500') }
    dispatch  = @{ Script = 'Dispatch.ps1'; Server = @('--delay-scale', '0'); Quick = @('-Rounds', '1', '-Rows', '500') }
    streaming = @{ Script = 'Streaming.ps1'; Server = @('--delay-scale', '0'); Quick = @('-Rounds', '1', '-Events', '20000', '-LargeEvents', '100000') }
    waiting   = @{ Script = 'Waiting.ps1'; Server = @('--delay-scale', '0.2', '--max-concurrent-runs', '100'); Quick = @('-Rounds', '1', '-Runs', '300') }
    paging    = @{ Script = 'Paging.ps1'; Server = @('--delay-scale', '0'); Quick = @('-Rounds', '1', '-Runs', '5000', '-SmallRuns', '500') }
}

$results = [System.Collections.Generic.List[object]]::new()
$failures = [System.Collections.Generic.List[string]]::new()
$savedEnvironment = @{ COMPASS_BASE_URL = $env:COMPASS_BASE_URL; COMPASS_API_KEY = $env:COMPASS_API_KEY; COMPASS_PROJECT_ID = $env:COMPASS_PROJECT_ID }
$loadBefore = (Get-Content /proc/loadavg -ErrorAction SilentlyContinue) -split ' ' | Select-Object -First 3
try {
    foreach ($id in $plans.Keys) {
        if ($id -notin $Scenario) { continue }
        $plan = $plans[$id]
        Write-Stage "Scenario $id"
        $server = Start-BuildLocalServer -ServerDll $serverDll -ArgumentList $plan.Server
        $resultPath = Join-Path $workDir "$id.json"
        Remove-Item $resultPath -ErrorAction SilentlyContinue
        try {
            # The scenarios connect from these, so the key is on no command line.
            $env:COMPASS_BASE_URL = $server.BaseUrl
            $env:COMPASS_API_KEY = $server.ProjectKey
            $env:COMPASS_PROJECT_ID = $null
            $arguments = @('-File', (Join-Path $PSScriptRoot "scenarios/$($plan.Script)"), '-ModulePath', $modulePath, '-ToolsPath', $toolsPath, '-ResultPath', $resultPath)
            if ($Quick) { $arguments += $plan.Quick }
            $exit = Invoke-BenchPwsh -ArgumentList $arguments
            if ($exit -ne 0 -or -not (Test-Path $resultPath)) { throw "the scenario exited $exit" }
            $results.Add((Get-Content $resultPath -Raw | ConvertFrom-Json -AsHashtable))
        }
        catch {
            Write-Warning "Scenario $id failed: $_"
            $failures.Add("${id}: $_")
        }
        finally {
            Stop-BuildLocalServer $server
        }
    }
    if ('micro' -in $Scenario) {
        Write-Stage 'Scenario micro (BenchmarkDotNet)'
        $resultPath = Join-Path $workDir 'micro.json'
        Remove-Item $resultPath -ErrorAction SilentlyContinue
        $microArgs = @((Join-Path $benchOut 'micro/CompassPS.Benchmarks.dll'), '--result', $resultPath)
        if ($Quick) { $microArgs += '--quick' }
        dotnet @microArgs | Out-Host
        if ($LASTEXITCODE -or -not (Test-Path $resultPath)) {
            Write-Warning "Scenario micro failed (exit $LASTEXITCODE)"
            $failures.Add("micro: exit $LASTEXITCODE")
        }
        else { $results.Add((Get-Content $resultPath -Raw | ConvertFrom-Json -AsHashtable)) }
    }
}
finally {
    foreach ($name in $savedEnvironment.Keys) { Set-Item "env:$name" $savedEnvironment[$name] }
}
$loadAfter = (Get-Content /proc/loadavg -ErrorAction SilentlyContinue) -split ' ' | Select-Object -First 3

# --- Machine and versions -------------------------------------------------------------------------------------
function Get-FirstMatch([string]$Path, [string]$Pattern) {
    if (-not (Test-Path $Path)) { return $null }
    $line = Get-Content $Path | Where-Object { $_ -match $Pattern } | Select-Object -First 1
    if ($line -and $line -match $Pattern) { $Matches[1].Trim() } else { $null }
}
$commit = git -C $Root rev-parse --short HEAD 2>$null
$dirty = [bool](git -C $Root status --porcelain --untracked-files=no 2>$null)
$memKb = Get-FirstMatch '/proc/meminfo' '^MemTotal:\s+(\d+)'
$machine = [ordered]@{
    os         = (Get-FirstMatch '/etc/os-release' '^PRETTY_NAME="?([^"]*)"?') ?? [Runtime.InteropServices.RuntimeInformation]::OSDescription
    kernel     = [Environment]::OSVersion.VersionString
    cpu        = (Get-FirstMatch '/proc/cpuinfo' '^model name\s*:\s*(.+)$') ?? 'unknown'
    cores      = [Environment]::ProcessorCount
    memory_gb  = if ($memKb) { [Math]::Round([double]$memKb / 1MB, 1) } else { $null }
    load_before = $loadBefore -join ' '
    load_after = $loadAfter -join ' '
}
$versions = [ordered]@{
    compassps  = (Import-PowerShellDataFile $modulePath).ModuleVersion
    commit     = if ($commit) { $commit + $(if ($dirty) { ' (with uncommitted changes)' } else { '' }) } else { 'unknown' }
    powershell = $PSVersionTable.PSVersion.ToString()
    dotnet     = [Runtime.InteropServices.RuntimeInformation]::FrameworkDescription
    benchmarkdotnet = '0.15.8'
}

$checks = @($results | ForEach-Object { $_.checks } | Where-Object { $null -ne $_.met })
$met = @($checks | Where-Object { $_.met }).Count
$document = [ordered]@{
    generated      = [DateTimeOffset]::UtcNow.ToString('yyyy-MM-dd HH:mm:ss') + ' UTC'
    quick          = [bool]$Quick
    total_seconds  = [Math]::Round($clock.Elapsed.TotalSeconds, 1)
    machine        = $machine
    versions       = $versions
    targets_met    = $met
    targets        = $checks.Count
    failures       = @($failures)
    scenarios      = @($results)
}
$document | ConvertTo-Json -Depth 10 | Set-Content (Join-Path $OutputDirectory 'benchmarks.json') -Encoding utf8

# --- Markdown -------------------------------------------------------------------------------------------------------
function Format-Cell([object]$Value) { "$Value".Replace('|', '\|') }
function Format-Met([object]$Met) { if ($null -eq $Met) { '—' } elseif ($Met) { '**met**' } else { '**not met**' } }
function Format-Figure([double]$Value, [string]$Unit) {
    switch ($Unit) {
        'ms' { Format-Ms $Value }
        'us' { '{0:N2} µs' -f $Value }
        'MB' { '{0:N1} MB' -f $Value }
        's' { '{0:N2} s' -f $Value }
        default { '{0:N0} {1}' -f $Value, $Unit }
    }
}

$md = [System.Text.StringBuilder]::new()
$null = $md.AppendLine('# CompassPS benchmarks').AppendLine()
$null = $md.AppendLine('Generated by `dotnet pwsh ./build.ps1 Bench` (bench/Invoke-CompassBenchmarks.ps1); do not edit by hand.')
$null = $md.AppendLine('Every figure is a ratio measured in one run, on one machine, against one local server: the candidates of a')
$null = $md.AppendLine('scenario alternate round by round (the order rotates) and the medians are compared. Absolute times are shown')
$null = $md.AppendLine('for reading the ratios only; they depend on the machine and on what else ran on it. Machine-readable: `docs/benchmarks.json`.').AppendLine()
if ($Quick) { $null = $md.AppendLine('**Quick run (fewer rounds, smaller sizes): not the published figures.**').AppendLine() }
$null = $md.AppendLine("Run $($document.generated), $([Math]::Round($clock.Elapsed.TotalMinutes, 1)) minutes; **$met of $($checks.Count) targets met**.").AppendLine()
$null = $md.AppendLine('| Machine and versions | |').AppendLine('|---|---|')
$null = $md.AppendLine("| OS | $($machine.os) ($($machine.kernel)) |")
$null = $md.AppendLine("| CPU | $($machine.cpu), $($machine.cores) cores, $($machine.memory_gb) GB |")
$null = $md.AppendLine("| Load average (1, 5, 15 min) | before $($machine.load_before); after $($machine.load_after) (the machine is shared) |")
$null = $md.AppendLine("| CompassPS | $($versions.compassps), commit $($versions.commit) |")
$null = $md.AppendLine("| PowerShell | $($versions.powershell) on $($versions.dotnet) |")
$null = $md.AppendLine("| BenchmarkDotNet | $($versions.benchmarkdotnet) |").AppendLine()
foreach ($failure in $failures) { $null = $md.AppendLine("**Failed:** $(Format-Cell $failure)").AppendLine() }

foreach ($result in $results) {
    $null = $md.AppendLine("## $($result.title)").AppendLine().AppendLine($result.description).AppendLine()
    $null = $md.AppendLine('| Comparison | CompassPS | Alternative | Ratio | Target | Met |').AppendLine('|---|---|---|---|---|---|')
    foreach ($check in $result.checks) {
        $null = $md.AppendLine("| $(Format-Cell $check.name) | $(Format-Cell $check.compassps) | $(Format-Cell $check.alternative) | $(Format-Cell $check.display) | $(Format-Cell $check.target) | $(Format-Met $check.met) |")
    }
    $null = $md.AppendLine().AppendLine('| Candidate | Median | Rounds | |').AppendLine('|---|---|---|---|')
    foreach ($candidate in $result.candidates) {
        $rounds = ($candidate.rounds | ForEach-Object { Format-Figure $_ $candidate.unit }) -join ', '
        $null = $md.AppendLine("| $(Format-Cell $candidate.name) | $(Format-Figure $candidate.median $candidate.unit) | $(Format-Cell $rounds) | $(Format-Cell $candidate.note) |")
    }
    $null = $md.AppendLine()
}

# What was profiled and fixed, and why a target is out of reach where one is: written by hand, kept with the suite.
$findings = Join-Path $PSScriptRoot 'FINDINGS.md'
if (Test-Path $findings) { $null = $md.AppendLine((Get-Content $findings -Raw).TrimEnd()).AppendLine() }
$null = $md.AppendLine('## How it is measured').AppendLine()
$null = $md.AppendLine('- Whole-process times: `System.Diagnostics.Process` start to exit of `pwsh -NoProfile -NonInteractive -c ...` (the apphost of the PowerShell running the suite).')
$null = $md.AppendLine('- In-process times: a `Stopwatch` around each candidate in one pwsh per scenario, after an untimed warm-up; a full GC before each candidate.')
$null = $md.AppendLine('- The limits (raw HttpClient loop, raw SseParser loop) and the counting proxy are in bench/CompassPS.Bench.Tools, loaded into the same pwsh, so they are timed under the same conditions.')
$null = $md.AppendLine('- Peak memory: the peak resident set of a fresh pwsh that imports the module and runs one pipeline, read by that process itself from `VmHWM` in `/proc/self/status` at the end (the kernel''s high-water mark, so no spike is missed between samples).')
$null = $md.AppendLine('- Request counts: a loopback reverse proxy in front of the local server records every request with its arrival time; the client is pointed at the proxy, so the count is not the client''s own account.')
$null = $md.AppendLine('- Micro-benchmarks: BenchmarkDotNet, in-process toolchain, short job (see bench/CompassPS.Benchmarks).')
$null = $md.AppendLine('- Each scenario runs against its own local server (`--in-memory --delay-scale 0`; waiting uses `--delay-scale 0.2 --max-concurrent-runs 100` so runs stay in flight).')
($md.ToString().TrimEnd() + "`n") | Set-Content (Join-Path $OutputDirectory 'benchmarks.md') -Encoding utf8 -NoNewline

# --- Console ----------------------------------------------------------------------------------------------------------
Write-Host ''
foreach ($result in $results) {
    Write-Host $result.title
    $result.checks | ForEach-Object {
        [pscustomobject]@{ Comparison = $_.name; CompassPS = $_.compassps; Alternative = $_.alternative; Ratio = $_.display; Target = $_.target; Met = (Format-Met $_.met).Trim('*') }
    } | Format-Table -AutoSize -Wrap | Out-String -Width 220 | Write-Host
}
Write-Stage "$met of $($checks.Count) targets met; wrote $(Join-Path $OutputDirectory 'benchmarks.md') and benchmarks.json"
if ($failures.Count) { Write-Warning "$($failures.Count) scenario(s) failed"; exit 1 }
