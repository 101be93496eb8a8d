<#
.SYNOPSIS
    Scenario 1, import: whole-process times of fresh pwsh processes. `pwsh -NoProfile -c "Import-Module <psd1>"`
    and `... Import-Module; Connect-Compass; Get-CompassRun -Id` against `pwsh -NoProfile -c "exit"`.
    With COMPASSPS_BENCH_BASELINE_MODULE set to the manifest of another build (an earlier release, say), that
    build's Import-Module runs in the same rounds, and the check compares the two: before and after, in one run.
#>
param(
    [Parameter(Mandatory)][string]$ModulePath,
    [Parameter(Mandatory)][string]$ToolsPath,
    [Parameter(Mandatory)][string]$ResultPath,
    [int]$Rounds = 11
)
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot '../BenchSupport.psm1')
Add-Type -Path $ToolsPath

$http = [CompassPS.Bench.Tools.BenchHttp]::CreateClient($env:COMPASS_BASE_URL, $env:COMPASS_API_KEY)
$runId = [CompassPS.Bench.Tools.RunSeeder]::CreateRuns($http, '55555555-5555-4555-8555-555555555555', 1, 1, '{"query":"import {0}"}')[0]

# The pwsh a user starts: the apphost next to this PowerShell when it has one, else `dotnet pwsh.dll`.
$apphost = Join-Path $PSHOME 'pwsh'
$launcher = @(if (Test-Path $apphost) { $apphost } else { [Environment]::ProcessPath; Join-Path $PSHOME 'pwsh.dll' })

function Invoke-Fresh([string]$Command) {
    $psi = [System.Diagnostics.ProcessStartInfo]::new($launcher[0])
    foreach ($a in ($launcher | Select-Object -Skip 1)) { $psi.ArgumentList.Add($a) }
    foreach ($a in '-NoProfile', '-NonInteractive', '-c', $Command) { $psi.ArgumentList.Add($a) }
    $psi.UseShellExecute = $false
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $process = [System.Diagnostics.Process]::Start($psi)
    $stdout = $process.StandardOutput.ReadToEndAsync()
    $stderr = $process.StandardError.ReadToEndAsync()
    $process.WaitForExit()
    if ($process.ExitCode -ne 0) { throw "pwsh -c '$Command' exited $($process.ExitCode): $($stderr.Result)$($stdout.Result)" }
}

$quotedModule = "'" + $ModulePath.Replace("'", "''") + "'"
# PowerShell's own floor for importing any module by a manifest: one that declares nothing.
$emptyDir = Join-Path ([IO.Path]::GetTempPath()) "compassps-bench-empty-$PID"
New-Item -ItemType Directory -Force $emptyDir | Out-Null
Set-Content -Path (Join-Path $emptyDir 'Empty.psd1') -Value "@{ ModuleVersion = '1.0.0'; FunctionsToExport = @(); CmdletsToExport = @(); VariablesToExport = @(); AliasesToExport = @() }"
$quotedEmpty = "'" + (Join-Path $emptyDir 'Empty.psd1').Replace("'", "''") + "'"
$exit = 'pwsh -c "exit"'
$empty = 'pwsh -c "Import-Module <empty manifest>"'
$import = 'pwsh -c "Import-Module CompassPS"'
$get = 'pwsh -c "Import-Module; Connect-Compass; Get-CompassRun -Id"'
$irm = 'pwsh -c "Invoke-RestMethod" (one GET)'
$bare = 'pwsh -c "Import-Module <manifest of one bare cmdlet>; one GET"'
# The floor of the second target: a manifest module (like CompassPS, imported by its psd1) whose one compiled
# cmdlet reads the run through a raw HttpClient and does nothing else.
Set-Content -Path (Join-Path $emptyDir 'Bare.psd1') -Value ("@{ ModuleVersion = '1.0.0'; RootModule = '" + $ToolsPath.Replace("'", "''") + "'; FunctionsToExport = @(); CmdletsToExport = @('Get-BareCompassRun'); VariablesToExport = @(); AliasesToExport = @() }")
$quotedBare = "'" + (Join-Path $emptyDir 'Bare.psd1').Replace("'", "''") + "'"
# The same bare module carrying CompassPS's views: PowerShell rebuilds its whole format database when a module
# brings any, which no module with views avoids.
$viewsDir = Join-Path $emptyDir 'views'
New-Item -ItemType Directory -Force $viewsDir | Out-Null
$formatFiles = @(Get-ChildItem -Path (Split-Path $ModulePath) -Filter '*.format.ps1xml' | Copy-Item -Destination $viewsDir -PassThru | ForEach-Object { "'" + $_.Name + "'" })
Set-Content -Path (Join-Path $viewsDir 'BareViews.psd1') -Value ("@{ ModuleVersion = '1.0.0'; RootModule = '" + $ToolsPath.Replace("'", "''") + "'; FormatsToProcess = @(" + ($formatFiles -join ', ') + "); FunctionsToExport = @(); CmdletsToExport = @('Get-BareCompassRun'); VariablesToExport = @(); AliasesToExport = @() }")
$quotedBareViews = "'" + (Join-Path $viewsDir 'BareViews.psd1').Replace("'", "''") + "'"
$bareViews = 'pwsh -c "Import-Module <the same with CompassPS''s views>; one GET"'
$baseline = 'pwsh -c "Import-Module <baseline build>"'
$baselineModule = $env:COMPASSPS_BENCH_BASELINE_MODULE
$commands = [ordered]@{
    $exit   = 'exit'
    $empty  = "Import-Module $quotedEmpty"
    $import = "Import-Module $quotedModule"
    $get    = "Import-Module $quotedModule; Connect-Compass; `$null = Get-CompassRun -Id $runId"
    $bare   = "Import-Module $quotedBare; `$null = Get-BareCompassRun -Id $runId"
    $bareViews = "Import-Module $quotedBareViews; `$null = Get-BareCompassRun -Id $runId"
    $irm    = "`$null = Invoke-RestMethod -Uri `"`$env:COMPASS_BASE_URL/v1/runs/$runId`" -Headers @{ Authorization = `"Bearer `$env:COMPASS_API_KEY`" }"
}
if ($baselineModule) {
    if (-not (Test-Path $baselineModule)) { throw "COMPASSPS_BENCH_BASELINE_MODULE names no file: $baselineModule" }
    $commands[$baseline] = "Import-Module '" + $baselineModule.Replace("'", "''") + "'"
}
$candidates = [ordered]@{}
foreach ($name in $commands.Keys) { $command = $commands[$name]; $candidates[$name] = { Invoke-Fresh $command }.GetNewClosure() }

Write-Host '  [import] warming up (file cache)'
foreach ($name in $commands.Keys) { Invoke-Fresh $commands[$name] }
$times = Measure-Alternating -Candidates $candidates -Rounds $Rounds -Label 'import'
Remove-Item -Recurse -Force $emptyDir

$median = @{}
foreach ($name in $times.Keys) { $median[$name] = Get-Median $times[$name] }
$importRatio = $median[$import] / $median[$exit]
$getRatio = $median[$get] / $median[$exit]
$irmRatio = $median[$get] / $median[$irm]
$emptyRatio = $median[$empty] / $median[$exit]
$bareRatio = $median[$bare] / $median[$exit]
$bareViewsRatio = $median[$bareViews] / $median[$exit]
$checks = @(
    New-Check -Name 'Import-Module vs exit' -CompassPS (Format-Ms $median[$import]) -Alternative (Format-Ms $median[$exit]) `
        -Value $importRatio -Display (Format-Ratio $importRatio) -Target '<= 1.10x' -Met ($importRatio -le 1.10)
    New-Check -Name 'Import, connect, one Get-CompassRun -Id vs exit' -CompassPS (Format-Ms $median[$get]) -Alternative (Format-Ms $median[$exit]) `
        -Value $getRatio -Display (Format-Ratio $getRatio) -Target '<= 1.25x' -Met ($getRatio -le 1.25)
    New-Check -Name 'PowerShell''s floor: importing an empty manifest module vs exit' -CompassPS (Format-Ms $median[$empty]) -Alternative (Format-Ms $median[$exit]) `
        -Value $emptyRatio -Display (Format-Ratio $emptyRatio) -Target 'none (published)' -Met $null
    New-Check -Name 'The floor of the second target: a manifest module of one bare cmdlet, imported, one GET, vs exit' -CompassPS (Format-Ms $median[$bare]) -Alternative (Format-Ms $median[$exit]) `
        -Value $bareRatio -Display (Format-Ratio $bareRatio) -Target 'none (published)' -Met $null
    New-Check -Name 'The same floor for a module with CompassPS''s views: the bare module with its five format files, vs exit' -CompassPS (Format-Ms $median[$bareViews]) -Alternative (Format-Ms $median[$exit]) `
        -Value $bareViewsRatio -Display (Format-Ratio $bareViewsRatio) -Target 'none (published)' -Met $null
    New-Check -Name 'Import, connect, one Get-CompassRun -Id vs one Invoke-RestMethod GET' -CompassPS (Format-Ms $median[$get]) -Alternative (Format-Ms $median[$irm]) `
        -Value $irmRatio -Display (Format-Ratio $irmRatio) -Target 'none (published)' -Met $null
)
if ($baselineModule) {
    $baselineRatio = $median[$import] / $median[$baseline]
    $baselineVersion = (Import-PowerShellDataFile $baselineModule).ModuleVersion
    $checks += New-Check -Name "Import-Module vs the baseline build ($baselineVersion, COMPASSPS_BENCH_BASELINE_MODULE): at most 20 ms slower" `
        -CompassPS (Format-Ms $median[$import]) -Alternative (Format-Ms $median[$baseline]) -Value $baselineRatio -Display (Format-Ratio $baselineRatio) `
        -Target '<= +20 ms' -Met (($median[$import] - $median[$baseline]) -le 20)
}
Save-ScenarioResult -Path $ResultPath -Result ([ordered]@{
    id          = 'import'
    title       = '1. Import'
    description = "Whole-process times (start to exit) of fresh ``pwsh -NoProfile -NonInteractive -c ...`` processes, one untimed run of each first (the file cache), then $Rounds rounds alternating the commands; medians. The module is imported by the path of the built manifest. The bare module is a manifest whose one compiled cmdlet (bench/CompassPS.Bench.Tools) reads the run through a raw HttpClient: what importing any manifest module and making its first HTTP call costs a fresh process, before any of the module's own work."
    candidates  = @(foreach ($name in $times.Keys) { New-CandidateResult -Name $name -Values $times[$name] })
    checks      = $checks
})
