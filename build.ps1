#requires -Version 7.4
<#
.SYNOPSIS
    Builds, tests, demonstrates and measures CompassPS.
.DESCRIPTION
    Tasks:
      Build    lays out the importable module in out/CompassPS and publishes the local server to out/LocalServer
      Test     builds, then runs every xunit and Pester suite; ends with 'Tests: N passed, N failed'
      Demo     starts a local server, dispatches a run and streams it live, then stops the server
      Serve    runs the local server in the foreground (extra arguments go to the server)
      Bench    runs the benchmarks side by side with the alternatives; writes docs/benchmarks.md
      Package  zips the built module into out/CompassPS.<version>.zip and packs the local server as the .NET tool
               out/packages/CompassPS.LocalServer.<version>.nupkg
      Clean    removes every build output
.EXAMPLE
    dotnet tool restore && dotnet pwsh ./build.ps1 Test
#>
[CmdletBinding()]
param(
    [Parameter(Position = 0)]
    [ValidateSet('Build', 'Test', 'Demo', 'Serve', 'Bench', 'Package', 'Clean')]
    [string]$Task = 'Build',

    [string]$Configuration = 'Release',

    # Pester suites to run (file name filters under tests/pester and examples/tests); all by default.
    [string[]]$PesterFilter = @('*.Tests.ps1'),

    # Put every build output (bin, obj, out) under this folder instead of the repository, so that several
    # builds of one work tree can run side by side. Also read from COMPASSPS_ARTIFACTS.
    [string]$ArtifactsPath = $env:COMPASSPS_ARTIFACTS,

    # Demo, Bench: use the module and server already built instead of building first.
    [switch]$NoBuild,

    # Arguments passed through to the local server (Serve) or the benchmark runner (Bench).
    [Parameter(ValueFromRemainingArguments)]
    [string[]]$PassThruArguments = @()
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$PSNativeCommandUseErrorActionPreference = $true

$Root         = $PSScriptRoot
$OutDir       = if ($ArtifactsPath) { Join-Path $ArtifactsPath 'out' } else { Join-Path $Root 'out' }
# Extra dotnet arguments that move bin/ and obj/ along with out/.
$DotnetPathArgs = if ($ArtifactsPath) { @('--artifacts-path', $ArtifactsPath) } else { @() }
$ModuleDir    = Join-Path $OutDir 'CompassPS'
$ServerDir    = Join-Path $OutDir 'LocalServer'
$ResultsDir   = Join-Path $OutDir 'test-results'
$PackagesDir  = Join-Path $OutDir 'packages'
$ToolsPkgs    = Join-Path $Root '.tools/packages'
$Manifest     = Import-PowerShellDataFile (Join-Path $Root 'CompassPS.psd1')
$Version      = $Manifest.ModuleVersion
$PesterVersion = '5.7.1'

$env:DOTNET_NOLOGO = '1'
$env:DOTNET_CLI_TELEMETRY_OPTOUT = '1'
$env:POWERSHELL_TELEMETRY_OPTOUT = '1'
$env:POWERSHELL_UPDATECHECK = 'Off'

Import-Module (Join-Path $Root 'build/LocalServer.psm1') -Force
# Child processes (Pester, the demo, benchmarks) find the built server and module through these.
$env:COMPASSPS_SERVER_DLL = Join-Path $ServerDir 'compass-local.dll'
$env:COMPASSPS_MODULE = Join-Path $ModuleDir 'CompassPS.psd1'
# The tool package test (tests/pester/LocalServerTool.Tests.ps1) installs the server from here.
$env:COMPASSPS_PACKAGES = $PackagesDir

# A fresh pwsh for anything that imports the binary module: a loaded assembly cannot be reloaded in-process.
function Invoke-ChildPwsh {
    param([Parameter(Mandatory)][string[]]$Arguments)
    $pwshDll = Join-Path $PSHOME 'pwsh.dll'
    if (Test-Path $pwshDll) { & ([Environment]::ProcessPath) $pwshDll -NoProfile -NonInteractive @Arguments }
    else { & (Join-Path $PSHOME 'pwsh') -NoProfile -NonInteractive @Arguments }
}

function Invoke-Build {
    Write-Host "Building CompassPS $Version ($Configuration)"
    dotnet build (Join-Path $Root 'CompassPS.sln') @DotnetPathArgs -c $Configuration -nologo -v:q -clp:NoSummary | Out-Host
    if (Test-Path $ModuleDir) { Remove-Item $ModuleDir -Recurse -Force }
    dotnet publish (Join-Path $Root 'src/CompassPS/CompassPS.csproj') @DotnetPathArgs -c $Configuration --no-build -o $ModuleDir -nologo -v:q | Out-Host
    # Only the assemblies the module needs at run time; no symbols or deps file in the shipped folder.
    Get-ChildItem $ModuleDir -Include '*.pdb', '*.deps.json' -Recurse | Remove-Item -Force
    if (Test-Path $ServerDir) { Remove-Item $ServerDir -Recurse -Force }
    dotnet publish (Join-Path $Root 'src/CompassPS.LocalServer/CompassPS.LocalServer.csproj') @DotnetPathArgs -c $Configuration --no-build -o $ServerDir -nologo -v:q | Out-Host
    $helpScript = Join-Path $Root 'build/New-CompassHelp.ps1'
    if (Test-Path $helpScript) {
        Invoke-ChildPwsh -Arguments @('-File', $helpScript, '-ModuleDirectory', $ModuleDir, '-SourceDirectory', (Join-Path $Root 'docs')) | Out-Host
    }
    $null = Test-ModuleManifest (Join-Path $ModuleDir 'CompassPS.psd1')
    Write-Host "Module laid out in $ModuleDir; local server in $ServerDir"
}

# The local server as a .NET tool package (PackAsTool, command compass-local), for 'dotnet tool install'.
function Invoke-ServerPackage {
    New-Item -ItemType Directory -Force $PackagesDir | Out-Null
    Remove-Item (Join-Path $PackagesDir 'CompassPS.LocalServer.*.nupkg') -ErrorAction SilentlyContinue
    dotnet pack (Join-Path $Root 'src/CompassPS.LocalServer/CompassPS.LocalServer.csproj') @DotnetPathArgs -c $Configuration --no-build -o $PackagesDir -nologo -v:q | Out-Host
    $nupkg = Join-Path $PackagesDir "CompassPS.LocalServer.$Version.nupkg"
    if (-not (Test-Path $nupkg)) { throw "dotnet pack did not write $nupkg" }
    Write-Host "Packaged $nupkg"
}

function Get-PesterModulePath {
    $psd1 = Join-Path $ToolsPkgs "pester/$PesterVersion/tools/Pester.psd1"
    if (-not (Test-Path $psd1)) {
        dotnet restore (Join-Path $Root 'build/tools.csproj') --packages $ToolsPkgs -nologo -v:q "-p:PesterVersion=$PesterVersion" | Out-Host
    }
    if (-not (Test-Path $psd1)) { throw "Pester $PesterVersion was not found at $psd1" }
    $psd1
}

function Invoke-XunitTests {
    $counts = [pscustomobject]@{ Passed = 0; Failed = 0 }
    foreach ($project in 'CompassPS.LocalServer.Tests', 'CompassPS.Tests') {
        $trx = Join-Path $ResultsDir "$project.trx"
        Remove-Item $trx -ErrorAction SilentlyContinue
        $PSNativeCommandUseErrorActionPreference = $false   # failing tests exit 1; the TRX still holds the counts
        dotnet test (Join-Path $Root "tests/$project/$project.csproj") @DotnetPathArgs -c $Configuration --no-build -nologo `
            --results-directory $ResultsDir --logger "trx;LogFileName=$trx" --logger 'console;verbosity=minimal' | Out-Host
        $PSNativeCommandUseErrorActionPreference = $true
        if (-not (Test-Path $trx)) {
            Write-Warning "$project produced no test results (dotnet test exit $LASTEXITCODE)"
            $counts.Failed++
            continue
        }
        [xml]$x = Get-Content $trx
        $c = $x.TestRun.ResultSummary.Counters
        Write-Host "${project}: $($c.passed) passed, $([int]$c.failed + [int]$c.error) failed"
        $counts.Passed += [int]$c.passed
        $counts.Failed += [int]$c.failed + [int]$c.error
    }
    $counts
}

function Invoke-PesterTests {
    $pester = Get-PesterModulePath
    $summary = Join-Path $ResultsDir 'pester-summary.json'
    Remove-Item $summary -ErrorAction SilentlyContinue
    $runner = Join-Path $Root 'build/Invoke-PesterSuite.ps1'
    $PSNativeCommandUseErrorActionPreference = $false
    Invoke-ChildPwsh -Arguments @('-File', $runner, '-PesterPath', $pester, '-ModulePath', (Join-Path $ModuleDir 'CompassPS.psd1'),
        '-TestDirectory', ((Join-Path $Root 'tests/pester'), (Join-Path $Root 'examples/tests') -join ','), '-ResultsDirectory', $ResultsDir, '-Filter', ($PesterFilter -join ',')) | Out-Host
    $PSNativeCommandUseErrorActionPreference = $true
    if (-not (Test-Path $summary)) {
        Write-Warning 'The Pester run produced no summary'
        return [pscustomobject]@{ Passed = 0; Failed = 1 }
    }
    $counts = Get-Content $summary -Raw | ConvertFrom-Json
    [pscustomobject]@{ Passed = [int]$counts.Passed; Failed = [int]$counts.Failed }
}

switch ($Task) {
    'Clean' {
        Remove-Item -Recurse -Force -ErrorAction SilentlyContinue $OutDir, (Join-Path $Root '.tools')
        Get-ChildItem $Root -Directory -Recurse -Include bin, obj | Remove-Item -Recurse -Force -ErrorAction SilentlyContinue
        Write-Host 'Clean.'
    }
    'Build' { Invoke-Build }
    'Test' {
        $clock = [Diagnostics.Stopwatch]::StartNew()
        Invoke-Build
        New-Item -ItemType Directory -Force $ResultsDir | Out-Null
        $x = Invoke-XunitTests
        Invoke-ServerPackage   # the tool package test installs it
        $p = Invoke-PesterTests
        Write-Host ("xunit: {0} passed, {1} failed" -f $x.Passed, $x.Failed)
        Write-Host ("pester: {0} passed, {1} failed" -f $p.Passed, $p.Failed)
        Write-Host ("Test run took {0:N0} s" -f $clock.Elapsed.TotalSeconds)
        $passed = $x.Passed + $p.Passed
        $failed = $x.Failed + $p.Failed
        Write-Host "Tests: $passed passed, $failed failed"
        exit [int]($failed -gt 0 -or $passed -eq 0)
    }
    'Demo' {
        if (-not $NoBuild) { Invoke-Build }
        $server = Start-BuildLocalServer -ServerDll $env:COMPASSPS_SERVER_DLL
        try {
            Write-Host "Local Compass server on $($server.BaseUrl) (process $($server.ProcessId))"
            Invoke-ChildPwsh -Arguments @('-File', (Join-Path $Root 'examples/demo.ps1'), '-ModulePath', (Join-Path $ModuleDir 'CompassPS.psd1'),
                '-BaseUrl', $server.BaseUrl)   # not piped: the child writes straight to the console, so the answer arrives live
            $demoExit = $LASTEXITCODE
        }
        finally { Stop-BuildLocalServer $server }
        exit $demoExit
    }
    'Serve' {
        if (-not (Test-Path (Join-Path $ServerDir 'compass-local.dll'))) { Invoke-Build }
        $serveArgs = if ($PassThruArguments) { $PassThruArguments } else { @('--urls', 'http://127.0.0.1:5317') }
        dotnet (Join-Path $ServerDir 'compass-local.dll') @serveArgs
    }
    'Bench' {
        if (-not $NoBuild) { Invoke-Build }
        & (Join-Path $Root 'bench/Invoke-CompassBenchmarks.ps1') -Root $Root -Configuration $Configuration @PassThruArguments
    }
    'Package' {
        Invoke-Build
        $zip = Join-Path $OutDir "CompassPS.$Version.zip"
        Compress-Archive -Path (Join-Path $ModuleDir '*') -DestinationPath $zip -Force
        Write-Host "Packaged $zip"
        Invoke-ServerPackage
    }
}
