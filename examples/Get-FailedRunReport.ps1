<#
.SYNOPSIS
    Lists the Compass runs that failed recently, grouped by error, for a morning check or a ticket.
.DESCRIPTION
    Reads the project's failed runs, newest first, back to -Since, and writes one object per failed run
    (CreatedAt, RunId, Deployment, Error, DurationMs). It then shows how many runs failed with each error,
    most frequent first. With -Path the runs also go to a CSV file.

    The exit code is 0 when the report was made, whatever it contains, and 1 when it could not be made
    (no connection, bad key). With -FailIfAny it is 1 also when any run failed, so a scheduler can raise
    an alert.

    It never prompts. The Compass URL and key come from the environment (see NOTES).
.PARAMETER Since
    How far back to look, as a TimeSpan: 7.00:00:00 is seven days, 06:00:00 six hours (text that works on a
    command line, also under pwsh -File). Default: the last 24 hours.
.PARAMETER DeploymentId
    Only runs of this deployment.
.PARAMETER MaxRuns
    Read at most this many failed runs (the newest). Default: 1000.
.PARAMETER Path
    Also write the failed runs to this CSV file.
.PARAMETER FailIfAny
    Exit with code 1 when at least one run failed in the period.
.EXAMPLE
    ./Get-FailedRunReport.ps1

    The runs that failed in the last 24 hours, and a count per error.
.EXAMPLE
    pwsh -NoProfile -NonInteractive -File ./Get-FailedRunReport.ps1 -Since 7.00:00:00 -Path failed.csv -FailIfAny

    A week's failures to failed.csv; exit code 1 if there were any. Under -File every argument is text, so the
    week is written 7.00:00:00 (days.hours:minutes:seconds); (New-TimeSpan -Days 7) works only inside PowerShell.
.NOTES
    Set these in the scheduler, the CI job's secret variables or the Automation account, never in the script:
        COMPASS_BASE_URL    e.g. https://compass.example.com
        COMPASS_API_KEY     the project key
        COMPASS_PROJECT_ID  optional
    See: Get-Help about_CompassPS
#>
#requires -Version 5.1
#requires -Modules CompassPS

[CmdletBinding()]
param(
    [TimeSpan]$Since = (New-TimeSpan -Hours 24),

    [string]$DeploymentId,

    [ValidateRange(1, 100000)]
    [int]$MaxRuns = 1000,

    [string]$Path,

    [switch]$FailIfAny
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$cutoff = [DateTimeOffset]::UtcNow - $Since
$filter = @{ Status = 'failed' }
if ($DeploymentId) { $filter.DeploymentId = $DeploymentId }

try {
    $deploymentNames = @{}
    foreach ($deployment in Get-CompassDeployment) { $deploymentNames[$deployment.Id] = $deployment.Name }

    # Runs come newest first, page by page; -First caps how many pages are read.
    $failed = @(
        Get-CompassRun @filter -First $MaxRuns | Where-Object CreatedAt -GE $cutoff | ForEach-Object {
            [pscustomobject]@{
                CreatedAt  = $_.CreatedAt
                RunId      = $_.Id
                Deployment = if ($_.DeploymentId -and $deploymentNames.ContainsKey($_.DeploymentId)) { $deploymentNames[$_.DeploymentId] } else { $_.DeploymentId }
                Error      = "$($_.Error)"
                DurationMs = $_.DurationMs
            }
        })
}
catch {
    Write-Error "The report could not be made: $($_.Exception.Message)" -ErrorAction Continue
    exit 1
}

$failed
# Times in the file as ISO 8601, so any tool reads them the same whatever the machine's culture.
if ($Path) {
    $failed | Select-Object @{ Name = 'CreatedAt'; Expression = { $_.CreatedAt.ToString('o') } }, RunId, Deployment, Error, DurationMs |
        Export-Csv -Path $Path -NoTypeInformation
}

Write-Host "$($failed.Count) run(s) failed since $($cutoff.ToString('u'))."
$failed | Group-Object Error | Sort-Object Count -Descending |
    Select-Object Count, @{ Name = 'Error'; Expression = { $_.Name } } | Format-Table -AutoSize -Wrap | Out-Host
exit [int]($FailIfAny -and $failed.Count -gt 0)
