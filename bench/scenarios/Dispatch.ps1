<#
.SYNOPSIS
    Scenario 3, bulk dispatch: 2,000 rows piped into Start-CompassRun -ThrottleLimit 16 against
    ForEach-Object -Parallel -ThrottleLimit 16 { Invoke-RestMethod } and a serial Invoke-RestMethod loop.
#>
param(
    [Parameter(Mandatory)][string]$ModulePath,
    [Parameter(Mandatory)][string]$ToolsPath,
    [Parameter(Mandatory)][string]$ResultPath,
    [int]$Rows = 2000,
    [int]$ThrottleLimit = 16,
    [int]$Rounds = 5
)
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot '../BenchSupport.psm1')
Import-Module $ModulePath
Add-Type -Path $ToolsPath

$baseUrl = $env:COMPASS_BASE_URL
$deploymentId = '55555555-5555-4555-8555-555555555555'
$http = [CompassPS.Bench.Tools.BenchHttp]::CreateClient($baseUrl, $env:COMPASS_API_KEY)
$headers = @{ Authorization = "Bearer $env:COMPASS_API_KEY" }
$runsUrl = "$baseUrl/v1/runs/"
$table = @(1..$Rows | ForEach-Object { [pscustomobject]@{ query = "row $_" } })
Connect-Compass

$compass = "Start-CompassRun -ThrottleLimit $ThrottleLimit"
$parallel = "ForEach-Object -Parallel -ThrottleLimit $ThrottleLimit { Invoke-RestMethod }"
$serial = 'Invoke-RestMethod, serial loop'
$raw = "C# HttpClient, $ThrottleLimit in flight (the server's limit)"
$candidates = [ordered]@{
    $raw      = {
        $created = [CompassPS.Bench.Tools.RunSeeder]::CreateRuns($http, $deploymentId, $Rows, $ThrottleLimit, '{"query":"row {0}"}')
        if ($created.Count -ne $Rows) { throw "The C# loop created $($created.Count) runs, not $Rows" }
    }
    $compass  = {
        $created = @($table | Start-CompassRun -DeploymentId $deploymentId -ThrottleLimit $ThrottleLimit)
        if ($created.Count -ne $Rows) { throw "Start-CompassRun created $($created.Count) runs, not $Rows" }
    }
    $parallel = {
        $created = @($table | ForEach-Object -ThrottleLimit $ThrottleLimit -Parallel {
            $body = @{ deployment_id = $using:deploymentId; input_data = $_ } | ConvertTo-Json -Compress
            Invoke-RestMethod -Method Post -Uri $using:runsUrl -Headers $using:headers -Body $body -ContentType 'application/json'
        })
        if ($created.Count -ne $Rows) { throw "ForEach-Object -Parallel created $($created.Count) runs, not $Rows" }
    }
    $serial   = {
        $created = @(foreach ($row in $table) {
            $body = @{ deployment_id = $deploymentId; input_data = $row } | ConvertTo-Json -Compress
            Invoke-RestMethod -Method Post -Uri $runsUrl -Headers $headers -Body $body -ContentType 'application/json'
        })
        if ($created.Count -ne $Rows) { throw "The serial loop created $($created.Count) runs, not $Rows" }
    }
}

Write-Host '  [dispatch] warming up'
$null = $table[0..31] | Start-CompassRun -DeploymentId $deploymentId -ThrottleLimit $ThrottleLimit
$null = $table[0..31] | ForEach-Object -ThrottleLimit $ThrottleLimit -Parallel {
    Invoke-RestMethod -Method Post -Uri $using:runsUrl -Headers $using:headers -Body (@{ deployment_id = $using:deploymentId; input_data = $_ } | ConvertTo-Json -Compress) -ContentType 'application/json'
}
[CompassPS.Bench.Tools.RunSeeder]::WaitUntilIdle($http, [TimeSpan]::FromSeconds(120))

# Between candidates the server finishes executing the runs just dispatched, so no candidate pays for another's.
$times = Measure-Alternating -Candidates $candidates -Rounds $Rounds -Label 'dispatch' -WarmupRounds 1 `
    -Between { [CompassPS.Bench.Tools.RunSeeder]::WaitUntilIdle($http, [TimeSpan]::FromSeconds(120)) }

$median = @{}
foreach ($name in $times.Keys) { $median[$name] = Get-Median $times[$name] }
$checks = @(
    New-Check -Name "$Rows dispatches vs ForEach-Object -Parallel" -CompassPS (Format-Ms $median[$compass]) -Alternative (Format-Ms $median[$parallel]) `
        -Value ($median[$parallel] / $median[$compass]) -Display ('{0} faster' -f (Format-Ratio ($median[$parallel] / $median[$compass]))) `
        -Target '>= 3x faster' -Met (($median[$parallel] / $median[$compass]) -ge 3)
    New-Check -Name "$Rows dispatches vs a serial Invoke-RestMethod loop" -CompassPS (Format-Ms $median[$compass]) -Alternative (Format-Ms $median[$serial]) `
        -Value ($median[$serial] / $median[$compass]) -Display ('{0} faster' -f (Format-Ratio ($median[$serial] / $median[$compass]))) `
        -Target '>= 5x faster' -Met (($median[$serial] / $median[$compass]) -ge 5)
    New-Check -Name "$Rows dispatches vs a C# HttpClient with $ThrottleLimit in flight (the server's limit)" -CompassPS (Format-Ms $median[$compass]) -Alternative (Format-Ms $median[$raw]) `
        -Value ($median[$compass] / $median[$raw]) -Display ('{0} the limit' -f (Format-Ratio ($median[$compass] / $median[$raw]))) `
        -Target 'none (published)' -Met $null
    New-Check -Name "The best any client can do vs the serial loop (serial / the limit)" -CompassPS (Format-Ms $median[$raw]) -Alternative (Format-Ms $median[$serial]) `
        -Value ($median[$serial] / $median[$raw]) -Display ('{0} faster' -f (Format-Ratio ($median[$serial] / $median[$raw]))) `
        -Target 'none (published)' -Met $null
)
Save-ScenarioResult -Path $ResultPath -Result ([ordered]@{
    id          = 'dispatch'
    title       = '3. Bulk dispatch'
    description = "$Rows rows dispatched as runs of the seeded demo-lookup deployment in one pwsh, one untimed warm-up round, then $Rounds rounds alternating the candidates (the server drains its queue between candidates, untimed); medians."
    candidates  = @(foreach ($name in $times.Keys) { New-CandidateResult -Name $name -Values $times[$name] })
    checks      = $checks
})
