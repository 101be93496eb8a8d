# Loading on every host, next to any other module (issue 10; docs/architecture.md, "Loading on every host").
# The rows of the supported matrix that run here: PowerShell 7.6.9 (the whole suite), 7.6.10 (this smoke suite), a
# 7.6 host whose own Microsoft.Bcl.AsyncInterfaces is older than the newest (the failure users hit before), modules
# carrying lower and higher versions of the same dependencies imported before and after CompassPS, and the half of
# the Windows PowerShell 5.1 promise that can be checked off Windows: every reference of every shipped assembly is
# met. Windows PowerShell 5.1 and PowerShell 7.4 themselves run in .github/workflows/compatibility.yml.

BeforeDiscovery {
    # The other hosts the scenario runs on: PowerShell 7.6.10 always (build.ps1 installs it); Windows PowerShell 5.1
    # wherever it exists (the Windows rows of .github/workflows/compatibility.yml); and any pwsh.dll or pwsh listed in
    # COMPASSPS_EXTRA_PWSH (';'-separated: the workflow's PowerShell 7.4 row).
    $script:SmokeHosts = @(@{ Name = 'PowerShell 7.6.10'; Command = @('dotnet', $env:COMPASSPS_SMOKE_PWSH, '-NoProfile', '-NonInteractive'); Edition = 'Core 7.6.10' })
    $windowsPowerShell = if ($IsWindows) { Get-Command powershell.exe -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1 }
    if ($windowsPowerShell) {
        $SmokeHosts += @{ Name = 'Windows PowerShell 5.1'; Command = @($windowsPowerShell.Source, '-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass'); Edition = 'Desktop 5.1*' }
    }
    foreach ($extra in "$env:COMPASSPS_EXTRA_PWSH" -split ';' | Where-Object { $_ }) {
        $command = if ($extra -like '*.dll') { @('dotnet', $extra) } else { @($extra) }
        $SmokeHosts += @{ Name = "PowerShell at $extra"; Command = $command + @('-NoProfile', '-NonInteractive'); Edition = 'Core *' }
    }
    $script:Neighbours = @(
        @{ Kind = 'lower'; Order = 'Before' }, @{ Kind = 'lower'; Order = 'After' },
        @{ Kind = 'higher'; Order = 'Before' }, @{ Kind = 'higher'; Order = 'After' }
    )
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'Common/CompassPS.TestCommon.psm1') -Force
    $script:Root = Get-CompassTestRoot
    $script:ModulePath = Get-CompassTestModulePath
    $script:ModuleDir = Split-Path $ModulePath
    $script:Scenario = Join-Path $Root 'tests/compat/Invoke-CompatScenario.ps1'
    $script:Server = Start-CompassTestServer -ArgumentList @('--delay-scale', '0.2')

    # name=value lines of the scenario's output as a hashtable.
    function ConvertFrom-ScenarioOutput([string]$Text) {
        $values = @{}
        foreach ($line in $Text -split '\r?\n') {
            if ($line -match '^(\w+)=(.*)$') { $values[$Matches[1]] = $Matches[2] }
        }
        $values
    }

    # The scenario run by one of the fixture hosts of tests/compat (they take the script, then its parameters as
    # name-value pairs): the child's result and its name=value lines.
    function Invoke-FixtureHostScenario([string]$HostDll) {
        $result = Invoke-ChildPwsh -HostCommand @('dotnet', $HostDll) `
            -Arguments @($Scenario, 'ModulePath', $ModulePath, 'BaseUrl', $Server.BaseUrl) -TimeoutSec 120
        $result, (ConvertFrom-ScenarioOutput $result.Output)
    }

    # The scenario's promise: the module's main job done end to end.
    function Assert-ScenarioWorked($Result, $Values) {
        $Result.ExitCode | Should -Be 0 -Because ($Result.Output + $Result.Errors)
        [int]$Values.commands | Should -BeGreaterThan 30
        $Values.dispatched | Should -Match '^[0-9a-f-]{36}$'
        [int]$Values.streamed | Should -BeGreaterThan 2 -Because 'the run''s events arrive on the stream'
        $Values.streamtypes | Should -Match 'run\.completed'
        $Values.waited | Should -Be 'completed'
        [int]$Values.listed | Should -BeGreaterThan 0
    }

    # Every assembly reference in a file, with its version (System.Reflection.Metadata, no loading).
    function Get-AssemblyReference([string]$Path) {
        $stream = [System.IO.File]::OpenRead($Path)
        try {
            $pe = [System.Reflection.PortableExecutable.PEReader]::new($stream)
            $metadata = [System.Reflection.Metadata.PEReaderExtensions]::GetMetadataReader($pe)
            foreach ($handle in $metadata.AssemblyReferences) {
                $reference = $metadata.GetAssemblyReference($handle)
                [pscustomobject]@{ Name = $metadata.GetString($reference.Name); Version = $reference.Version }
            }
        }
        finally { $stream.Dispose() }
    }

    # The names of the types an assembly defines (System.Reflection.Metadata, no loading).
    function Get-DefinedTypeName([string]$Path) {
        $stream = [System.IO.File]::OpenRead($Path)
        try {
            $pe = [System.Reflection.PortableExecutable.PEReader]::new($stream)
            $metadata = [System.Reflection.Metadata.PEReaderExtensions]::GetMetadataReader($pe)
            foreach ($handle in $metadata.TypeDefinitions) { $metadata.GetString($metadata.GetTypeDefinition($handle).Name) }
        }
        finally { $stream.Dispose() }
    }

    # Name -> version of every assembly in the given folders.
    function Get-AssemblyVersionMap([string[]]$Folder) {
        $map = @{}
        foreach ($file in Get-ChildItem $Folder -Filter *.dll -File -ErrorAction SilentlyContinue) {
            try { $name = [System.Reflection.AssemblyName]::GetAssemblyName($file.FullName) }
            catch [System.BadImageFormatException] { continue }   # a native image: no assembly to bind to
            if (-not $map.ContainsKey($name.Name) -or $map[$name.Name] -lt $name.Version) { $map[$name.Name] = $name.Version }
        }
        $map
    }
}

AfterAll {
    Stop-CompassTestServer $Server
}

Describe 'a PowerShell 7.6 host with an older Microsoft.Bcl.AsyncInterfaces than the newest 7.6 patch' {
    BeforeAll {
        $script:Result, $script:Values = Invoke-FixtureHostScenario $env:COMPASSPS_OLD_PATCH_HOST
    }

    It 'is the host users hit the load failure on: its Microsoft.Bcl.AsyncInterfaces is 10.0.0.0' {
        $Values.hostbcl | Should -Be '10.0.0.0' -Because ($Result.Output + $Result.Errors)
    }

    It 'imports the module, dispatches, streams, waits for and lists runs' {
        Assert-ScenarioWorked $Result $Values
    }

    It 'runs on the host''s own System.Text.Json, newer than the contract the module is compiled against' {
        $Values.module | Should -Be (Join-Path $ModuleDir 'CompassPS.dll')
        $Values.json | Should -Match '^5\.0\.0\.0 -> 10\.'
        $Values.jsonfile | Should -Not -BeLike "$ModuleDir*"
    }
}

Describe 'a PowerShell 7 host that carries no Microsoft.Bcl.AsyncInterfaces (one built from System.Management.Automation alone)' {
    BeforeAll {
        $script:Result, $script:Values = Invoke-FixtureHostScenario $env:COMPASSPS_NO_ASYNC_INTERFACES_HOST
    }

    It 'is such a host: no Microsoft.Bcl.AsyncInterfaces beside it' {
        Join-Path (Split-Path $env:COMPASSPS_NO_ASYNC_INTERFACES_HOST) 'Microsoft.Bcl.AsyncInterfaces.dll' | Should -Not -Exist
        $Values.edition | Should -BeLike 'Core 7.6.*' -Because ($Result.Output + $Result.Errors)
    }

    It 'imports the module (the nested loader serves the shipped copy), dispatches, streams, waits for and lists runs' {
        Assert-ScenarioWorked $Result $Values
        $Values.asyncinterfaces | Should -Be ([System.IO.Path]::Combine($ModuleDir, 'Desktop', 'Microsoft.Bcl.AsyncInterfaces.dll'))
        $Values.jsonfile | Should -Not -BeLike "$ModuleDir*"
    }
}

Describe '<Name> (smoke: the full suite runs on PowerShell 7.6.9)' -ForEach $SmokeHosts {
    BeforeAll {
        $script:Result = Invoke-ChildPwsh -HostCommand $Command `
            -Arguments @('-File', $Scenario, '-ModulePath', $ModulePath, '-BaseUrl', $Server.BaseUrl) -TimeoutSec 120
        $script:Values = ConvertFrom-ScenarioOutput $Result.Output
    }

    It 'is the host it says' {
        $Values.edition | Should -BeLike $Edition -Because ($Result.Output + $Result.Errors)
    }

    It 'imports the module, dispatches, streams, waits for and lists runs' {
        Assert-ScenarioWorked $Result $Values
    }

    It 'runs the one CompassPS.dll at the root of the module folder' {
        $Values.module | Should -Be (Join-Path $ModuleDir 'CompassPS.dll')
    }

    It 'takes System.Text.Json from the host on PowerShell 7, and from the Desktop folder on Windows PowerShell' {
        if ($Values.edition -like 'Desktop*') { $Values.jsonfile | Should -Be ([System.IO.Path]::Combine($ModuleDir, 'Desktop', 'System.Text.Json.dll')) }
        else { $Values.jsonfile | Should -Not -BeLike "$ModuleDir*" }
    }
}

Describe 'next to a module that carries <Kind> versions of the same dependencies, imported <Order> CompassPS' -ForEach $Neighbours {
    BeforeAll {
        $arguments = @('-File', $Scenario, '-ModulePath', $ModulePath, '-BaseUrl', $Server.BaseUrl, '-NeighbourOrder', $Order)
        if ($Kind -eq 'lower') { $arguments += @('-NeighbourPath', $env:COMPASSPS_NEIGHBOUR_LOWER) }
        else { $arguments += @('-NeighbourPath', $env:COMPASSPS_NEIGHBOUR_HIGHER, '-NeighbourEngine', $env:COMPASSPS_NEIGHBOUR_HIGHER_ENGINE) }
        $script:Result = Invoke-ChildPwsh -Arguments $arguments -TimeoutSec 120
        $script:Values = ConvertFrom-ScenarioOutput $Result.Output
    }

    It 'CompassPS keeps working' {
        Assert-ScenarioWorked $Result $Values
    }

    It 'the other module keeps working, on the versions it brought or the host gave it' {
        $Values.neighbour | Should -Match "^$Kind;answer=42;events=ping:one,message:two;" -Because ($Result.Output + $Result.Errors)
        if ($Kind -eq 'higher') { $Values.neighbour | Should -Match 'stj=11\.0\.0\.0;sse=11\.0\.0\.0;bcl=11\.0\.0\.0' }
    }
}

Describe 'the shipped module folder' {
    It 'ships CompassPS.dll and its loader at its root, and the dependencies only Windows PowerShell loads in Desktop/' {
        @(Get-ChildItem $ModuleDir -Filter *.dll -File | Sort-Object Name).Name | Should -Be @('CompassPS.dll', 'CompassPS.Loading.dll')
        @(Get-ChildItem (Join-Path $ModuleDir 'Desktop') -Filter *.dll -File).Name | Should -Contain 'System.Text.Json.dll'
        Get-ChildItem (Join-Path $ModuleDir 'Desktop') -Filter CompassPS*.dll | Should -BeNullOrEmpty
    }

    It 'references only what PowerShell 7.4 carries (.NET 8 and the Microsoft.Bcl.AsyncInterfaces 5.0 beside pwsh), at those versions or lower' {
        $refPack = Join-Path $env:COMPASSPS_TOOL_PACKAGES 'microsoft.netcore.app.ref/8.0.0/ref/net8.0'
        Test-Path (Join-Path $refPack 'System.Runtime.dll') | Should -BeTrue -Because 'build/tools.csproj restores .NET 8''s reference pack'
        $pwsh74 = Get-AssemblyVersionMap $refPack
        $pwsh74['Microsoft.Bcl.AsyncInterfaces'] = [version]'5.0.0.0'
        $checked = 0
        $unmet = foreach ($reference in @('CompassPS.dll', 'CompassPS.Loading.dll' | ForEach-Object { Get-AssemblyReference (Join-Path $ModuleDir $_) })) {
            $checked++
            if ($reference.Name -eq 'System.Management.Automation') { continue }   # the host itself
            if (-not $pwsh74.ContainsKey($reference.Name) -or $pwsh74[$reference.Name] -lt $reference.Version) { "$($reference.Name) $($reference.Version)" }
        }
        $checked | Should -BeGreaterThan 3
        $unmet | Should -BeNullOrEmpty
    }

    It 'meets every reference of every Windows PowerShell assembly by a shipped file, .NET Framework 4.6.2 or netstandard' {
        $desktop = Join-Path $ModuleDir 'Desktop'
        $framework = Join-Path $env:COMPASSPS_TOOL_PACKAGES 'microsoft.netframework.referenceassemblies.net462/1.0.3/build/.NETFramework/v4.6.2'
        Test-Path (Join-Path $framework 'mscorlib.dll') | Should -BeTrue -Because 'build/tools.csproj restores the 4.6.2 reference assemblies'
        $net462 = Get-AssemblyVersionMap @($framework, (Join-Path $framework 'Facades'))
        $shipped = Get-AssemblyVersionMap $desktop
        $checked = 0
        $unmet = foreach ($file in @(Get-ChildItem $ModuleDir -Filter *.dll -File) + @(Get-ChildItem $desktop -Filter *.dll -File)) {
            foreach ($reference in Get-AssemblyReference $file.FullName) {
                $checked++
                if ($reference.Name -eq 'System.Management.Automation') { continue }   # Windows PowerShell itself
                if ($reference.Name -eq 'netstandard' -and $reference.Version -le [version]'2.0.0.0') { continue }
                if ($shipped.ContainsKey($reference.Name) -and $shipped[$reference.Name] -ge $reference.Version) { continue }
                if ($net462.ContainsKey($reference.Name) -and $net462[$reference.Name] -ge $reference.Version) { continue }
                "$($file.Name) -> $($reference.Name) $($reference.Version)"
            }
        }
        $checked | Should -BeGreaterThan 20
        $unmet | Should -BeNullOrEmpty
    }

    It 'imports the loader before CompassPS.dll, and the loader needs nothing but netstandard and PowerShell' {
        $manifest = Import-PowerShellDataFile (Join-Path $ModuleDir 'CompassPS.psd1')
        $manifest.NestedModules | Should -Be @('CompassPS.Loading.dll')
        Get-DefinedTypeName (Join-Path $ModuleDir 'CompassPS.Loading.dll') | Should -Contain 'DependencyResolver'
        @(Get-AssemblyReference (Join-Path $ModuleDir 'CompassPS.Loading.dll')).Name | Sort-Object | Should -Be @('netstandard', 'System.Management.Automation')
    }

    It 'runs no script at import: the manifest''s root module is the assembly itself' {
        (Import-PowerShellDataFile (Join-Path $ModuleDir 'CompassPS.psd1')).RootModule | Should -Be 'CompassPS.dll'
        Get-ChildItem $ModuleDir -Include *.psm1, *.ps1 -Recurse | Should -BeNullOrEmpty
    }
}
