<#
.SYNOPSIS
    Run in a fresh pwsh by Paging.ps1: lists the first N runs through Measure-Object and reports this process's
    peak resident set (VmHWM).
#>
param(
    [Parameter(Mandatory)][string]$ModulePath,
    [Parameter(Mandatory)][string]$DeploymentId,
    [Parameter(Mandatory)][int]$First,
    [Parameter(Mandatory)][string]$ResultPath
)
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot '../BenchSupport.psm1')
Import-Module $ModulePath
Connect-Compass
$clock = [Diagnostics.Stopwatch]::StartNew()
$count = (Get-CompassRun -DeploymentId $DeploymentId -First $First | Measure-Object).Count
$seconds = $clock.Elapsed.TotalSeconds
@{ Count = $count; PeakMB = (Get-PeakWorkingSetMB); Seconds = $seconds } | ConvertTo-Json | Set-Content -Path $ResultPath -Encoding utf8
