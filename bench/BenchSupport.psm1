# Shared by the benchmark runner and the scenario scripts: alternating timing, medians, results, peak memory.
# Every figure the suite publishes is a ratio of medians measured in one run, so the machine's speed cancels out.

Set-StrictMode -Version Latest

function Get-Median {
    param([Parameter(Mandatory)][double[]]$Values)
    $sorted = [double[]]($Values | Sort-Object)
    $middle = [int][Math]::Floor($sorted.Count / 2)
    if ($sorted.Count % 2) { $sorted[$middle] } else { ($sorted[$middle - 1] + $sorted[$middle]) / 2 }
}

function Measure-Alternating {
    <#
    .SYNOPSIS
        Times each candidate once per round, rotating which goes first, and returns the times (ms) per candidate.
    .DESCRIPTION
        Rotating the order spreads warm-up, GC and neighbours' noise over every candidate instead of one.
        -Between runs untimed after each candidate (e.g. letting the server finish the runs just dispatched).
        -WarmupRounds run every candidate that many times first, untimed: both processes (this pwsh and the
        server) compile their hot paths again, optimised, only after the first thousands of calls, and on two
        busy cores that takes whole rounds (a first round of dispatches ran 2-3x slower than the later ones).
    #>
    param(
        [Parameter(Mandatory)][System.Collections.Specialized.OrderedDictionary]$Candidates,
        [Parameter(Mandatory)][int]$Rounds,
        [string]$Label = 'bench',
        [scriptblock]$Between,
        [int]$WarmupRounds = 0
    )
    $names = @($Candidates.Keys)
    $times = [ordered]@{}
    foreach ($name in $names) { $times[$name] = [System.Collections.Generic.List[double]]::new() }
    for ($round = -$WarmupRounds; $round -lt $Rounds; $round++) {
        for ($k = 0; $k -lt $names.Count; $k++) {
            $name = $names[([Math]::Abs($round) + $k) % $names.Count]
            [GC]::Collect()
            [GC]::WaitForPendingFinalizers()
            $clock = [System.Diagnostics.Stopwatch]::StartNew()
            & $Candidates[$name]
            $clock.Stop()
            $which = if ($round -lt 0) { 'warm-up' } else { 'round {0}/{1}' -f ($round + 1), $Rounds }
            if ($round -ge 0) { $times[$name].Add($clock.Elapsed.TotalMilliseconds) }
            Write-Host ("  [{0}] {1,-11}  {2,-48} {3,10:N1} ms" -f $Label, $which, $name, $clock.Elapsed.TotalMilliseconds)
            if ($Between) { & $Between }
        }
    }
    $result = [ordered]@{}
    foreach ($name in $names) { $result[$name] = $times[$name].ToArray() }
    $result
}

function New-CandidateResult {
    # One candidate's figures: the per-round values and their median, in a unit.
    param([Parameter(Mandatory)][string]$Name, [Parameter(Mandatory)][double[]]$Values, [string]$Unit = 'ms', [string]$Note)
    [ordered]@{ name = $Name; unit = $Unit; median = [Math]::Round((Get-Median $Values), 3); rounds = @($Values | ForEach-Object { [Math]::Round($_, 3) }); note = $Note }
}

function New-Check {
    <#
    .SYNOPSIS
        One line of a scenario's table: what CompassPS measured, what the alternative measured, the ratio (or
        difference) between them, the target, and whether it is met.
    #>
    param(
        [Parameter(Mandatory)][string]$Name,
        [Parameter(Mandatory)][string]$CompassPS,
        [Parameter(Mandatory)][string]$Alternative,
        [Parameter(Mandatory)][double]$Value,
        [Parameter(Mandatory)][string]$Display,
        [Parameter(Mandatory)][string]$Target,
        # $null for a figure published without a target.
        [AllowNull()][object]$Met
    )
    [ordered]@{ name = $Name; compassps = $CompassPS; alternative = $Alternative; value = [Math]::Round($Value, 4); display = $Display; target = $Target; met = $Met }
}

function Get-PeakWorkingSetMB {
    <#
    .SYNOPSIS
        This process's peak resident set (VmHWM in /proc/self/status), in MB: the high-water mark over the whole
        life of the process, so it catches a spike that a sample taken at the end would miss.
    #>
    $line = Get-Content /proc/self/status | Where-Object { $_ -like 'VmHWM:*' }
    if (-not $line) { throw 'VmHWM is not available (/proc/self/status); peak memory is measured on Linux only.' }
    [double](($line -split '\s+')[1]) / 1024
}

function Format-Ms { param([double]$Ms) if ($Ms -ge 1000) { '{0:N2} s' -f ($Ms / 1000) } else { '{0:N0} ms' -f $Ms } }

function Format-Ratio { param([double]$Ratio) '{0:N2}x' -f $Ratio }

function Save-ScenarioResult {
    param([Parameter(Mandatory)]$Result, [Parameter(Mandatory)][string]$Path)
    $Result | ConvertTo-Json -Depth 8 | Set-Content -Path $Path -Encoding utf8
}

function Invoke-BenchPwsh {
    <#
    .SYNOPSIS
        Runs a fresh pwsh (the same PowerShell as this one) with the given arguments; returns its exit code.
    #>
    param([Parameter(Mandatory)][string[]]$ArgumentList)
    # The exit code is the caller's to judge, whatever the caller's preference for native commands.
    $PSNativeCommandUseErrorActionPreference = $false
    $pwshDll = Join-Path $PSHOME 'pwsh.dll'
    if (Test-Path $pwshDll) { & ([Environment]::ProcessPath) $pwshDll -NoProfile -NonInteractive @ArgumentList | Out-Host }
    else { & (Join-Path $PSHOME 'pwsh') -NoProfile -NonInteractive @ArgumentList | Out-Host }
    $LASTEXITCODE
}

Export-ModuleMember -Function Invoke-BenchPwsh, Get-Median, Measure-Alternating, New-CandidateResult, New-Check, Get-PeakWorkingSetMB, Format-Ms, Format-Ratio, Save-ScenarioResult
