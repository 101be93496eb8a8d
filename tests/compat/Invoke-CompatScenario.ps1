<#
.SYNOPSIS
    The module's main job on one host: import it, connect, dispatch a run, stream its events, wait for it and list
    runs, against a local server. Prints name=value lines for tests/pester/Compatibility.Tests.ps1 to assert on.
.DESCRIPTION
    Runs unchanged in pwsh 7.6.9, pwsh 7.6.10 and in the OldPatchHost (a hosted runspace without a console), so it
    uses only the module's cmdlets and Microsoft.PowerShell.Core. With -NeighbourPath, another binary module is
    imported before or after CompassPS and used at the end, so both are shown working in one session.
#>
param(
    [Parameter(Mandatory)][string]$ModulePath,
    [Parameter(Mandatory)][string]$BaseUrl,
    [string]$NeighbourPath,
    [string]$NeighbourEngine,
    [ValidateSet('Before', 'After')][string]$NeighbourOrder = 'Before'
)
$ErrorActionPreference = 'Stop'

if ($NeighbourPath -and $NeighbourOrder -eq 'Before') { Import-Module $NeighbourPath }
Import-Module $ModulePath
if ($NeighbourPath -and $NeighbourOrder -eq 'After') { Import-Module $NeighbourPath }
"commands=$(@(Get-Command -Module CompassPS).Count)"
"edition=$($PSVersionTable.PSEdition) $($PSVersionTable.PSVersion)"

# The local server's well-known member key; ConvertTo-SecureString lives in a module a bare host may not load.
$key = [System.Net.NetworkCredential]::new('', 'cmp_local_project_key').SecurePassword
Connect-Compass -BaseUrl $BaseUrl -ApiKey $key
$run = Start-CompassRun -DeploymentId '33333333-3333-4333-8333-333333333333' -InputData @{ topic = 'tides' }
"dispatched=$($run.Id)"
$events = @(Watch-CompassRun -Id $run.Id)
"streamed=$($events.Count)"
$types = [System.Collections.Generic.List[string]]::new()
foreach ($e in $events) { if (-not $types.Contains($e.Type)) { $types.Add($e.Type) } }
"streamtypes=$($types -join ',')"
$finished = Wait-CompassRun -Id $run.Id
"waited=$($finished.Status)"
"listed=$(@(Get-CompassRun -First 3).Count)"

# Where the module and the JSON library it runs on came from.
"module=$([CompassPS.Run].Assembly.Location)"
"json=$([CompassPS.Run].Assembly.GetReferencedAssemblies().Where({ $_.Name -eq 'System.Text.Json' }).Version) -> $([System.Text.Json.JsonDocument].Assembly.GetName().Version)"
"jsonfile=$([System.Text.Json.JsonDocument].Assembly.Location)"
"asyncinterfaces=$(([AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'Microsoft.Bcl.AsyncInterfaces' } | Select-Object -First 1).Location)"
# The host's own copy (beside the host's entry point: $PSHOME for pwsh), and the copies loaded, if any.
$hostBcl = [System.IO.Path]::Combine([AppContext]::BaseDirectory, 'Microsoft.Bcl.AsyncInterfaces.dll')
if ([System.IO.File]::Exists($hostBcl)) { "hostbcl=$([System.Reflection.AssemblyName]::GetAssemblyName($hostBcl).Version)" }
$bcl = [AppDomain]::CurrentDomain.GetAssemblies().Where({ $_.GetName().Name -eq 'Microsoft.Bcl.AsyncInterfaces' })
"bcl=$(($bcl | ForEach-Object { $_.GetName().Version }) -join ',')"

if ($NeighbourPath) {
    $probe = if ($NeighbourEngine) { Test-Neighbour -EngineDirectory $NeighbourEngine } else { Test-Neighbour }
    "neighbour=$probe"
}
