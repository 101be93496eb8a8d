# The local server as users get it: the CompassPS.LocalServer tool package (build.ps1 Package writes it to
# out/packages) installed with 'dotnet tool install' into a scratch tool path, found on PATH by a fresh pwsh, started
# with Start-CompassLocalServer -Connect -ModelScript, answering as the script says, and stopped without a trace.
# The module comes from its own package too (CompassPS.<version>.nupkg), installed by name with Install-PSResource
# into a scratch user scope and imported by name: both packages as a user without a clone of this repository has them.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'Common/CompassPS.TestCommon.psm1') -Force
    $root = Get-CompassTestRoot
    $version = (Import-PowerShellDataFile (Join-Path $root 'CompassPS.psd1')).ModuleVersion
    $packages = if ($env:COMPASSPS_PACKAGES) { $env:COMPASSPS_PACKAGES } else { Join-Path $root 'out/packages' }
    $nupkg = Join-Path $packages "CompassPS.LocalServer.$version.nupkg"
    if (-not (Test-Path $nupkg)) { throw "The tool package $nupkg is missing: run ./build.ps1 Package (build.ps1 Test does)." }

    # Only the package folder as a source: nothing is fetched from anywhere else.
    $tools = Join-Path $TestDrive 'tools'
    $config = Join-Path $TestDrive 'nuget.config'
    Set-Content $config @"
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <clear />
    <add key="local" value="$packages" />
  </packageSources>
</configuration>
"@
    # A scratch package cache too: the shared one would hand back an earlier build packed with the same version.
    $savedCache = $env:NUGET_PACKAGES
    $env:NUGET_PACKAGES = Join-Path $TestDrive 'nuget-cache'
    try {
        $install = & dotnet tool install CompassPS.LocalServer --version $version --tool-path $tools --configfile $config 2>&1
        $installExit = $LASTEXITCODE
    }
    finally { $env:NUGET_PACKAGES = $savedCache }
    $exe = Join-Path $tools $(if ($IsWindows) { 'compass-local.exe' } else { 'compass-local' })

    # The module, by name from a folder repository into a scratch home (New-CompassTestUserScope).
    $userHome = Join-Path $TestDrive 'home'
    $userScope = New-CompassTestUserScope $userHome
    $repository = New-Item -ItemType Directory (Join-Path $TestDrive 'repository')
    Copy-Item (Join-Path $packages "CompassPS.$version.nupkg") $repository
    $moduleInstall = Invoke-ChildPwsh -Environment $userScope -Arguments '-Command',
        "Register-PSResourceRepository -Name CompassPSTest -Uri '$repository' -Trusted; Install-PSResource -Name CompassPS -Repository CompassPSTest -Scope CurrentUser -TrustRepository -ErrorAction Stop"
}

Describe 'The CompassPS.LocalServer tool package' {
    It 'installs into a tool path as the command compass-local, whose --help lists the options' {
        $installExit | Should -Be 0 -Because ($install | Out-String)
        $exe | Should -Exist
        $help = & $exe --help | Out-String
        $LASTEXITCODE | Should -Be 0
        foreach ($option in '--model-script', '--seed', '--data', '--fault-503-rate', '--fault-cut-stream-after', '--allow-remote', '--keys-file') {
            $help | Should -BeLike "*$option*"
        }
    }

    It 'in a fresh pwsh with the tool path on PATH and the module installed by name: Start-CompassLocalServer -Connect -ModelScript answers by the script, and Stop leaves no process' {
        Set-Content (Join-Path $TestDrive 'rules.yaml') @'
- name: refund
  match: '(?i)\brefund\b'
  reply: Refund approved for order 42.
'@
        $probe = Join-Path $TestDrive 'probe.ps1'
        Set-Content $probe @"
`$ErrorActionPreference = 'Stop'
Set-Location '$TestDrive'
Import-Module CompassPS
`$server = Start-CompassLocalServer -Connect -ModelScript rules.yaml -DelayScale 0
`$scripted = Start-CompassRun -DeploymentId 33333333-3333-4333-8333-333333333333 -InputData @{ topic = 'a refund' } -Wait
`$unscripted = Start-CompassRun -DeploymentId 33333333-3333-4333-8333-333333333333 -InputData @{ topic = 'tides' } -Wait
`$server | Stop-CompassLocalServer
[pscustomobject]@{
    Module = (Get-Module CompassPS).ModuleBase; Path = `$server.Path; ProcessId = `$server.ProcessId; Status = `$server.Status; Left = @(Get-CompassLocalServer).Count
    Scripted = `$scripted.Output; Unscripted = `$unscripted.Output
} | ConvertTo-Json -Compress
"@
        # PATH holds the scratch tool path and not the build's server folder, so only the installed tool can be found.
        $separator = [IO.Path]::PathSeparator
        $buildServer = if ($env:COMPASSPS_SERVER_DLL) { Split-Path $env:COMPASSPS_SERVER_DLL } else { '' }
        $path = (@($tools) + @($env:PATH -split $separator | Where-Object { $_ -and $_ -ne $buildServer })) -join $separator

        $moduleInstall.ExitCode | Should -Be 0 -Because ($moduleInstall.Output + $moduleInstall.Errors)
        $result = Invoke-ChildPwsh -Arguments '-File', $probe -Environment ($userScope + @{ PATH = $path })

        $result.ExitCode | Should -Be 0 -Because ($result.Output + $result.Errors)
        $report = ($result.Output -split "`n" | Where-Object { $_.StartsWith('{') } | Select-Object -Last 1) | ConvertFrom-Json
        $report.Module | Should -BeLike "$userHome*" -Because 'the module is the one installed by name from its package'
        $report.Path | Should -BeLike "$tools*"
        $report.Scripted | Should -Be 'Refund approved for order 42.'
        $report.Unscripted | Should -BeLike 'You asked:*tides*'
        $report.Status | Should -Be 'Stopped'
        $report.Left | Should -Be 0
        Get-Process -Id $report.ProcessId -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }
}
