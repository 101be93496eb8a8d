<#
.SYNOPSIS
    Scenario 4, streaming: a run of 100,000 events through Watch-CompassRun | Measure-Object against a raw C#
    SseParser loop reading the same stream (the limit); then the peak memory of a fresh pwsh watching a run of
    1,000,000 events against one watching a run of 1,000.
#>
param(
    [Parameter(Mandatory)][string]$ModulePath,
    [Parameter(Mandatory)][string]$ToolsPath,
    [Parameter(Mandatory)][string]$ResultPath,
    [int]$Events = 100000,
    [int]$SmallEvents = 1000,
    [int]$LargeEvents = 1000000,
    [int]$Rounds = 5
)
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot '../BenchSupport.psm1')
Import-Module $ModulePath
Add-Type -Path $ToolsPath

$baseUrl = $env:COMPASS_BASE_URL
$http = [CompassPS.Bench.Tools.BenchHttp]::CreateClient($baseUrl, $env:COMPASS_API_KEY)
# The seeded research deployment: its local model quotes the prompt back one word per output.delta event.
$research = '33333333-3333-4333-8333-333333333333'

function New-StreamRun([int]$Words) {
    $clock = [Diagnostics.Stopwatch]::StartNew()
    $id = [CompassPS.Bench.Tools.RunSeeder]::CreateRun($http, $research, ('{"topic":' + [CompassPS.Bench.Tools.RunSeeder]::WordsJson($Words) + '}'))
    # Measure replays of a finished run: the figures are the client's, not the server's generation speed.
    $count = [CompassPS.Bench.Tools.RawSseLoop]::CountEvents($http, $id)
    Write-Host ("  [streaming] run of {0:N0} events ready in {1:N1} s" -f $count, $clock.Elapsed.TotalSeconds)
    [pscustomobject]@{ Id = $id; Events = $count }
}

Connect-Compass
$run = New-StreamRun ($Events - 60)   # the answer wraps the prompt in a few more words; about $Events in all

$compass = 'Watch-CompassRun | Measure-Object'
$raw = 'C# SseParser loop (the limit)'
$floor = 'PowerShell alone: as many objects | Measure-Object'
$counted = @{}
$objects = [object[]](1..$run.Events)
$candidates = [ordered]@{
    $compass = { $counted[$compass] = (Watch-CompassRun -Id $run.Id | Measure-Object).Count }
    $raw     = { $counted[$raw] = [CompassPS.Bench.Tools.RawSseLoop]::CountEvents($http, $run.Id) }
    # What the pipeline into Measure-Object costs by itself, with no network and no decoding.
    $floor   = { $null = ($objects | Measure-Object).Count }
}
# Warm-up: one whole untimed pass of each, so that both are timed on optimised (tier-1) code.
Write-Host '  [streaming] warming up'
foreach ($name in $candidates.Keys) { & $candidates[$name] }
$times = Measure-Alternating -Candidates $candidates -Rounds $Rounds -Label 'streaming' -WarmupRounds 1
foreach ($name in $counted.Keys) {
    if ($counted[$name] -ne $run.Events) { throw "$name counted $($counted[$name]) events; the stream has $($run.Events)" }
}
$rate = @{}
foreach ($name in $times.Keys) { $rate[$name] = $run.Events / ((Get-Median $times[$name]) / 1000) }
$floorRatio = $rate[$floor] / $rate[$raw]

# Peak memory: each watch in its own fresh pwsh, which reports its own VmHWM.
$memory = [ordered]@{}
foreach ($size in $SmallEvents, $LargeEvents) {
    $sized = New-StreamRun ($size - 60)
    $out = Join-Path ([IO.Path]::GetTempPath()) "compassps-bench-stream-$size.json"
    $script = Join-Path $PSScriptRoot 'StreamMemory.ps1'
    $exit = Invoke-BenchPwsh -ArgumentList @('-File', $script, '-ModulePath', $ModulePath, '-RunId', $sized.Id, '-ResultPath', $out)
    if ($exit -ne 0) { throw "The memory child for $size events failed (exit $exit)" }
    $child = Get-Content $out -Raw | ConvertFrom-Json
    Remove-Item $out
    if ($child.Count -ne $sized.Events) { throw "The memory child counted $($child.Count) events; the stream has $($sized.Events)" }
    Write-Host ("  [streaming] {0:N0} events: peak working set {1:N1} MB ({2:N1} s)" -f $child.Count, $child.PeakMB, $child.Seconds)
    $memory["$size"] = $child
}
$growth = $memory["$LargeEvents"].PeakMB - $memory["$SmallEvents"].PeakMB

$ratio = $rate[$compass] / $rate[$raw]
$checks = @(
    New-Check -Name ("Event rate, {0:N0} events" -f $run.Events) -CompassPS ('{0:N0} events/s' -f $rate[$compass]) -Alternative ('{0:N0} events/s' -f $rate[$raw]) `
        -Value $ratio -Display ('{0:N2} of the limit' -f $ratio) -Target '>= 0.33 of the limit' -Met ($ratio -ge (1 / 3))
    New-Check -Name ("PowerShell alone: {0:N0} objects | Measure-Object vs the limit" -f $run.Events) -CompassPS ('{0:N0} objects/s' -f $rate[$floor]) -Alternative ('{0:N0} events/s' -f $rate[$raw]) `
        -Value $floorRatio -Display ('{0:N2} of the limit' -f $floorRatio) -Target 'none (published)' -Met $null
    New-Check -Name ("Peak memory, {0:N0} events vs {1:N0}" -f $memory["$LargeEvents"].Count, $memory["$SmallEvents"].Count) `
        -CompassPS ('{0:N1} MB' -f $memory["$LargeEvents"].PeakMB) -Alternative ('{0:N1} MB' -f $memory["$SmallEvents"].PeakMB) `
        -Value $growth -Display ('{0:+0.0;-0.0} MB' -f $growth) -Target '<= +50 MB' -Met ($growth -le 50)
)
Save-ScenarioResult -Path $ResultPath -Result ([ordered]@{
    id          = 'streaming'
    title       = '4. Streaming'
    description = "Replays of a finished run's event stream (one output.delta event per word of the prompt), one untimed warm-up round, then $Rounds rounds alternating the candidates in one pwsh; event rates from the medians. Peak memory: a fresh pwsh per run size runs Watch-CompassRun -Id <id> | Measure-Object and reads its own VmHWM (peak resident set) from /proc/self/status."
    candidates  = @(foreach ($name in $times.Keys) { New-CandidateResult -Name $name -Values $times[$name] -Note ('{0:N0} events/s' -f $rate[$name]) }) + @(
        foreach ($size in $memory.Keys) { New-CandidateResult -Name ('Peak working set, {0:N0} events' -f $memory["$size"].Count) -Values @($memory["$size"].PeakMB) -Unit 'MB' })
    checks      = $checks
})
