<#
.SYNOPSIS
    Scenario 5, waiting: Wait-CompassRun on 1,000 in-flight runs against an Invoke-RestMethod loop that polls
    each run. A counting proxy in front of the server counts every request either makes while it waits.
.DESCRIPTION
    Targets: requests per poll bounded by the pages of one list request (ceil(runs / 200), the wire's largest
    page), not by the number of runs; Wait-CompassRun done within one poll interval of the last run finishing.
#>
param(
    [Parameter(Mandatory)][string]$ModulePath,
    [Parameter(Mandatory)][string]$ToolsPath,
    [Parameter(Mandatory)][string]$ResultPath,
    [int]$Runs = 1000,
    [int]$Rounds = 2,
    # Wait-CompassRun's longest interval between polls (RunWaiter.MaxInterval); also the naive loop's interval.
    [double]$PollIntervalSec = 2
)
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot '../BenchSupport.psm1')
Import-Module $ModulePath
Add-Type -Path $ToolsPath

$baseUrl = $env:COMPASS_BASE_URL
$research = '33333333-3333-4333-8333-333333333333'
$http = [CompassPS.Bench.Tools.BenchHttp]::CreateClient($baseUrl, $env:COMPASS_API_KEY)
$proxy = [CompassPS.Bench.Tools.CountingProxy]::new($baseUrl)
$direct = Connect-Compass -BaseUrl $baseUrl -PassThru
$proxied = Connect-Compass -BaseUrl $proxy.BaseUrl -PassThru
$headers = @{ Authorization = "Bearer $env:COMPASS_API_KEY" }
$session = [Microsoft.PowerShell.Commands.WebRequestSession]::new()
$table = @(1..$Runs | ForEach-Object { [pscustomobject]@{ topic = "waiting benchmark row $_" } })
$pageBound = [int][Math]::Ceiling($Runs / 200)

function Get-Polls([CompassPS.Bench.Tools.ProxiedRequest[]]$Requests, [scriptblock]$StartsPoll) {
    # The number of requests in each poll, a poll starting at each request for which $StartsPoll is true.
    $polls = [System.Collections.Generic.List[int]]::new()
    foreach ($r in ($Requests | Sort-Object Timestamp)) {
        if ($polls.Count -eq 0 -or (& $StartsPoll $r)) { $polls.Add(0) }
        $polls[$polls.Count - 1]++
    }
    , $polls.ToArray()
}

# Wait-CompassRun's polls each list from the newest run (offset 0); the naive loop's sweeps are separated by its sleep.
$listStart = { param($r) $r.PathAndQuery -match '^/v1/runs/\?(.*&)?offset=0(&|$)' }
$gap = [Diagnostics.Stopwatch]::Frequency * ($PollIntervalSec / 2)
$sweepStart = { param($r) $null -ne $script:previous -and ($r.Timestamp - $script:previous) -gt $gap; $script:previous = $r.Timestamp }

function Measure-Wait([string]$Name, [scriptblock]$Dispatch, [scriptblock]$Wait, [scriptblock]$StartsPoll) {
    [CompassPS.Bench.Tools.RunSeeder]::WaitUntilIdle($http, [TimeSpan]::FromSeconds(120))
    $dispatched = & $Dispatch
    $proxy.Clear()
    $finished = @(& $Wait $dispatched)
    $end = [DateTimeOffset]::UtcNow
    $requests = $proxy.Requests
    if ($finished.Count -ne $Runs) { throw "$Name returned $($finished.Count) runs, not $Runs" }
    $lastDone = ($finished | ForEach-Object { [DateTimeOffset]$_.CompletedAt } | Measure-Object -Maximum).Maximum
    $script:previous = $null
    $polls = Get-Polls $requests $StartsPoll
    $figures = [pscustomobject]@{
        Requests = $requests.Count; Polls = $polls.Count; MaxPerPoll = ($polls | Measure-Object -Maximum).Maximum
        LagSec = ($end - $lastDone).TotalSeconds
    }
    Write-Host ("  [waiting] {0,-34} {1,5} requests in {2,3} polls (at most {3} per poll); done {4:N2} s after the last run finished" -f `
        $Name, $figures.Requests, $figures.Polls, $figures.MaxPerPoll, $figures.LagSec)
    $figures
}

$compass = 'Wait-CompassRun'
$naive = 'Invoke-RestMethod -WebSession, polling each run'
$results = @{ $compass = @(); $naive = @() }
for ($round = 0; $round -lt $Rounds; $round++) {
    $order = if ($round % 2) { $naive, $compass } else { $compass, $naive }
    foreach ($name in $order) {
        if ($name -eq $compass) {
            $results[$name] += Measure-Wait $name `
                { @($table | Start-CompassRun -DeploymentId $research -ThrottleLimit 16 -Context $direct) } `
                { param($runs) $runs | Wait-CompassRun -Context $proxied } $listStart
        }
        else {
            $results[$name] += Measure-Wait $name `
                { [CompassPS.Bench.Tools.RunSeeder]::CreateRuns($http, $research, $Runs, 16, '{"topic":"waiting benchmark row {0}"}') } `
                {
                    param($ids)
                    $pending = [System.Collections.Generic.List[string]]::new([string[]]$ids)
                    while ($pending.Count -gt 0) {
                        foreach ($id in @($pending)) {
                            $run = Invoke-RestMethod -Uri "$($proxy.BaseUrl)/v1/runs/$id" -Headers $headers -WebSession $session
                            if ($run.status -in 'completed', 'failed', 'cancelled') {
                                $null = $pending.Remove($id)
                                [pscustomobject]@{ CompletedAt = $run.completed_at }
                            }
                        }
                        if ($pending.Count -gt 0) { Start-Sleep -Seconds $PollIntervalSec }
                    }
                } $sweepStart
        }
    }
}
$proxy.Dispose()

$c = $results[$compass]
$n = $results[$naive]
$maxPerPoll = ($c.MaxPerPoll | Measure-Object -Maximum).Maximum
$naiveMaxPerPoll = ($n.MaxPerPoll | Measure-Object -Maximum).Maximum
$lag = Get-Median ([double[]]$c.LagSec)
$naiveLag = Get-Median ([double[]]$n.LagSec)
$checks = @(
    New-Check -Name "Requests per poll, $Runs runs in flight" -CompassPS "at most $maxPerPoll" -Alternative "at most $naiveMaxPerPoll" `
        -Value $maxPerPoll -Display "$maxPerPoll (bound $pageBound)" -Target "<= $pageBound (pages of one list)" -Met ($maxPerPoll -le $pageBound)
    New-Check -Name 'Requests while waiting, all polls' -CompassPS ('{0:N0}' -f (Get-Median ([double[]]$c.Requests))) -Alternative ('{0:N0}' -f (Get-Median ([double[]]$n.Requests))) `
        -Value ((Get-Median ([double[]]$n.Requests)) / (Get-Median ([double[]]$c.Requests))) `
        -Display ('{0} fewer' -f (Format-Ratio ((Get-Median ([double[]]$n.Requests)) / (Get-Median ([double[]]$c.Requests))))) -Target 'none (published)' -Met $null
    New-Check -Name 'Done after the last run finished' -CompassPS ('{0:N2} s' -f $lag) -Alternative ('{0:N2} s' -f $naiveLag) `
        -Value $lag -Display ('{0:N2} s' -f $lag) -Target ("<= one poll interval ({0:N0} s)" -f $PollIntervalSec) -Met ($lag -le $PollIntervalSec)
)
Save-ScenarioResult -Path $ResultPath -Result ([ordered]@{
    id          = 'waiting'
    title       = '5. Waiting'
    description = "$Runs runs of the seeded demo-research deployment dispatched (untimed), then waited for through a counting loopback proxy; $Rounds rounds alternating. A Wait-CompassRun poll starts with each list request at offset 0; a naive sweep, after each pause of over half its $PollIntervalSec s sleep. Lag: end of the wait minus the latest completed_at."
    candidates  = @(
        foreach ($name in $compass, $naive) {
            New-CandidateResult -Name "$name, requests while waiting" -Values ([double[]]$results[$name].Requests) -Unit 'requests'
            New-CandidateResult -Name "$name, polls" -Values ([double[]]$results[$name].Polls) -Unit 'polls'
            New-CandidateResult -Name "$name, done after the last run" -Values ([double[]]$results[$name].LagSec) -Unit 's'
        })
    checks      = $checks
})
