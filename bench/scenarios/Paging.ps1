<#
.SYNOPSIS
    Scenario 6, paging: listing 50,000 runs. The first object must reach the pipeline before the second page is
    requested (seen through a counting proxy), and a fresh pwsh listing all 50,000 must peak at most 30 MB above
    one listing 5,000. Also times the whole listing against an Invoke-RestMethod -WebSession page loop.
#>
param(
    [Parameter(Mandatory)][string]$ModulePath,
    [Parameter(Mandatory)][string]$ToolsPath,
    [Parameter(Mandatory)][string]$ResultPath,
    [int]$Runs = 50000,
    [int]$SmallRuns = 5000,
    [int]$Rounds = 2
)
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot '../BenchSupport.psm1')
Import-Module $ModulePath
Add-Type -Path $ToolsPath

$baseUrl = $env:COMPASS_BASE_URL
$lookup = '55555555-5555-4555-8555-555555555555'
$http = [CompassPS.Bench.Tools.BenchHttp]::CreateClient($baseUrl, $env:COMPASS_API_KEY)
$headers = @{ Authorization = "Bearer $env:COMPASS_API_KEY" }

$clock = [Diagnostics.Stopwatch]::StartNew()
Write-Host ("  [paging] seeding {0:N0} runs" -f $Runs)
$null = [CompassPS.Bench.Tools.RunSeeder]::CreateRuns($http, $lookup, $Runs, 16, '{"query":"page {0}"}')
[CompassPS.Bench.Tools.RunSeeder]::WaitUntilIdle($http, [TimeSpan]::FromSeconds(300))
Write-Host ("  [paging] seeded in {0:N1} s" -f $clock.Elapsed.TotalSeconds)

# First object against the second page request, through the counting proxy.
$proxy = [CompassPS.Bench.Tools.CountingProxy]::new($baseUrl)
$proxied = Connect-Compass -BaseUrl $proxy.BaseUrl -PassThru
$firstAt = $null
$listed = 0
Get-CompassRun -DeploymentId $lookup -Context $proxied | ForEach-Object {
    if ($null -eq $firstAt) { $firstAt = [Diagnostics.Stopwatch]::GetTimestamp() }
    $listed++
}
$lists = @($proxy.Requests | Where-Object { $_.PathAndQuery -like '/v1/runs/?*' -or $_.PathAndQuery -eq '/v1/runs/' } | Sort-Object Timestamp)
$proxy.Dispose()
if ($listed -ne $Runs) { throw "Get-CompassRun listed $listed runs, not $Runs" }
if ($lists.Count -lt 2) { throw "Listing $Runs runs took $($lists.Count) list request(s)" }
$leadMs = ($lists[1].Timestamp - $firstAt) * 1000 / [Diagnostics.Stopwatch]::Frequency
Write-Host ("  [paging] {0} list requests; first object {1:N1} ms before the second page was requested" -f $lists.Count, $leadMs)

# Whole listing, direct: CompassPS against a hand-written Invoke-RestMethod page loop.
Connect-Compass
$compass = 'Get-CompassRun (all pages)'
$irm = 'Invoke-RestMethod -WebSession page loop'
$session = [Microsoft.PowerShell.Commands.WebRequestSession]::new()
$counted = @{}
$candidates = [ordered]@{
    $compass = { $counted[$compass] = (Get-CompassRun -DeploymentId $lookup | Measure-Object).Count }
    $irm     = {
        $offset = 0
        $n = 0
        do {
            $page = Invoke-RestMethod -Uri "$baseUrl/v1/runs/?deployment_id=$lookup&limit=200&offset=$offset" -Headers $headers -WebSession $session
            foreach ($item in $page.items) { $n++ }
            $offset += $page.items.Count
        } while ($page.items.Count -gt 0 -and $offset -lt $page.total)
        $counted[$irm] = $n
    }
}
$times = Measure-Alternating -Candidates $candidates -Rounds $Rounds -Label 'paging'
foreach ($name in $counted.Keys) { if ($counted[$name] -ne $Runs) { throw "$name listed $($counted[$name]) runs, not $Runs" } }

# Peak memory: each listing in its own fresh pwsh, which reports its own VmHWM.
$memory = [ordered]@{}
foreach ($size in $SmallRuns, $Runs) {
    $out = Join-Path ([IO.Path]::GetTempPath()) "compassps-bench-paging-$size.json"
    $exit = Invoke-BenchPwsh -ArgumentList @('-File', (Join-Path $PSScriptRoot 'PagingMemory.ps1'), '-ModulePath', $ModulePath,
        '-DeploymentId', $lookup, '-First', $size, '-ResultPath', $out)
    if ($exit -ne 0) { throw "The memory child for $size runs failed (exit $exit)" }
    $child = Get-Content $out -Raw | ConvertFrom-Json
    Remove-Item $out
    if ($child.Count -ne $size) { throw "The memory child listed $($child.Count) runs, not $size" }
    Write-Host ("  [paging] {0:N0} runs: peak working set {1:N1} MB ({2:N1} s)" -f $child.Count, $child.PeakMB, $child.Seconds)
    $memory["$size"] = $child
}
$growth = $memory["$Runs"].PeakMB - $memory["$SmallRuns"].PeakMB
$cm = Get-Median $times[$compass]
$im = Get-Median $times[$irm]
$checks = @(
    New-Check -Name 'First object before the second page request' -CompassPS ('{0:N1} ms ahead' -f $leadMs) -Alternative "$($lists.Count) list requests" `
        -Value $leadMs -Display $(if ($leadMs -gt 0) { 'before' } else { 'after' }) -Target 'before' -Met ($leadMs -gt 0)
    New-Check -Name ("Peak memory, {0:N0} runs vs {1:N0}" -f $Runs, $SmallRuns) -CompassPS ('{0:N1} MB' -f $memory["$Runs"].PeakMB) -Alternative ('{0:N1} MB' -f $memory["$SmallRuns"].PeakMB) `
        -Value $growth -Display ('{0:+0.0;-0.0} MB' -f $growth) -Target '<= +30 MB' -Met ($growth -le 30)
    New-Check -Name ("Listing {0:N0} runs vs an Invoke-RestMethod -WebSession page loop" -f $Runs) -CompassPS (Format-Ms $cm) -Alternative (Format-Ms $im) `
        -Value ($im / $cm) -Display ('{0} faster' -f (Format-Ratio ($im / $cm))) -Target 'none (published)' -Met $null
)
Save-ScenarioResult -Path $ResultPath -Result ([ordered]@{
    id          = 'paging'
    title       = '6. Paging'
    description = "$Runs runs of the seeded demo-lookup deployment. First object: Stopwatch time of the first object in the pipeline against the arrival of the second list request at a counting loopback proxy (same process, same clock). Peak memory: a fresh pwsh runs Get-CompassRun -First N | Measure-Object and reads its own VmHWM from /proc/self/status. Listing times: $Rounds rounds alternating; medians."
    candidates  = @(foreach ($name in $times.Keys) { New-CandidateResult -Name $name -Values $times[$name] }) + @(
        foreach ($size in $memory.Keys) { New-CandidateResult -Name ('Peak working set, {0:N0} runs' -f [int]$size) -Values @($memory["$size"].PeakMB) -Unit 'MB' })
    checks      = $checks
})
