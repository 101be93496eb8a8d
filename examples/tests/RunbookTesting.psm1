# Helpers for testing the runbooks in examples/ against a local Compass server (see docs/testing-runbooks.md).
# Copy this file next to your own runbook tests: nothing in it is specific to these examples.

# Imports CompassPS for the tests: the build's module when COMPASSPS_MODULE names one (this repository's build.ps1 sets
# it), else the installed module by name.
function Import-CompassForTest {
    if ($env:COMPASSPS_MODULE) { Import-Module $env:COMPASSPS_MODULE -Global }
    else { Import-Module CompassPS -Global }
}

# Runs a runbook the way a scheduler does: a fresh PowerShell with -File, the server's URL and key in COMPASS_BASE_URL
# and COMPASS_API_KEY, the same CompassPS found by name. Returns the exit code and everything the runbook wrote.
function Invoke-Runbook {
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][string]$Path,
        # A server from Start-CompassLocalServer; its member key is used unless -ApiKey is given.
        [Parameter(Mandatory)]$Server,
        [string[]]$ArgumentList = @(),
        [securestring]$ApiKey = $Server.ProjectKey
    )
    $module = Get-Module CompassPS
    $saved = @{ COMPASS_BASE_URL = $env:COMPASS_BASE_URL; COMPASS_API_KEY = $env:COMPASS_API_KEY; PSModulePath = $env:PSModulePath; NO_COLOR = $env:NO_COLOR }
    try {
        $env:COMPASS_BASE_URL = $Server.BaseUrl
        # The child reads the key from its environment, as a runbook does on a scheduler; it never appears in a command line.
        $env:COMPASS_API_KEY = [System.Net.NetworkCredential]::new('', $ApiKey).Password
        $env:PSModulePath = (Split-Path (Split-Path $module.Path)) + [System.IO.Path]::PathSeparator + $env:PSModulePath
        $env:NO_COLOR = '1'
        $arguments = @('-NoProfile', '-NonInteractive', '-File', $Path) + $ArgumentList
        # The same PowerShell that runs the tests: pwsh itself, or 'dotnet pwsh.dll' when it runs as a .NET tool.
        $pwshDll = Join-Path $PSHOME 'pwsh.dll'
        $output = if (Test-Path $pwshDll) { & ([Environment]::ProcessPath) $pwshDll @arguments 2>&1 }
        elseif ($PSVersionTable.PSEdition -eq 'Core') { & (Join-Path $PSHOME 'pwsh') @arguments 2>&1 }
        else { & (Join-Path $PSHOME 'powershell.exe') @arguments 2>&1 }
        [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = ($output | Out-String -Width 250) }
    }
    finally {
        foreach ($name in $saved.Keys) {
            if ($null -eq $saved[$name]) { Remove-Item "env:$name" -ErrorAction SilentlyContinue } else { Set-Item "env:$name" $saved[$name] }
        }
    }
}

Export-ModuleMember -Function Import-CompassForTest, Invoke-Runbook
