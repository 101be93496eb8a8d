<#
.SYNOPSIS
    CompassPS in one minute: connect, dispatch a run, watch it live, read its output.
.DESCRIPTION
    Runs against any Compass server; `./build.ps1 Demo` starts a local one and passes its URL. The key is the local
    server's well-known development key (never a place for real secrets).
.EXAMPLE
    ./build.ps1 Demo
#>
[CmdletBinding()]
param(
    # The module to import (by path, so the demo never picks up another installed copy).
    [string]$ModulePath = (Join-Path $PSScriptRoot '../out/CompassPS/CompassPS.psd1'),
    [Parameter(Mandatory)]
    [string]$BaseUrl,
    [string]$Topic = 'the history of the compass'
)

$ErrorActionPreference = 'Stop'
Import-Module $ModulePath

# 1. Connect: the context becomes this session's default, so no later command repeats the URL or key.
Connect-Compass -BaseUrl $BaseUrl -ApiKey 'cmp_local_project_key'

# 2. Find the seeded research deployment.
$deployment = Get-CompassDeployment -Id '33333333-3333-4333-8333-333333333333'
Write-Host "Deployment: $($deployment.Name) (live version $($deployment.LiveVersion))"

# 3. Dispatch a run and follow it: each step, the tool call, and the answer as it is written, piece by piece.
Write-Host "Starting a run on '$Topic'..."
$run = $deployment | Start-CompassRun -InputData @{ topic = $Topic } -Follow

# 4. The finished run is an object like any other.
Write-Host ''
Write-Host "Run $($run.Id): $($run.Status) in $($run.DurationMs) ms, $($run.TotalTokens) tokens."
Write-Host 'Final output:'
Write-Host $run.Output

Disconnect-Compass
if ($run.Status -ne 'completed') { exit 1 }
exit 0
