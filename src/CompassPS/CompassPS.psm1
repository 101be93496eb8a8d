# Imports the build of CompassPS made for the running PowerShell (docs/architecture.md, "Loading on every host"):
# Core/ for PowerShell 7.4 and later, which takes System.Text.Json from the host's own runtime and ships no
# dependency; Desktop/ for Windows PowerShell 5.1, which binds its shipped dependencies to its own folder.
# Only language and Microsoft.PowerShell.Core commands here: a cmdlet from another module (Join-Path, say)
# would load that module first and cost more than the whole import.
if ($PSEdition -eq 'Core') {
    if ($PSVersionTable.PSVersion -lt [version]'7.4') {
        throw "CompassPS needs PowerShell 7.4 or later, or Windows PowerShell 5.1; this is PowerShell $($PSVersionTable.PSVersion)."
    }
    Import-Module -Name "$PSScriptRoot/Core/CompassPS.dll" -ErrorAction Stop
}
else {
    Import-Module -Name "$PSScriptRoot/Desktop/CompassPS.dll" -ErrorAction Stop
}
