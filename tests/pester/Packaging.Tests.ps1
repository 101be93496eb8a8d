# Installing the module the way users do (issue 10): by name from a PowerShell repository (a folder repository here,
# as an internal feed would be), and from the zip that Azure Automation imports. build.ps1 Test runs Package first
# and hands the folder over in COMPASSPS_PACKAGES.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'Common/CompassPS.TestCommon.psm1') -Force
    $script:Root = Get-CompassTestRoot
    $script:Version = (Import-PowerShellDataFile (Join-Path $Root 'CompassPS.psd1')).ModuleVersion
    $script:Packages = if ($env:COMPASSPS_PACKAGES) { $env:COMPASSPS_PACKAGES } else { Join-Path $Root 'out/packages' }
    $script:Nupkg = Join-Path $Packages "CompassPS.$Version.nupkg"
    $script:Zip = Join-Path $Packages 'CompassPS.zip'
    $script:Scratch = Join-Path ([System.IO.Path]::GetTempPath()) "compassps-install-$([guid]::NewGuid().ToString('n'))"
    New-Item -ItemType Directory -Force $Scratch | Out-Null
    $script:Server = Start-CompassTestServer -ArgumentList @('--delay-scale', '0.2')
    # A scratch home for the child processes (New-CompassTestUserScope): PSResourceGet's repositories and CurrentUser
    # scope, and NuGet's config, live there instead of the user's.
    $script:UserScope = New-CompassTestUserScope (Join-Path $Scratch 'user')

    # In a fresh pwsh: import CompassPS by name only, and run a run against the local server.
    $script:RunByName = @'
$ErrorActionPreference = 'Stop'
Import-Module CompassPS
$module = Get-Module CompassPS
"base=$($module.ModuleBase)"
"version=$($module.Version)"
"help=$((Get-Help Start-CompassRun).Synopsis)"
Connect-Compass -BaseUrl $env:TEST_BASE_URL -ApiKey ([System.Net.NetworkCredential]::new('', 'cmp_local_project_key').SecurePassword)
$run = Start-CompassRun -DeploymentId '33333333-3333-4333-8333-333333333333' -InputData @{ topic = 'tides' } -Wait
"status=$($run.Status)"
'@
}

AfterAll {
    Stop-CompassTestServer $Server
    Remove-Item $Scratch -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'build.ps1 Package' {
    It 'writes the repository package and the Azure Automation zip' {
        $Nupkg | Should -Exist
        $Zip | Should -Exist
    }

    It 'puts the module folder, named for the module, at the root of the zip' {
        Add-Type -AssemblyName System.IO.Compression.FileSystem
        $archive = [System.IO.Compression.ZipFile]::OpenRead($Zip)
        try { $entries = @($archive.Entries.FullName -replace '\\', '/') } finally { $archive.Dispose() }
        $entries | Should -Contain 'CompassPS/CompassPS.psd1'
        $entries | Should -Contain 'CompassPS/CompassPS.dll'
        $entries | Should -Contain 'CompassPS/CompassPS.Loading.dll'
        $entries | Should -Contain 'CompassPS/Desktop/System.Text.Json.dll'
        $entries | Should -Contain 'CompassPS/en-US/CompassPS.dll-Help.xml'
        @($entries | Where-Object { $_ -notlike 'CompassPS/*' }) | Should -BeNullOrEmpty
    }

    It 'carries the licence, and this version''s release notes from CHANGELOG.md in the manifest' {
        $manifest = Import-PowerShellDataFile (Join-Path (Split-Path (Get-CompassTestModulePath)) 'CompassPS.psd1')
        $changelog = Get-Content -Raw (Join-Path $Root 'CHANGELOG.md')
        $firstNote = [regex]::Match($changelog, "(?m)^## $([regex]::Escape($Version)).*\r?\n\s*\r?\n(- [^\r\n]+)").Groups[1].Value
        $firstNote | Should -Not -BeNullOrEmpty -Because "CHANGELOG.md has a section for $Version"
        $manifest.PrivateData.PSData.ReleaseNotes | Should -BeLike "$firstNote*"
        $manifest.PrivateData.PSData.Keys | Should -Not -Contain 'LicenseUri' -Because 'PSResourceGet refuses an empty one; the licence is the LICENSE file'
        Join-Path (Split-Path (Get-CompassTestModulePath)) 'LICENSE' | Should -Exist
    }

    It 'is accepted by Publish-PSResource' {
        $publishRepo = Join-Path $Scratch 'published'
        New-Item -ItemType Directory -Force $publishRepo | Out-Null
        $script = "Register-PSResourceRepository -Name CompassPSPublishTest -Uri '$publishRepo' -Trusted; " +
            "Publish-PSResource -Path '$(Split-Path (Get-CompassTestModulePath))' -Repository CompassPSPublishTest -ErrorAction Stop; 'published'"
        $result = Invoke-ChildPwsh -Arguments @('-Command', $script) -Environment (New-CompassTestUserScope (Join-Path $Scratch 'publisher'))
        $result.ExitCode | Should -Be 0 -Because ($result.Output + $result.Errors)
        Join-Path $publishRepo "CompassPS.$Version.nupkg" | Should -Exist
    }
}

Describe 'Install-PSResource CompassPS from a folder repository, then Import-Module CompassPS by name' {
    BeforeAll {
        $repository = Join-Path $Scratch 'repository'
        New-Item -ItemType Directory -Force $repository | Out-Null
        Copy-Item $Nupkg $repository
        $install = "Register-PSResourceRepository -Name CompassPSTest -Uri '$repository' -Trusted; " +
            "Install-PSResource -Name CompassPS -Repository CompassPSTest -Scope CurrentUser -TrustRepository -ErrorAction Stop; " +
            "(Get-InstalledPSResource -Name CompassPS -Scope CurrentUser).InstalledLocation"
        $script:Installed = Invoke-ChildPwsh -Arguments @('-Command', $install) -Environment $UserScope -TimeoutSec 120
        $script:Used = Invoke-ChildPwsh -Arguments @('-Command', $RunByName) -Environment ($UserScope + @{ TEST_BASE_URL = $Server.BaseUrl }) -TimeoutSec 120
    }

    It 'installs into the user scope' {
        $Installed.ExitCode | Should -Be 0 -Because ($Installed.Output + $Installed.Errors)
        $Installed.Output | Should -Match ([regex]::Escape($UserScope.HOME))
    }

    It 'imports by name in a fresh pwsh, with its help, and runs a run to completion' {
        $Used.ExitCode | Should -Be 0 -Because ($Used.Output + $Used.Errors)
        $Used.Output | Should -Match "(?m)^base=$([regex]::Escape($UserScope.HOME))"
        $Used.Output | Should -Match "(?m)^version=$([regex]::Escape($Version))"
        $Used.Output | Should -Match '(?m)^help=Starts Compass runs'
        $Used.Output | Should -Match '(?m)^status=completed'
    }
}

Describe 'the Azure Automation zip, expanded into a module path' {
    It 'imports by name and runs a run to completion' {
        $modules = Join-Path $Scratch 'zip-modules'
        Expand-Archive -Path $Zip -DestinationPath $modules -Force
        $path = $modules + [System.IO.Path]::PathSeparator + $env:PSModulePath
        $result = Invoke-ChildPwsh -Arguments @('-Command', $RunByName) -Environment @{ PSModulePath = $path; TEST_BASE_URL = $Server.BaseUrl } -TimeoutSec 120
        $result.ExitCode | Should -Be 0 -Because ($result.Output + $result.Errors)
        $result.Output | Should -Match "(?m)^base=$([regex]::Escape($modules))"
        $result.Output | Should -Match '(?m)^status=completed'
    }
}
