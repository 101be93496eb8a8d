<#
.SYNOPSIS
    Run in a fresh pwsh by Streaming.ps1: watches one run through Measure-Object and reports this process's peak
    resident set (VmHWM), so the figure covers nothing but importing the module and streaming.
#>
param(
    [Parameter(Mandatory)][string]$ModulePath,
    [Parameter(Mandatory)][string]$RunId,
    [Parameter(Mandatory)][string]$ResultPath
)
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot '../BenchSupport.psm1')
Import-Module $ModulePath
Connect-Compass
$clock = [Diagnostics.Stopwatch]::StartNew()
$count = (Watch-CompassRun -Id $RunId | Measure-Object).Count
$seconds = $clock.Elapsed.TotalSeconds
@{ Count = $count; PeakMB = (Get-PeakWorkingSetMB); Seconds = $seconds } | ConvertTo-Json | Set-Content -Path $ResultPath -Encoding utf8
