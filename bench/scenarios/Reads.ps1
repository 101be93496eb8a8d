<#
.SYNOPSIS
    Scenario 2, reads: 2,000 Get-CompassRun -Id calls in one loop against 2,000 Invoke-RestMethod calls (plain,
    and with -WebSession) and a raw C# HttpClient loop (the limit), all in this one pwsh, alternating.
#>
param(
    [Parameter(Mandatory)][string]$ModulePath,
    [Parameter(Mandatory)][string]$ToolsPath,
    [Parameter(Mandatory)][string]$ResultPath,
    [int]$Calls = 2000,
    [int]$DistinctRuns = 200,
    [int]$Rounds = 7
)
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot '../BenchSupport.psm1')
Import-Module $ModulePath
Add-Type -Path $ToolsPath
# The bare cmdlet (Get-BareCompassRun): the least a compiled cmdlet around the raw call can cost.
Import-Module -Assembly ([CompassPS.Bench.Tools.BareGetRunCommand].Assembly)

$baseUrl = $env:COMPASS_BASE_URL
$http = [CompassPS.Bench.Tools.BenchHttp]::CreateClient($baseUrl, $env:COMPASS_API_KEY)
[CompassPS.Bench.Tools.BareGetRunCommand]::Http = [CompassPS.Bench.Tools.BenchHttp]::CreateClient($baseUrl, $env:COMPASS_API_KEY)
Write-Host "  [reads] seeding $DistinctRuns runs"
$seeded = [CompassPS.Bench.Tools.RunSeeder]::CreateRuns($http, '55555555-5555-4555-8555-555555555555', $DistinctRuns, 8, '{"query":"read {0}"}')
[CompassPS.Bench.Tools.RunSeeder]::WaitUntilIdle($http, [TimeSpan]::FromSeconds(60))
# The same runs, read over and over: $Calls reads in all.
$ids = [string[]](0..($Calls - 1) | ForEach-Object { $seeded[$_ % $seeded.Count] })
$urls = [string[]]($ids | ForEach-Object { "$baseUrl/v1/runs/$_" })
$paths = [string[]]($ids | ForEach-Object { "v1/runs/$_" })
$headers = @{ Authorization = "Bearer $env:COMPASS_API_KEY" }
$session = [Microsoft.PowerShell.Commands.WebRequestSession]::new()

Connect-Compass

$compass = 'Get-CompassRun -Id, one call per run'
$plain = 'Invoke-RestMethod (plain)'
$withSession = 'Invoke-RestMethod -WebSession'
$raw = 'C# HttpClient loop (the limit)'
$core = 'CompassPS client core, called from the loop (no cmdlet)'
$bare = 'A bare cmdlet around the raw HttpClient call (the floor of any cmdlet)'
$bareObject = 'The bare cmdlet, the answer turned into a PSCustomObject (the floor of any cmdlet returning the run)'
$coreClient = [CompassPS.Client.CompassClient]::new([CompassPS.Client.CompassTransport]::new(
    [CompassPS.Client.CompassClientOptions]::new([uri]$baseUrl, $env:COMPASS_API_KEY)), $null)
$none = [Threading.CancellationToken]::None
$candidates = [ordered]@{
    $compass     = { foreach ($id in $ids) { $null = Get-CompassRun -Id $id } }
    $plain       = { foreach ($url in $urls) { $null = Invoke-RestMethod -Uri $url -Headers $headers } }
    $withSession = { foreach ($url in $urls) { $null = Invoke-RestMethod -Uri $url -Headers $headers -WebSession $session } }
    $raw         = { $null = [CompassPS.Bench.Tools.RawHttpLoop]::GetAll($http, $paths) }
    # Where the time goes: the module's HTTP core and decoding without the cmdlet around it.
    $core        = { foreach ($id in $ids) { $null = $coreClient.GetRunAsync($id, $none).GetAwaiter().GetResult() } }
    # What any cmdlet pays: PowerShell's command invocation around the raw loop's call, and nothing else.
    $bare        = { foreach ($id in $ids) { $null = Get-BareCompassRun -Id $id } }
    # The same, returning the run as an object the cheapest way (as ConvertFrom-Json does): what a cmdlet a user
    # would call instead of Get-CompassRun cannot do without.
    $bareObject  = { foreach ($id in $ids) { $null = Get-BareCompassRunObject -Id $id } }
}

# Warm-up: JIT, connection pools and the session's connection, untimed.
Write-Host '  [reads] warming up'
foreach ($id in $ids[0..299]) { $null = Get-CompassRun -Id $id }
foreach ($url in $urls[0..299]) { $null = Invoke-RestMethod -Uri $url -Headers $headers; $null = Invoke-RestMethod -Uri $url -Headers $headers -WebSession $session }
$null = [CompassPS.Bench.Tools.RawHttpLoop]::GetAll($http, [string[]]$paths[0..299])
foreach ($id in $ids[0..299]) { $null = $coreClient.GetRunAsync($id, $none).GetAwaiter().GetResult() }

$times = Measure-Alternating -Candidates $candidates -Rounds $Rounds -Label 'reads' -WarmupRounds 1

# The same reads as one pipeline (ids piped into one Get-CompassRun): published, no target.
$piped = 'Get-CompassRun, ids piped into one call'
$pipedTimes = Measure-Alternating -Candidates ([ordered]@{ $piped = { $ids | Get-CompassRun | Out-Null } }) -Rounds $Rounds -Label 'reads'

$median = @{}
foreach ($name in $times.Keys) { $median[$name] = Get-Median $times[$name] }
$pipedMedian = Get-Median $pipedTimes[$piped]

$checks = @(
    New-Check -Name "$Calls reads vs Invoke-RestMethod (plain)" -CompassPS (Format-Ms $median[$compass]) -Alternative (Format-Ms $median[$plain]) `
        -Value ($median[$plain] / $median[$compass]) -Display ('{0} faster' -f (Format-Ratio ($median[$plain] / $median[$compass]))) `
        -Target '>= 4x faster' -Met (($median[$plain] / $median[$compass]) -ge 4)
    New-Check -Name "$Calls reads vs Invoke-RestMethod -WebSession" -CompassPS (Format-Ms $median[$compass]) -Alternative (Format-Ms $median[$withSession]) `
        -Value ($median[$withSession] / $median[$compass]) -Display ('{0} faster' -f (Format-Ratio ($median[$withSession] / $median[$compass]))) `
        -Target '>= 2x faster' -Met (($median[$withSession] / $median[$compass]) -ge 2)
    New-Check -Name "$Calls reads vs raw C# HttpClient loop (the limit)" -CompassPS (Format-Ms $median[$compass]) -Alternative (Format-Ms $median[$raw]) `
        -Value ($median[$compass] / $median[$raw]) -Display ('{0} the limit' -f (Format-Ratio ($median[$compass] / $median[$raw]))) `
        -Target '<= 2x the limit' -Met (($median[$compass] / $median[$raw]) -le 2)
    New-Check -Name "$Calls reads through the client core alone vs the limit" -CompassPS (Format-Ms $median[$core]) -Alternative (Format-Ms $median[$raw]) `
        -Value ($median[$core] / $median[$raw]) -Display ('{0} the limit' -f (Format-Ratio ($median[$core] / $median[$raw]))) `
        -Target 'none (published)' -Met $null
    New-Check -Name "$Calls reads piped into one Get-CompassRun vs the limit" -CompassPS (Format-Ms $pipedMedian) -Alternative (Format-Ms $median[$raw]) `
        -Value ($pipedMedian / $median[$raw]) -Display ('{0} the limit' -f (Format-Ratio ($pipedMedian / $median[$raw]))) `
        -Target 'none (published)' -Met $null
    New-Check -Name "$Calls reads, Get-CompassRun -Id vs a bare cmdlet around the raw call (the floor of any cmdlet)" -CompassPS (Format-Ms $median[$compass]) -Alternative (Format-Ms $median[$bare]) `
        -Value ($median[$compass] / $median[$bare]) -Display ('{0} the floor' -f (Format-Ratio ($median[$compass] / $median[$bare]))) `
        -Target 'none (published)' -Met $null
    New-Check -Name "$Calls reads, Get-CompassRun -Id vs the bare cmdlet returning an object (the floor of any cmdlet returning the run)" -CompassPS (Format-Ms $median[$compass]) -Alternative (Format-Ms $median[$bareObject]) `
        -Value ($median[$compass] / $median[$bareObject]) -Display ('{0} the floor' -f (Format-Ratio ($median[$compass] / $median[$bareObject]))) `
        -Target 'none (published)' -Met $null
    New-Check -Name "The most any cmdlet returning the run can reach here: Invoke-RestMethod -WebSession vs the bare cmdlet returning an object" -CompassPS (Format-Ms $median[$bareObject]) -Alternative (Format-Ms $median[$withSession]) `
        -Value ($median[$withSession] / $median[$bareObject]) -Display ('{0} faster' -f (Format-Ratio ($median[$withSession] / $median[$bareObject]))) `
        -Target 'none (published)' -Met $null
    New-Check -Name "The same against plain Invoke-RestMethod" -CompassPS (Format-Ms $median[$bareObject]) -Alternative (Format-Ms $median[$plain]) `
        -Value ($median[$plain] / $median[$bareObject]) -Display ('{0} faster' -f (Format-Ratio ($median[$plain] / $median[$bareObject]))) `
        -Target 'none (published)' -Met $null
    New-Check -Name "The most any cmdlet can reach here: Invoke-RestMethod -WebSession vs the bare cmdlet" -CompassPS (Format-Ms $median[$bare]) -Alternative (Format-Ms $median[$withSession]) `
        -Value ($median[$withSession] / $median[$bare]) -Display ('{0} faster' -f (Format-Ratio ($median[$withSession] / $median[$bare]))) `
        -Target 'none (published)' -Met $null
    New-Check -Name "The least any cmdlet can cost here: the bare cmdlet vs the limit" -CompassPS (Format-Ms $median[$bare]) -Alternative (Format-Ms $median[$raw]) `
        -Value ($median[$bare] / $median[$raw]) -Display ('{0} the limit' -f (Format-Ratio ($median[$bare] / $median[$raw]))) `
        -Target 'none (published)' -Met $null
)

$candidateResults = @(foreach ($name in $times.Keys) { New-CandidateResult -Name $name -Values $times[$name] }) + @(New-CandidateResult -Name $piped -Values $pipedTimes[$piped])
Save-ScenarioResult -Path $ResultPath -Result ([ordered]@{
    id          = 'reads'
    title       = '2. Reads'
    description = "$Calls reads of a run by id in one loop in one pwsh ($DistinctRuns distinct runs, read in turn), one untimed warm-up round, then $Rounds rounds alternating the candidates; medians. The bare cmdlet is a compiled cmdlet that does nothing but the raw loop's call (bench/CompassPS.Bench.Tools/BareGetRunCommand.cs): what PowerShell charges any cmdlet per call, so the rows against it show how far any cmdlet could go on this machine; the second bare cmdlet also turns the answer into a PSCustomObject the cheapest way, as any cmdlet returning the run must."
    candidates  = $candidateResults
    checks      = $checks
})
