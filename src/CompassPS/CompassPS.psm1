# Imports the build of CompassPS made for the running PowerShell (docs/architecture.md, "Loading on every host"):
# Core/ for PowerShell 7.4 and later, which takes System.Text.Json from the host's own runtime and ships no
# dependency; Desktop/ for Windows PowerShell 5.1, which binds its shipped dependencies to its own folder. The
# folders are named for the values of $PSEdition.
# One statement on purpose: this script runs on every import, and each extra check here (a version test, a
# parameter such as -ErrorAction) measured tens of milliseconds more (bench: Import-Module, docs/architecture.md).
Import-Module -Name "$PSScriptRoot/$PSEdition/CompassPS.dll"
