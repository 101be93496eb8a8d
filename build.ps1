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
      Package  writes out/packages: CompassPS.<version>.nupkg (for a PowerShell repository), CompassPS.zip
               (for Azure Automation) and CompassPS.LocalServer.<version>.nupkg (the local server as a .NET tool)
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
# The compatibility smoke suite's PowerShell: the 7.6 patch that dotnet-tools.json does not pin.
$SmokePwshVersion = '7.6.10'

$env:DOTNET_NOLOGO = '1'
$env:DOTNET_CLI_TELEMETRY_OPTOUT = '1'
$env:POWERSHELL_TELEMETRY_OPTOUT = '1'
$env:POWERSHELL_UPDATECHECK = 'Off'

Import-Module (Join-Path $Root 'build/LocalServer.psm1') -Force
# Child processes (Pester, the demo, benchmarks) find the built server and module through these.
$env:COMPASSPS_SERVER_DLL = Join-Path $ServerDir 'compass-local.dll'
$env:COMPASSPS_MODULE = Join-Path $ModuleDir 'CompassPS.psd1'
# The packaging and tool tests (Packaging.Tests.ps1, LocalServerTool.Tests.ps1) install from here.
$env:COMPASSPS_PACKAGES = $PackagesDir

# A fresh pwsh for anything that imports the binary module: a loaded assembly cannot be reloaded in-process.
# -Pwsh runs another PowerShell 7 (its pwsh executable or pwsh.dll) instead of this one.
function Invoke-ChildPwsh {
    param([Parameter(Mandatory)][string[]]$Arguments, [string]$Pwsh)
    if ($Pwsh -like '*.dll') { & dotnet $Pwsh -NoProfile -NonInteractive @Arguments }
    elseif ($Pwsh) { & $Pwsh -NoProfile -NonInteractive @Arguments }
    elseif (Test-Path (Join-Path $PSHOME 'pwsh.dll')) { & ([Environment]::ProcessPath) (Join-Path $PSHOME 'pwsh.dll') -NoProfile -NonInteractive @Arguments }
    else { & (Join-Path $PSHOME 'pwsh') -NoProfile -NonInteractive @Arguments }
}

# The module folder, as users install it (docs/architecture.md, "Loading on every host"):
#   CompassPS.psd1, CompassPS.dll (the one build, for every host), views, LICENSE, en-US/ (help)
#   CompassPS.Loading.dll  a nested module imported first: binds the dependencies below where the host lacks them
#   Desktop/  what Windows PowerShell 5.1 runs CompassPS.dll on (System.Text.Json and its dependencies);
#             PowerShell 7 loads none of it (but Microsoft.Bcl.AsyncInterfaces in a host that carries none)
function Invoke-Build {
    Write-Host "Building CompassPS $Version ($Configuration)"
    dotnet build (Join-Path $Root 'CompassPS.sln') @DotnetPathArgs -c $Configuration -nologo -v:q -clp:NoSummary | Out-Host
    if (Test-Path $ModuleDir) { Remove-Item $ModuleDir -Recurse -Force }
    $desktopDir = Join-Path $ModuleDir 'Desktop'
    dotnet publish (Join-Path $Root 'src/CompassPS/CompassPS.csproj') @DotnetPathArgs -c $Configuration --no-build -o $ModuleDir -nologo -v:q | Out-Host
    dotnet publish (Join-Path $Root 'src/CompassPS.Loading/CompassPS.Loading.csproj') @DotnetPathArgs -c $Configuration --no-build -o $desktopDir -nologo -v:q | Out-Host
    Move-Item (Join-Path $desktopDir 'CompassPS.Loading.dll') $ModuleDir
    # Only the assemblies the module needs at run time: no symbols or deps files.
    Get-ChildItem $ModuleDir -Include '*.pdb', '*.deps.json' -Recurse | Remove-Item -Force
    Copy-Item (Join-Path $Root 'src/CompassPS/*.format.ps1xml'), (Join-Path $Root 'LICENSE') $ModuleDir
    Write-ModuleManifest -Destination (Join-Path $ModuleDir 'CompassPS.psd1')
    if (Test-Path $ServerDir) { Remove-Item $ServerDir -Recurse -Force }
    dotnet publish (Join-Path $Root 'src/CompassPS.LocalServer/CompassPS.LocalServer.csproj') @DotnetPathArgs -c $Configuration --no-build -o $ServerDir -nologo -v:q | Out-Host
    $helpScript = Join-Path $Root 'build/New-CompassHelp.ps1'
    if (Test-Path $helpScript) {
        Invoke-ChildPwsh -Arguments @('-File', $helpScript, '-ModuleDirectory', $ModuleDir, '-SourceDirectory', (Join-Path $Root 'docs')) | Out-Host
    }
    $null = Test-ModuleManifest (Join-Path $ModuleDir 'CompassPS.psd1')
    Write-Host "Module laid out in $ModuleDir; local server in $ServerDir"
}

# The shipped manifest is the repository's, with this version's release notes from CHANGELOG.md, so that
# Install-PSResource and the gallery pages show what changed.
function Write-ModuleManifest {
    param([Parameter(Mandatory)][string]$Destination)
    $text = Get-Content -Raw (Join-Path $Root 'CompassPS.psd1')
    $notes = Get-ReleaseNotes
    $quoted = "'" + $notes.Replace("'", "''") + "'"
    $pattern = "(?m)^(\s*ReleaseNotes\s*=\s*)'(?:[^']|'')*'"
    if ($text -notmatch $pattern) { throw 'CompassPS.psd1 has no ReleaseNotes entry under PrivateData.PSData' }
    $text = [regex]::Replace($text, $pattern, { param($m) $m.Groups[1].Value + $quoted })
    Set-Content -Path $Destination -Value $text -Encoding utf8 -NoNewline
}

# The section of CHANGELOG.md headed with this version ("## 0.2.0 - ..."), up to the next version's heading.
function Get-ReleaseNotes {
    $changelog = Get-Content -Raw (Join-Path $Root 'CHANGELOG.md')
    $match = [regex]::Match($changelog, "(?ms)^## \[?$([regex]::Escape($Version))\]?[^\n]*\n(.*?)(?=^## |\z)")
    if (-not $match.Success) { throw "CHANGELOG.md has no section for version $Version" }
    $match.Groups[1].Value.Trim()
}

# out/packages: CompassPS.<version>.nupkg for a PowerShell repository (Publish-PSResource / Install-PSResource)
# and CompassPS.zip for Azure Automation (the module folder at the root of a zip named for the module).
function Invoke-Package {
    New-Item -ItemType Directory -Force $PackagesDir | Out-Null
    Remove-Item (Join-Path $PackagesDir 'CompassPS.[0-9]*.nupkg'), (Join-Path $PackagesDir 'CompassPS.zip') -ErrorAction SilentlyContinue
    Compress-PSResource -Path $ModuleDir -DestinationPath $PackagesDir
    $nupkg = Join-Path $PackagesDir "CompassPS.$Version.nupkg"
    if (-not (Test-Path $nupkg)) { throw "Compress-PSResource wrote no $nupkg" }
    $zip = Join-Path $PackagesDir 'CompassPS.zip'
    Compress-Archive -Path $ModuleDir -DestinationPath $zip -Force
    Write-Host "Packaged $nupkg and $zip"
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

# Tools the tests need, by name from NuGet into .tools/packages (build/tools.csproj): Pester, and the .NET Framework
# 4.6.2 reference assemblies that the Windows PowerShell check reads.
function Restore-TestTools {
    $pester = Join-Path $ToolsPkgs "pester/$PesterVersion/tools/Pester.psd1"
    $referencePacks = (Join-Path $ToolsPkgs 'microsoft.netframework.referenceassemblies.net462'), (Join-Path $ToolsPkgs 'microsoft.netcore.app.ref')
    if (-not (Test-Path $pester) -or ($referencePacks | Where-Object { -not (Test-Path $_) })) {
        dotnet restore (Join-Path $Root 'build/tools.csproj') --packages $ToolsPkgs -nologo -v:q "-p:PesterVersion=$PesterVersion" | Out-Host
    }
    if (-not (Test-Path $pester)) { throw "Pester $PesterVersion was not found at $pester" }
    $pester
}

# The second PowerShell 7.6 patch the compatibility smoke suite runs on (the full suite runs on the one in
# dotnet-tools.json), installed as a dotnet tool into .tools. Returns the path of its pwsh.dll.
function Install-SmokePwsh {
    $toolPath = Join-Path $Root ".tools/pwsh-$SmokePwshVersion"
    $platform = if ($IsWindows) { 'win' } else { 'unix' }
    $find = { Get-ChildItem $toolPath -Recurse -Force -Filter pwsh.dll -ErrorAction SilentlyContinue | Where-Object { $_.Directory.Name -eq $platform } | Select-Object -First 1 }
    $dll = & $find
    if (-not $dll) {
        dotnet tool install PowerShell --version $SmokePwshVersion --tool-path $toolPath | Out-Host
        $dll = & $find
    }
    if (-not $dll) { throw "PowerShell $SmokePwshVersion was not installed into $toolPath" }
    $dll.FullName
}

# Where dotnet build put a project's output (bin/ next to it, or under --artifacts-path when one is given).
function Get-ProjectOutput {
    param([Parameter(Mandatory)][string]$Project, [Parameter(Mandatory)][string]$Framework)
    if ($ArtifactsPath) { return Join-Path $ArtifactsPath "bin/$Project/$($Configuration.ToLowerInvariant())" }
    $folder = Get-ChildItem (Join-Path $Root 'tests/compat') -Directory -Filter $Project | Select-Object -First 1
    Join-Path $folder.FullName "bin/$Configuration/$Framework"
}

# The compatibility suite's hosts and neighbour modules (tests/compat/README.md), handed to Pester's process.
function Set-CompatibilityEnvironment {
    $env:COMPASSPS_SMOKE_PWSH = Install-SmokePwsh
    $env:COMPASSPS_OLD_PATCH_HOST = Join-Path (Get-ProjectOutput 'OldPatchHost' 'net10.0') 'OldPatchHost.dll'
    $env:COMPASSPS_NO_ASYNC_INTERFACES_HOST = Join-Path (Get-ProjectOutput 'HostWithoutAsyncInterfaces' 'net10.0') 'HostWithoutAsyncInterfaces.dll'
    $env:COMPASSPS_NEIGHBOUR_LOWER = Join-Path (Get-ProjectOutput 'Neighbour.Lower' 'netstandard2.0') 'Neighbour.Lower.dll'
    $env:COMPASSPS_NEIGHBOUR_HIGHER = Join-Path (Get-ProjectOutput 'Neighbour.Higher' 'net8.0') 'Neighbour.Higher.dll'
    $env:COMPASSPS_NEIGHBOUR_HIGHER_ENGINE = Get-ProjectOutput 'Neighbour.Higher.Engine' 'netstandard2.0'
    $env:COMPASSPS_TOOL_PACKAGES = $ToolsPkgs
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
    $pester = Restore-TestTools
    Set-CompatibilityEnvironment
    $summary = Join-Path $ResultsDir 'pester-summary.json'
    Remove-Item $summary -ErrorAction SilentlyContinue
    $runner = Join-Path $Root 'build/Invoke-PesterSuite.ps1'
    $PSNativeCommandUseErrorActionPreference = $false
    # COMPASSPS_PESTER_PWSH runs the suites under another PowerShell 7 (the workflow's PowerShell 7.4 row).
    Invoke-ChildPwsh -Pwsh $env:COMPASSPS_PESTER_PWSH -Arguments @('-File', $runner, '-PesterPath', $pester, '-ModulePath', (Join-Path $ModuleDir 'CompassPS.psd1'),
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
        Invoke-Package
        Invoke-ServerPackage   # the packaging and tool tests install from out/packages
        New-Item -ItemType Directory -Force $ResultsDir | Out-Null
        $x = Invoke-XunitTests
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
        Invoke-Package
        Invoke-ServerPackage
    }
}
