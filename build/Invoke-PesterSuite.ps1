# Runs the Pester suites in this (fresh) pwsh process and writes the counts for build.ps1. The whole run is recorded
# (a transcript beside the JUnit XML), and both are then scanned for the keys and secrets the suites use: a leak
# anywhere in the run counts as one failed test, a clean scan as one passed test.
[CmdletBinding()]
param(
    [Parameter(Mandatory)][string]$PesterPath,
    [Parameter(Mandatory)][string]$ModulePath,
    # One folder or several (tests/pester, examples/tests).
    [Parameter(Mandatory)][string[]]$TestDirectory,
    [Parameter(Mandatory)][string]$ResultsDirectory,
    [string]$Filter = '*.Tests.ps1'
)
$ErrorActionPreference = 'Stop'
Import-Module $PesterPath -Force
$env:COMPASSPS_MODULE = $ModulePath
# The built server on PATH, so Start-CompassLocalServer finds compass-local there as it finds an installed tool.
if ($env:COMPASSPS_SERVER_DLL) { $env:PATH = (Split-Path $env:COMPASSPS_SERVER_DLL) + [IO.Path]::PathSeparator + $env:PATH }
$paths = foreach ($directory in $TestDirectory -split ',') {
    foreach ($f in $Filter -split ',') { Get-ChildItem -Path $directory -Filter $f -File | ForEach-Object FullName }
}
$config = New-PesterConfiguration
$config.Run.Path = @($paths | Sort-Object -Unique)
$config.Run.PassThru = $true
$config.Output.Verbosity = 'Detailed'
$config.TestResult.Enabled = $true
$config.TestResult.OutputFormat = 'JUnitXml'
$config.TestResult.OutputPath = Join-Path $ResultsDirectory 'pester.xml'
$summary = [pscustomobject]@{ Passed = 0; Failed = 1; Skipped = 0 }   # a run that yields no result counts as failed
$transcript = Join-Path $ResultsDirectory 'pester-transcript.txt'
$null = Start-Transcript -Path $transcript -Force
try {
    if ($paths) {
        $result = Invoke-Pester -Configuration $config
        if ($result) {
            $summary.Passed = $result.PassedCount
            $summary.Failed = $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount
            $summary.Skipped = $result.SkippedCount
        }
    }
    else { Write-Warning "No Pester suite in $TestDirectory matches '$Filter'" }
}
finally { $null = Stop-Transcript }

# The secrets no artefact may hold: the local server's three keys (whole, and their secret part after 'cmp_'), the
# xunit suites' key, the connection secrets the suites generate (sk-test-<32 hex>), and any value a suite lists in
# COMPASSPS_SCAN_SECRETS (separated by ';').
$literalSecrets = @('cmp_local_project_key', 'cmp_local_admin_key', 'cmp_local_other_key', 'cmp_test_secret_key_7f3a9') +
    @('local_project_key', 'local_admin_key', 'local_other_key') +
    @("$env:COMPASSPS_SCAN_SECRETS" -split ';' | Where-Object { $_.Length -ge 8 })
$secretPatterns = @('sk-test-[0-9a-f]{32}')
$artefacts = @($transcript, $config.TestResult.OutputPath.Value)
$leaks = [System.Collections.Generic.List[string]]::new()
foreach ($artefact in $artefacts) {
    if (-not (Test-Path $artefact) -or (Get-Item $artefact).Length -eq 0) { $leaks.Add("$artefact is missing or empty, so it cannot be shown clean"); continue }
    $lineNumber = 0
    foreach ($line in [IO.File]::ReadLines($artefact)) {
        $lineNumber++
        # Say where and which secret, never the secret itself (this output is itself recorded).
        for ($i = 0; $i -lt $literalSecrets.Count; $i++) {
            if ($line.Contains($literalSecrets[$i], [StringComparison]::OrdinalIgnoreCase)) { $leaks.Add("${artefact}:${lineNumber}: known secret #$i") }
        }
        foreach ($pattern in $secretPatterns) {
            if ($line -match $pattern) { $leaks.Add("${artefact}:${lineNumber}: a value matching $($pattern.Substring(0, 7))...") }
        }
    }
}
if ($leaks.Count -eq 0) {
    $summary.Passed++
    Write-Host "[+] Secret scan: no key or connection secret in $($artefacts -join ', ')" -ForegroundColor Green
}
else {
    $summary.Failed++
    Write-Host "[-] Secret scan: $($leaks.Count) finding(s):" -ForegroundColor Red
    $leaks | Select-Object -First 20 | ForEach-Object { Write-Host "    $_" -ForegroundColor Red }
}
$summary |
    ConvertTo-Json | Set-Content (Join-Path $ResultsDirectory 'pester-summary.json')
