<#
.SYNOPSIS
    Runs a Compass deployment once for every row of a CSV file and reports the outcome to the scheduler.
.DESCRIPTION
    Each row of the CSV file becomes the input of one run (its columns become the run's input fields).
    The runs are dispatched concurrently, at most -ThrottleLimit at a time, and the script waits for all
    of them to end. Every row is dispatched exactly once: a retried dispatch carries an idempotency key,
    so a network hiccup never starts a row twice.

    With -BatchId, that holds across restarts too: row N of the batch is dispatched with the key
    "<BatchId>-row-N", so running the script again with the same -BatchId and the same file (after a
    crash, a stopped job, a re-run pipeline) dispatches nothing twice: the server answers each row that
    was already dispatched with the run it made then, and the script waits for those runs as for new
    ones. Each row is reported once. The server keeps a key for its idempotency window (24 hours on the
    local server). A row whose content changed since the first attempt is not run again: it is reported
    as not dispatched with CompassPS.Conflict (HTTP 409 IDEMPOTENCY_KEY_REUSED).

    The script writes one object per run (Row, RunId, Status, Error, DurationMs), a summary line, and,
    with -ReportPath, the same objects as a CSV report. Its exit code tells a scheduler what happened:
        0  every row's run completed
        1  at least one run failed or was cancelled, or a row could not be dispatched
        2  the batch could not run at all (no such file, no connection, bad key, no such deployment)

    It never prompts. The Compass URL and key come from the environment (see NOTES).
.PARAMETER Path
    The CSV file. Each row is one run's input; the first line names the input fields.
.PARAMETER DeploymentId
    The deployment to run. Find it with: Get-CompassDeployment | Format-Table Id, Name
.PARAMETER BatchId
    Names this batch, e.g. "nightly-2026-12-04" or the scheduler's job id, so that a re-run of the same
    batch dispatches no row twice (see DESCRIPTION). Without it, every run of the script is a new batch.
.PARAMETER ThrottleLimit
    How many runs may be dispatched at once. Lower it if the server answers 429 (rate limited).
.PARAMETER TimeoutSec
    How long to wait for all runs to end. Runs still going after that are reported as not finished
    (the runs themselves carry on in Compass).
.PARAMETER ReportPath
    Also write the per-run results to this CSV file.
.EXAMPLE
    pwsh -NoProfile -NonInteractive -File ./Invoke-NightlyBatch.ps1 -Path topics.csv -DeploymentId 33333333-3333-4333-8333-333333333333

    Runs the deployment once per row of topics.csv (a file with a 'topic' column) and exits 0 if every run completed.
.EXAMPLE
    ./Invoke-NightlyBatch.ps1 -Path topics.csv -DeploymentId $id -ThrottleLimit 4 -ReportPath "nightly-$(Get-Date -Format yyyyMMdd).csv"

    The same with at most 4 runs in flight, keeping a CSV report of every run.
.EXAMPLE
    ./Invoke-NightlyBatch.ps1 -Path topics.csv -DeploymentId $id -BatchId "nightly-$(Get-Date -Format yyyy-MM-dd)"

    Tonight's batch, safe to run again: if the job is restarted after a crash, the rows already dispatched
    are not dispatched again, and the script waits for their runs and reports them with the others.
.NOTES
    Set these in the scheduler, the CI job's secret variables or the Automation account, never in the script:
        COMPASS_BASE_URL    e.g. https://compass.example.com
        COMPASS_API_KEY     the project key
        COMPASS_PROJECT_ID  optional
    With a SecretManagement vault instead, connect first and this script uses that connection:
        Connect-Compass -BaseUrl $url -SecretName CompassKey
    See: Get-Help about_CompassPS
#>
#requires -Version 5.1
#requires -Modules CompassPS

[CmdletBinding()]
param(
    [Parameter(Mandatory)]
    [string]$Path,

    [Parameter(Mandatory)]
    [string]$DeploymentId,

    # Room for "-row-N" within the 255 characters a key may have.
    [ValidateLength(1, 200)]
    [ValidatePattern('\S')]
    [string]$BatchId,

    [ValidateRange(1, 64)]
    [int]$ThrottleLimit = 8,

    [ValidateRange(1, 86400)]
    [int]$TimeoutSec = 3600,

    [string]$ReportPath
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

try {
    $rows = @(Import-Csv -Path $Path)
    if ($rows.Count -eq 0) { throw "$Path has no rows." }
    # Fail fast on a wrong id or key, before dispatching anything.
    $deployment = Get-CompassDeployment -Id $DeploymentId
}
catch {
    Write-Error "The batch could not start: $($_.Exception.Message)" -ErrorAction Continue
    exit 2
}

Write-Verbose "Dispatching $($rows.Count) row(s) of $Path to deployment $($deployment.Name)"
$batchErrors = @()
$dispatch = @{ DeploymentId = $DeploymentId; ThrottleLimit = $ThrottleLimit; Wait = $true; TimeoutSec = $TimeoutSec }
if ($BatchId) {
    # One key per row, the same on every run of this batch: the delay-bind script block is evaluated once for each
    # row, in order, so the counter is the row's number in the file.
    $rowNumber = 0
    $dispatch.IdempotencyKey = { "$BatchId-row-$((++$script:rowNumber))" }
    Write-Verbose "Batch '$BatchId': rows already dispatched by an earlier attempt are not dispatched again."
}
# Errors are collected and reported; they do not stop the other rows. Besides dispatch errors (a row the server
# rejects) and timeouts, -Wait writes one error per run that ends failed or cancelled (CompassPS.RunNotCompleted):
# with -ErrorAction Stop a runbook would end at the first of them. Here every row must run, so they are collected
# too; the runs themselves, written as well, carry the status and the error.
$runs = @($rows | Start-CompassRun @dispatch -ErrorAction SilentlyContinue -ErrorVariable batchErrors)
$dispatchErrors = @($batchErrors | Where-Object { $_.FullyQualifiedErrorId -notlike 'CompassPS.RunNotCompleted,*' })

$results = @(
    foreach ($run in $runs) {
        [pscustomobject]@{
            Row        = $run.InputData | ConvertTo-Json -Compress -Depth 5
            RunId      = $run.Id
            Status     = $run.Status
            Error      = if ($run.Error) { "$($run.Error)" } else { '' }
            DurationMs = $run.DurationMs
        }
    }
    foreach ($failure in $dispatchErrors) {
        $errorId = $failure.FullyQualifiedErrorId.Split(',')[0]
        [pscustomobject]@{
            Row        = ''
            RunId      = ''
            # A timeout means the runs were dispatched but had not all ended in time.
            Status     = if ($errorId -eq 'CompassPS.Timeout') { 'not finished' } else { 'not dispatched' }
            Error      = "${errorId}: $($failure.Exception.Message)"
            DurationMs = $null
        }
    }
)
$results

if ($ReportPath) { $results | Export-Csv -Path $ReportPath -NoTypeInformation }

$completed = @($runs | Where-Object Status -EQ 'completed').Count
$failed = @($runs | Where-Object Status -NE 'completed').Count
Write-Host ("Nightly batch: {0} row(s), {1} completed, {2} failed or cancelled, {3} not dispatched or not finished within {4} s." -f
    $rows.Count, $completed, $failed, ($rows.Count - $runs.Count), $TimeoutSec)
foreach ($r in $results) { if ($r.Status -ne 'completed') { Write-Warning "Run '$($r.RunId)' $($r.Status): $($r.Error)" } }
exit [int]($completed -ne $rows.Count)
