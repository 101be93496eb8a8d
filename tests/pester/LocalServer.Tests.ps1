# Start-, Stop- and Get-CompassLocalServer: a real compass-local process per test (the build's, by -Path), real HTTP.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'Common/CompassPS.TestCommon.psm1') -Force
    Import-CompassTestModule
    $serverDll = if ($env:COMPASSPS_SERVER_DLL) { $env:COMPASSPS_SERVER_DLL } else { Join-Path (Get-CompassTestRoot) 'out/LocalServer/compass-local.dll' }
    function Test-Alive([int]$ProcessId) { [bool](Get-Process -Id $ProcessId -ErrorAction SilentlyContinue) }
}

AfterAll {
    Get-CompassLocalServer | Stop-CompassLocalServer
}

Describe 'Start-CompassLocalServer' {
    It 'starts on a free loopback port, answers, and returns the server with its keys as SecureStrings' {
        $server = Start-CompassLocalServer -Path $serverDll -DelayScale 0

        try {
            $server.PSObject.TypeNames[0] | Should -Be 'CompassPS.LocalServer'
            $server.BaseUrl | Should -Match '^http://127\.0\.0\.1:\d+$'
            $server.Status | Should -Be 'Running'
            Test-Alive $server.ProcessId | Should -BeTrue
            $server.DataPath | Should -BeNullOrEmpty
            $server.ProjectKey | Should -BeOfType [securestring]
            $server.AdminKey | Should -BeOfType [securestring]
            $server.OtherKey | Should -BeOfType [securestring]
            $server.KeyIds | Should -Be @('project', 'admin', 'other')
            $server.Options.DelayScale | Should -Be 0
            $whoami = Invoke-RestMethod "$($server.BaseUrl)/v1/auth/whoami" -Headers @{ Authorization = "Bearer $([Net.NetworkCredential]::new('', $server.AdminKey).Password)" }
            $whoami.role | Should -Be 'admin'
            @(Get-CompassLocalServer).ProcessId | Should -Contain $server.ProcessId
            (Get-FormatData -TypeName 'CompassPS.LocalServer').FormatViewDefinition.Name | Should -Contain 'CompassPS.LocalServer'
            $shown = ($server | Format-Table | Out-String) + ($server | Format-List * | Out-String) + "$server"
            $shown | Should -BeLike "*$($server.BaseUrl)*"
            $shown | Should -Not -BeLike '*cmp_local*'
        }
        finally { $server | Stop-CompassLocalServer }
    }

    It '-Connect -Admin makes it this session''s default context with the admin key' {
        $server = Start-CompassLocalServer -Path $serverDll -DelayScale 0 -Connect -Admin
        try {
            (Get-CompassContext).BaseUrl.ToString().TrimEnd('/') | Should -Be $server.BaseUrl
            $created = New-CompassConnection -Name 'tickets' -Kind integration -Type http -Configuration @{ base_url = 'http://127.0.0.1:9' }
            $created.Name | Should -Be 'tickets'
        }
        finally { $server | Stop-CompassLocalServer; Disconnect-Compass }
    }

    It 'passes the fault parameters to the server: -Fault503Rate 1 answers every request 503' {
        $server = Start-CompassLocalServer -Path $serverDll -Fault503Rate 1 -FaultRetryAfterSec 0
        try {
            $server.Arguments -join ' ' | Should -BeLike '*--fault-503-rate 1 --fault-retry-after 0*'
            $context = Connect-Compass -BaseUrl $server.BaseUrl -ApiKey $server.ProjectKey -MaxRetries 0 -PassThru -SkipCheck
            { Get-CompassDeployment -Context $context -ErrorAction Stop } | Should -Throw -ErrorId 'CompassPS.ServerError*'
        }
        finally { $server | Stop-CompassLocalServer }
    }

    It 'keeps its state in -DataPath across a stop and a new start' {
        $data = Join-Path $TestDrive 'data with spaces'
        $first = Start-CompassLocalServer -Path $serverDll -DataPath $data -DelayScale 0
        $context = Connect-Compass -BaseUrl $first.BaseUrl -ApiKey $first.ProjectKey -PassThru
        $null = New-CompassWorkflow -Context $context -Name 'kept' -Definition (New-CompassTestDefinition 'kept')
        $first | Stop-CompassLocalServer

        $second = Start-CompassLocalServer -Path $serverDll -DataPath $data -DelayScale 0
        try {
            $second.DataPath | Should -Be ([IO.Path]::GetFullPath($data))
            $context = Connect-Compass -BaseUrl $second.BaseUrl -ApiKey $second.ProjectKey -PassThru
            (Get-CompassWorkflow -Context $context -Name 'kept').Name | Should -Be 'kept'
        }
        finally { $second | Stop-CompassLocalServer }
    }

    It 'refuses a bad model script with the server''s message naming the rule, and leaves no server behind' {
        $script = Join-Path $TestDrive 'bad.yaml'
        Set-Content $script "- name: broken`n  match: '(unclosed'`n  reply: x"
        $before = @(Get-CompassLocalServer).Count

        $failure = { Start-CompassLocalServer -Path $serverDll -ModelScript $script } | Should -Throw -ErrorId 'CompassPS.LocalServerFailed*' -PassThru

        $failure.Exception.Message | Should -BeLike "*rule 'broken'*regular expression*"
        @(Get-CompassLocalServer).Count | Should -Be $before
    }

    It 'names the install command when compass-local is not on PATH' {
        $empty = New-Item -ItemType Directory (Join-Path $TestDrive 'empty')
        $probe = Join-Path $TestDrive 'probe.ps1'
        Set-Content $probe @"
Import-Module '$(Get-CompassTestModulePath)'
try { Start-CompassLocalServer; 'started' } catch { `$_.FullyQualifiedErrorId; `$_.Exception.Message }
"@
        $result = Invoke-ChildPwsh -Arguments '-File', $probe -Environment @{ PATH = $empty.FullName; HOME = $empty.FullName; USERPROFILE = $empty.FullName }

        $result.Output | Should -BeLike 'CompassPS.LocalServerNotFound,*'
        $result.Output | Should -BeLike '*dotnet tool install --global CompassPS.LocalServer*'
    }

    It '-AllowRemote refuses the development keys; with -KeysFile it runs and names the keys by id only' {
        { Start-CompassLocalServer -Path $serverDll -AllowRemote } | Should -Throw -ErrorId 'CompassPS.LocalServerFailed*' -ExpectedMessage '*refuses the public development keys*'
        { Start-CompassLocalServer -Path $serverDll -KeysFile $serverDll -Connect } | Should -Throw -ErrorId 'CompassPS.InvalidInput*'

        $keys = Join-Path $TestDrive 'keys.yaml'
        Set-Content $keys "- id: ci-admin`n  role: admin`n  key: team-admin-4f9e8d7c6b5a4f3e"
        if (-not $IsWindows) { chmod 644 $keys }
        $server = Start-CompassLocalServer -Path $serverDll -AllowRemote -KeysFile $keys -WarningVariable warnings -WarningAction SilentlyContinue
        try {
            if (-not $IsWindows) { "$warnings" | Should -BeLike '*keys file*can be read by other users*chmod 600*' }
            $server.KeyIds | Should -Be @('ci-admin')
            $server.ProjectKey | Should -BeNullOrEmpty
            $server.BaseUrl | Should -Match '^http://127\.0\.0\.1:' -Because 'the switch allows remote listening; the address stays loopback unless -ListenAddress says otherwise'
            ($server.GetOutput() -join "`n") | Should -Not -BeLike '*team-admin-4f9e8d7c6b5a4f3e*'
            $context = Connect-Compass -BaseUrl $server.BaseUrl -ApiKey (ConvertTo-TestSecureString 'team-admin-4f9e8d7c6b5a4f3e') -PassThru
            @(Get-CompassDeployment -Context $context).Count | Should -BeGreaterThan 0
        }
        finally { $server | Stop-CompassLocalServer }
    }
}

Describe 'Stop-CompassLocalServer and Get-CompassLocalServer' {
    It 'stops from the pipeline, waits until the process is gone, and forgets the server' {
        $server = Start-CompassLocalServer -Path $serverDll

        $server | Stop-CompassLocalServer -WhatIf
        Test-Alive $server.ProcessId | Should -BeTrue
        $stopped = Get-CompassLocalServer -ProcessId $server.ProcessId | Stop-CompassLocalServer -PassThru

        $stopped.Status | Should -Be 'Stopped'
        Test-Alive $server.ProcessId | Should -BeFalse
        @(Get-CompassLocalServer -ProcessId $server.ProcessId).Count | Should -Be 0
    }

    It 'stops the servers of a runspace when the runspace closes' {
        $runspace = [runspacefactory]::CreateRunspace()
        $runspace.Open()
        $shell = [powershell]::Create()
        $shell.Runspace = $runspace
        $null = $shell.AddScript("Import-Module '$(Get-CompassTestModulePath)'; Start-CompassLocalServer -Path '$serverDll'")
        $server = $shell.Invoke()[0]
        $server.ProcessId | Should -BeGreaterThan 0
        Test-Alive $server.ProcessId | Should -BeTrue

        $runspace.Dispose()
        $shell.Dispose()

        Wait-Until { -not (Test-Alive $server.ProcessId) } -TimeoutSec 30 | Should -BeTrue
    }
}
