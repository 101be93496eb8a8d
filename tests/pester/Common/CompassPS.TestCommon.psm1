# Shared helpers for the CompassPS Pester suites: the module under test, a local server per suite, child pwsh
# processes, direct calls to the server's HTTP API (to set up and to check independently of the module), workflow
# definitions, and the checks several suites need (secrets in output, open connections, completions, ConfirmImpact).
# Import it in BeforeAll.

$script:RepositoryRoot = (Resolve-Path (Join-Path $PSScriptRoot '../../..')).Path

function Get-CompassTestRoot { $script:RepositoryRoot }

# The built module: $env:COMPASSPS_MODULE (set by build.ps1), else out/CompassPS.
function Get-CompassTestModulePath {
    if ($env:COMPASSPS_MODULE) { return $env:COMPASSPS_MODULE }
    Join-Path $script:RepositoryRoot 'out/CompassPS/CompassPS.psd1'
}

function Import-CompassTestModule {
    Import-Module (Get-CompassTestModulePath) -Force -Global
}

# A local server on a free loopback port (stop it with Stop-CompassTestServer in AfterAll), in memory unless given a
# data directory to keep its state in (so that a second server can open the same data).
function Start-CompassTestServer {
    param([string[]]$ArgumentList = @(), [string]$DataDirectory)
    Import-Module (Join-Path $script:RepositoryRoot 'build/LocalServer.psm1') -Force -Global
    $options = @{ ArgumentList = $ArgumentList }
    if ($DataDirectory) { $options.DataDirectory = $DataDirectory }
    Start-BuildLocalServer @options
}

function Stop-CompassTestServer {
    param($Server)
    if ($Server) { Stop-BuildLocalServer $Server }
}

function ConvertTo-TestSecureString([string]$Text) {
    $secure = [System.Security.SecureString]::new()
    foreach ($ch in $Text.ToCharArray()) { $secure.AppendChar($ch) }
    $secure
}

# pwsh as a dotnet local tool is not on PATH: start the same host that runs the tests.
function Get-ChildPwshCommand {
    $pwshDll = Join-Path $PSHOME 'pwsh.dll'
    if (Test-Path $pwshDll) { return @([Environment]::ProcessPath, $pwshDll) }
    @((Join-Path $PSHOME 'pwsh'))
}

# Runs pwsh in a child process and returns its exit code, its whole output (stdout and stderr) and the chunks of
# stdout with the time each arrived, to check that output arrived progressively. -HostCommand runs another host
# instead (its executable and leading arguments, e.g. 'dotnet', '<another pwsh.dll>', '-NoProfile'), as given.
function Invoke-ChildPwsh {
    param(
        [Parameter(Mandatory)][string[]]$Arguments,
        [hashtable]$Environment = @{},
        [int]$TimeoutSec = 120,
        [string[]]$HostCommand
    )
    $command = if ($HostCommand) { $HostCommand } else { @(Get-ChildPwshCommand) + @('-NoProfile', '-NonInteractive') }
    $psi = [System.Diagnostics.ProcessStartInfo]::new($command[0])
    foreach ($a in @($command | Select-Object -Skip 1) + $Arguments) { $psi.ArgumentList.Add($a) }
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $psi.UseShellExecute = $false
    $psi.Environment['NO_COLOR'] = '1'
    foreach ($name in $Environment.Keys) { $psi.Environment[$name] = $Environment[$name] }
    $clock = [System.Diagnostics.Stopwatch]::StartNew()
    $process = [System.Diagnostics.Process]::Start($psi)
    try {
        $stderr = $process.StandardError.ReadToEndAsync()
        $chunks = [System.Collections.Generic.List[object]]::new()
        $stream = $process.StandardOutput.BaseStream
        $buffer = [byte[]]::new(65536)
        $decoder = [System.Text.Encoding]::UTF8.GetDecoder()
        $chars = [char[]]::new(65536)
        while ($true) {
            $read = $stream.ReadAsync($buffer, 0, $buffer.Length)
            if (-not $read.Wait([TimeSpan]::FromSeconds($TimeoutSec))) { throw "The child pwsh wrote nothing for $TimeoutSec s" }
            if ($read.Result -eq 0) { break }
            $count = $decoder.GetChars($buffer, 0, $read.Result, $chars, 0)
            $chunks.Add([pscustomobject]@{ At = $clock.Elapsed.TotalSeconds; Text = [string]::new($chars, 0, $count) })
        }
        if (-not $process.WaitForExit($TimeoutSec * 1000)) { throw "The child pwsh did not exit within $TimeoutSec s" }
        [pscustomobject]@{
            ExitCode = $process.ExitCode
            Output   = (-join $chunks.Text)
            Errors   = $stderr.Result
            Chunks   = $chunks
            Seconds  = $clock.Elapsed.TotalSeconds
        }
    }
    finally {
        if (-not $process.HasExited) { $process.Kill($true) }
        $process.Dispose()
    }
}

# Input topic -> an agent whose lookup tool calls each wait for a person's approval -> output. Its runs wait in
# awaiting_approval until an approval is decided or the run is cancelled.
function New-CompassTestGatedDefinition {
    param([Parameter(Mandatory)][string]$Name)
    New-CompassTestDefinition $Name -OutputNodeId agent -Nodes @'
  - id: agent
    type: agent
    name: Gated researcher
    model:
      connection_id: 11111111-1111-4111-8111-111111111111
      model: compass-local-1
    system_prompt: Look the topic up before you answer.
    tools_require_approval: true
    tools:
      - source: "workflow:44444444-4444-4444-8444-444444444444"
        name: lookup
        description: Looks up reference notes for a query.
    inputs:
      input: { kind: ref, source: input, path: $.topic }
'@
}

# A chat agent on the built-in local model: chat input -> agent -> output. -ConversationHistory sets whether the
# agent is shown the conversation's earlier turns (the server's default when not given).
function New-CompassTestChatAgentDefinition {
    param([Parameter(Mandatory)][string]$Name, [Nullable[bool]]$ConversationHistory)
    $history = if ($null -ne $ConversationHistory) { "`n    conversation_history: " + "$ConversationHistory".ToLowerInvariant() } else { '' }
    @"
name: $Name
type: agent
nodes:
  - id: input
    type: component
    component_type: input
    config: { type: chat }
  - id: agent
    type: agent
    name: Helper
    model: { connection_id: 11111111-1111-4111-8111-111111111111, model: "" }
    system_prompt: Be brief.$history
    inputs:
      input: { kind: ref, source: input, path: `$.message }
  - id: output
    type: component
    component_type: output
    inputs:
      value: { kind: ref, source: agent }
"@
}

# Environment variables that give a child pwsh a home of its own, for PSResourceGet (its repository list and the
# CurrentUser scope, ~/.local/share on Linux) and NuGet (its config, ~/.config): the user's own stay out of the test
# and the test out of them. Every folder is created: .NET answers an XDG folder or ~/.config that does not exist with
# an empty path, and PSResourceGet and NuGet would then write into the current directory.
function New-CompassTestUserScope {
    param([Parameter(Mandatory)][string]$Folder)
    $scope = @{ HOME = $Folder; XDG_DATA_HOME = (Join-Path $Folder '.local/share'); XDG_CONFIG_HOME = (Join-Path $Folder '.config') }
    New-Item -ItemType Directory -Force $scope.XDG_DATA_HOME, $scope.XDG_CONFIG_HOME | Out-Null
    $scope
}

# Established TCP connections whose remote end is this port (Linux /proc; loopback only). Counts client sockets.
function Get-OpenConnectionCount {
    param([Parameter(Mandatory)][int]$Port)
    $hex = '{0:X4}' -f $Port
    $count = 0
    foreach ($file in '/proc/net/tcp', '/proc/net/tcp6') {
        if (-not (Test-Path $file)) { continue }
        foreach ($line in Get-Content $file | Select-Object -Skip 1) {
            $fields = $line.Trim() -split '\s+'
            if ($fields.Count -lt 4) { continue }
            if ($fields[2].EndsWith(":$hex") -and $fields[3] -eq '01') { $count++ }
        }
    }
    $count
}

# Waits until the condition holds or the time is up; returns whether it held.
function Wait-Until {
    param([Parameter(Mandatory)][scriptblock]$Condition, [double]$TimeoutSec = 10)
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSec)
    while ([DateTime]::UtcNow -lt $deadline) {
        if (& $Condition) { return $true }
        Start-Sleep -Milliseconds 100
    }
    [bool](& $Condition)
}

# What tab completion offers at the end of $Line (the CompletionResult items, enumerated; nothing when none).
function Get-CompassTestCompletion {
    param([Parameter(Mandatory)][string]$Line)
    (TabExpansion2 -inputScript $Line -cursorColumn $Line.Length).CompletionMatches
}

# The ConfirmImpact a cmdlet declares, which decides whether it asks before it acts by default.
function Get-CompassTestConfirmImpact {
    param([Parameter(Mandatory)][string]$CommandName)
    (Get-Command $CommandName).ImplementingType.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false)[0].ConfirmImpact
}

# Straight to the server's HTTP API with the given key, independently of the module under test: to set up what the
# cmdlets then read and to check what they did. Returns the parsed body and throws on an error status; with
# -WithStatus it returns Status and Body instead and leaves error statuses for the caller to assert.
function Invoke-CompassTestApi {
    param(
        [Parameter(Mandatory)]$Server,
        [Parameter(Mandatory)][string]$ApiKey,
        [Parameter(Mandatory)][string]$Method,
        [Parameter(Mandatory)][string]$Path,
        $Body,
        [switch]$WithStatus
    )
    $arguments = @{ Method = $Method; Uri = $Server.BaseUrl + $Path; Headers = @{ Authorization = "Bearer $ApiKey" } }
    if ($null -ne $Body) { $arguments.Body = ($Body | ConvertTo-Json -Depth 10); $arguments.ContentType = 'application/json' }
    if (-not $WithStatus) { return Invoke-RestMethod @arguments }
    $answer = Invoke-RestMethod @arguments -SkipHttpErrorCheck -StatusCodeVariable status
    [pscustomobject]@{ Status = $status; Body = $answer }
}

# Every item of a collection the server holds (e.g. '/v1/workflows/?name=x'), past any page limit of the module,
# for checks independent of it.
function Get-CompassTestServerItems {
    param([Parameter(Mandatory)]$Server, [Parameter(Mandatory)][string]$ApiKey, [Parameter(Mandatory)][string]$Path)
    $separator = if ($Path.Contains('?')) { '&' } else { '?' }
    $items = [System.Collections.Generic.List[object]]::new()
    do {
        $page = Invoke-CompassTestApi $Server $ApiKey Get "$Path${separator}limit=200&offset=$($items.Count)"
        $page.items | ForEach-Object { $items.Add($_) }
    } while ($page.items.Count -gt 0 -and $items.Count -lt $page.total)
    $items
}

# The YAML of a valid workflow named $Name that takes a required string topic and has one output. What runs between
# them: a prompt with $Template (the default, so a run's output shows the template it ran with), another workflow
# (-CalleeId, so a publish pins that workflow's live version), nothing (-WithoutPrompt: the output is the topic), or
# the given -Nodes (YAML list items) with the output taken from -OutputNodeId.
function New-CompassTestDefinition {
    [CmdletBinding(DefaultParameterSetName = 'Prompt')]
    param(
        [Parameter(Mandatory, Position = 0)][string]$Name,
        [Parameter(ParameterSetName = 'Prompt', Position = 1)][string]$Template = 'About {{topic}}',
        [Parameter(Mandatory, ParameterSetName = 'Callee')][string]$CalleeId,
        [Parameter(Mandatory, ParameterSetName = 'Echo')][switch]$WithoutPrompt,
        [Parameter(Mandatory, ParameterSetName = 'Nodes')][string]$Nodes,
        [Parameter(Mandatory, ParameterSetName = 'Nodes')][string]$OutputNodeId
    )
    $value = 'source: {0}, path: $' -f $OutputNodeId
    switch ($PSCmdlet.ParameterSetName) {
        'Prompt' {
            $value = 'source: brief, path: $'
            $Nodes = @"
  - id: brief
    type: component
    component_type: prompt
    config:
      template: "$Template"
    inputs:
      topic: { kind: ref, source: input, path: $.topic }
"@
        }
        'Callee' {
            $value = 'source: callee, path: $'
            $Nodes = @"
  - id: callee
    type: workflow
    workflow_id: $CalleeId
    inputs:
      topic: { kind: ref, source: input, path: $.topic }
"@
        }
        'Echo' { $value = 'source: input, path: $.topic' }
    }
    $middle = if ($Nodes) { "`n" + $Nodes.TrimEnd("`r", "`n") } else { '' }
    @"
name: $Name
type: workflow
nodes:
  - id: input
    type: component
    component_type: input
    config:
      type: object
      schema:
        topic: { type: string, required: true }
"@ + $middle + @"

  - id: output
    type: component
    component_type: output
    config: { mode: single }
    inputs:
      value: { kind: ref, $value }
"@
}

Export-ModuleMember -Function Get-CompassTestRoot, Get-CompassTestModulePath, Import-CompassTestModule, Start-CompassTestServer,
    Stop-CompassTestServer, ConvertTo-TestSecureString, Get-ChildPwshCommand, Invoke-ChildPwsh, Get-OpenConnectionCount, Wait-Until,
    Get-CompassTestCompletion, Get-CompassTestConfirmImpact, Invoke-CompassTestApi, Get-CompassTestServerItems, New-CompassTestDefinition, New-CompassTestUserScope,
    New-CompassTestGatedDefinition, New-CompassTestChatAgentDefinition
