# Runs the Pester suites in this (fresh) pwsh process and writes the counts for build.ps1.
[CmdletBinding()]
param(
    [Parameter(Mandatory)][string]$PesterPath,
    [Parameter(Mandatory)][string]$ModulePath,
    [Parameter(Mandatory)][string]$TestDirectory,
    [Parameter(Mandatory)][string]$ResultsDirectory,
    [string]$Filter = '*.Tests.ps1'
)
$ErrorActionPreference = 'Stop'
Import-Module $PesterPath -Force
$env:COMPASSPS_MODULE = $ModulePath
$paths = foreach ($f in $Filter -split ',') { Get-ChildItem -Path $TestDirectory -Filter $f -File | ForEach-Object FullName }
$config = New-PesterConfiguration
$config.Run.Path = @($paths | Sort-Object -Unique)
$config.Run.PassThru = $true
$config.Output.Verbosity = 'Detailed'
$config.TestResult.Enabled = $true
$config.TestResult.OutputFormat = 'JUnitXml'
$config.TestResult.OutputPath = Join-Path $ResultsDirectory 'pester.xml'
$summary = [pscustomobject]@{ Passed = 0; Failed = 1; Skipped = 0 }   # a run that yields no result counts as failed
if ($paths) {
    $result = Invoke-Pester -Configuration $config
    if ($result) {
        $summary.Passed = $result.PassedCount
        $summary.Failed = $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount
        $summary.Skipped = $result.SkippedCount
    }
}
else { Write-Warning "No Pester suite in $TestDirectory matches '$Filter'" }
$summary |
    ConvertTo-Json | Set-Content (Join-Path $ResultsDirectory 'pester-summary.json')
