# Connect-Compass for runbooks and people: the check at connect, the CLI's profiles file, SecretManagement, and the
# key prompt that only an interactive console gets.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'Common/CompassPS.TestCommon.psm1') -Force
    Import-CompassTestModule
    $script:Server = Start-CompassTestServer
    $script:ModulePath = Get-CompassTestModulePath
    $script:SavedEnvironment = @{}
    foreach ($name in 'HOME', 'COMPASS_BASE_URL', 'COMPASS_API_KEY', 'COMPASS_PROJECT_ID', 'COMPASS_PROFILE') {
        $SavedEnvironment[$name] = [Environment]::GetEnvironmentVariable($name)
    }

    function Restore-TestEnvironment {
        foreach ($name in $SavedEnvironment.Keys) { [Environment]::SetEnvironmentVariable($name, $SavedEnvironment[$name]) }
    }

    # A home folder of its own with the CLI's profiles file holding $Json, in the mode given (octal text).
    function Set-ProfilesFile([string]$Json, [string]$Mode = '600') {
        $profileHome = Join-Path $TestDrive ([guid]::NewGuid().ToString('n'))
        $folder = New-Item -ItemType Directory (Join-Path $profileHome '.config/compass') -Force
        $file = Join-Path $folder 'config.json'
        Set-Content -Path $file -Value $Json
        if (-not $IsWindows) { [IO.File]::SetUnixFileMode($file, [IO.UnixFileMode][Convert]::ToInt32($Mode, 8)) }
        $env:HOME = $profileHome
        $file
    }

    # Runs a command in pwsh under a pseudo-terminal (util-linux 'script'), so the child has a real console. Answers
    # the console's cursor-position queries as a terminal does, types $Answer once the prompt has appeared and the
    # console reads keys, and returns everything the terminal showed.
    function Invoke-InTerminal([string]$Command, [string]$Answer, [string[]]$PwshArguments = @(), [hashtable]$Environment = @{}) {
        $pwsh = (Get-ChildPwshCommand | ForEach-Object { "'$_'" }) -join ' '
        # script runs the line with sh: quote the command for it, so sh expands none of its $ signs.
        $line = "$pwsh -NoProfile $($PwshArguments -join ' ') -Command '" + $Command.Replace("'", "'\''") + "'"
        $psi = [System.Diagnostics.ProcessStartInfo]::new('script')
        foreach ($a in '-qefc', $line, '/dev/null') { $psi.ArgumentList.Add($a) }
        $psi.RedirectStandardInput = $true
        $psi.RedirectStandardOutput = $true
        $psi.UseShellExecute = $false
        $psi.Environment['NO_COLOR'] = '1'
        foreach ($name in $Environment.Keys) { $psi.Environment[$name] = $Environment[$name] }
        $process = [System.Diagnostics.Process]::Start($psi)
        try {
            $shown = [System.Text.StringBuilder]::new()
            $buffer = [char[]]::new(4096)
            $deadline = [DateTime]::UtcNow.AddSeconds(120)
            $read = $null
            $typed = $false
            while ([DateTime]::UtcNow -lt $deadline) {
                if ($null -eq $read) { $read = $process.StandardOutput.ReadAsync($buffer, 0, $buffer.Length) }
                if (-not $read.Wait(250)) { continue }
                if ($read.Result -eq 0) { break }
                $chunk = [string]::new($buffer, 0, $read.Result)
                $read = $null
                $null = $shown.Append($chunk)
                foreach ($query in [regex]::Matches($chunk, "`e\[6n")) { $process.StandardInput.Write("`e[1;1R") }
                $text = $shown.ToString()
                $at = $text.IndexOf('API key for')
                if (-not $typed -and $Answer -and $at -ge 0 -and $text.IndexOf("`e[6n", $at) -ge 0) {
                    $process.StandardInput.Write("$Answer`r")
                    $typed = $true
                }
                $process.StandardInput.Flush()
            }
            if (-not $process.WaitForExit(30000)) { throw "The terminal session did not end: $shown" }
            # Without the terminal's control sequences, which are not text (and not valid in a test report).
            $shown.ToString() -replace "`e\[[0-9;?]*[A-Za-z]|`e[=>]", ''
        }
        finally {
            if (-not $process.HasExited) { $process.Kill($true) }
            $process.Dispose()
        }
    }
}

AfterAll {
    Restore-TestEnvironment
    Disconnect-Compass
    Stop-CompassTestServer $Server
}

Describe 'Connect-Compass checks the connection' {
    AfterEach { Disconnect-Compass }

    It 'reads once with the key and shows its project and role' {
        $shown = Connect-Compass -BaseUrl $Server.BaseUrl -ApiKey $Server.AdminKey 6>&1 | Out-String
        $shown | Should -BeLike "*Connected to $($Server.BaseUrl)/: project Default (aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa), key 'admin', role admin.*"
        $context = Get-CompassContext
        $context.KeyRole | Should -Be 'admin'
        $context.KeyProjectName | Should -Be 'Default'

        $member = Connect-Compass -BaseUrl $Server.BaseUrl -ApiKey $Server.OtherKey -PassThru 6>$null
        $member.KeyRole | Should -Be 'member'
        $member.KeyProjectId | Should -Not -Be 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa'
    }

    It 'a wrong key fails at connect with CompassPS.Unauthorized and leaves the previous default as it was' {
        Connect-Compass -BaseUrl $Server.BaseUrl -ApiKey $Server.ProjectKey 6>$null
        $before = Get-CompassContext

        Connect-Compass -BaseUrl $Server.BaseUrl -ApiKey 'cmp_wrong_key_4f2a' -PassThru -ErrorVariable failed -ErrorAction SilentlyContinue 6>$null |
            Should -BeNullOrEmpty

        $failed.Count | Should -Be 1
        $failed[0].FullyQualifiedErrorId | Should -BeLike 'CompassPS.Unauthorized,*'
        $failed[0].Exception.Message | Should -BeLike '*Connect-Compass could not use*-SkipCheck*'
        $failed[0].Exception.Message | Should -Not -BeLike '*cmp_wrong_key_4f2a*'
        [object]::ReferenceEquals((Get-CompassContext), $before) | Should -BeTrue
    }

    It 'a wrong port fails at connect with CompassPS.ConnectionFailed; -ErrorAction Stop stops there' {
        $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $listener.Start(); $closedPort = $listener.LocalEndpoint.Port; $listener.Stop()
        { Connect-Compass -BaseUrl "http://127.0.0.1:$closedPort" -ApiKey 'k' -MaxRetries 0 -ErrorAction Stop } |
            Should -Throw -ErrorId 'CompassPS.ConnectionFailed,*'
        Get-CompassContext | Should -BeNullOrEmpty
    }

    It '-SkipCheck connects without a request (offline setup)' {
        $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $listener.Start(); $closedPort = $listener.LocalEndpoint.Port; $listener.Stop()
        $context = Connect-Compass -BaseUrl "http://127.0.0.1:$closedPort" -ApiKey 'k' -SkipCheck -PassThru -ErrorAction Stop
        $context.BaseUrl.Port | Should -Be $closedPort
        $context.KeyRole | Should -BeNullOrEmpty
        (Get-CompassContext).BaseUrl.Port | Should -Be $closedPort
    }
}

Describe 'Connect-Compass reads the official CLI''s profiles' {
    BeforeEach {
        foreach ($name in 'COMPASS_BASE_URL', 'COMPASS_API_KEY', 'COMPASS_PROJECT_ID', 'COMPASS_PROFILE') { Remove-Item "env:$name" -ErrorAction SilentlyContinue }
    }
    AfterEach {
        Restore-TestEnvironment
        Disconnect-Compass
    }

    It '-Profile NAME takes the URL, key and project of that profile; unknown fields are ignored' {
        $null = Set-ProfilesFile (@{
                version  = 3
                telemetry = @{ enabled = $false }
                current_profile = 'other'
                profiles = @{
                    dev   = @{ base_url = $Server.BaseUrl; api_key = $Server.AdminKey; project_id = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa'; output = 'table'; created = 5 }
                    other = @{ base_url = $Server.BaseUrl; api_key = $Server.OtherKey }
                }
            } | ConvertTo-Json -Depth 5)

        $everything = Connect-Compass -Profile dev -Verbose -Debug *>&1 | Out-String

        $context = Get-CompassContext
        $context.KeyRole | Should -Be 'admin'
        $context.ProjectId | Should -Be 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa'
        $context.ProfileName | Should -Be 'dev'
        $everything | Should -BeLike "*profile 'dev'*"
        $everything | Should -Not -BeLike "*$($Server.AdminKey)*"
        $everything | Should -Not -BeLike '*local_admin_key*'
    }

    It 'reads camelCase settings and a list of named profiles' {
        $null = Set-ProfilesFile (@{ profiles = @(@{ name = 'first'; baseUrl = 'http://127.0.0.1:9' }, @{ name = 'ci'; baseUrl = $Server.BaseUrl; apiKey = $Server.OtherKey; projectId = '' }) } | ConvertTo-Json -Depth 5)
        Connect-Compass -Profile ci 6>$null
        (Get-CompassContext).KeyName | Should -Be 'other'
        (Get-CompassContext).ProjectId | Should -BeNullOrEmpty
    }

    It 'COMPASS_PROFILE picks the profile, -Profile wins over it, and the file''s current profile is the default' {
        $null = Set-ProfilesFile (@{
                current_profile = 'admin'
                profiles        = @{
                    admin  = @{ base_url = $Server.BaseUrl; api_key = $Server.AdminKey }
                    member = @{ base_url = $Server.BaseUrl; api_key = $Server.ProjectKey }
                    other  = @{ base_url = $Server.BaseUrl; api_key = $Server.OtherKey }
                }
            } | ConvertTo-Json -Depth 5)

        Connect-Compass 6>$null
        (Get-CompassContext).KeyName | Should -Be 'admin' -Because 'with nothing named, the file''s current profile is used, as by the CLI'

        $env:COMPASS_PROFILE = 'member'
        Connect-Compass 6>$null
        (Get-CompassContext).KeyName | Should -Be 'project'

        Connect-Compass -Profile other 6>$null
        (Get-CompassContext).KeyName | Should -Be 'other'
    }

    It 'takes each setting from the parameter, else the environment, else the profile' {
        $null = Set-ProfilesFile (@{ profiles = @{ p = @{ base_url = 'http://127.0.0.1:9'; api_key = $Server.AdminKey; project_id = 'from-profile' } } } | ConvertTo-Json -Depth 5)

        # The profile's URL is dead: the environment's URL must win over it; the key is the profile's.
        $env:COMPASS_BASE_URL = $Server.BaseUrl
        Connect-Compass -Profile p -SkipCheck
        (Get-CompassContext).BaseUrl.ToString() | Should -Be "$($Server.BaseUrl)/"
        (Get-CompassContext).ProjectId | Should -Be 'from-profile'

        # The environment's key wins over the profile's, a parameter's over both.
        $env:COMPASS_API_KEY = $Server.ProjectKey
        $env:COMPASS_PROJECT_ID = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa'
        Connect-Compass -Profile p 6>$null
        (Get-CompassContext).KeyName | Should -Be 'project'
        (Get-CompassContext).ProjectId | Should -Be 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa'

        Connect-Compass -Profile p -ApiKey $Server.OtherKey -ProjectId 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb' 6>$null
        (Get-CompassContext).KeyName | Should -Be 'other'
        (Get-CompassContext).ProjectId | Should -Be 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb'
    }

    It 'COMPASS_PROFILE alone connects every cmdlet, with no Connect-Compass, as it does the CLI' {
        $null = Set-ProfilesFile (@{ profiles = @{ ci = @{ base_url = $Server.BaseUrl; api_key = $Server.OtherKey } } } | ConvertTo-Json -Depth 5)
        Get-CompassContext | Should -BeNullOrEmpty

        $env:COMPASS_PROFILE = 'ci'
        $context = Get-CompassContext
        $context.Source | Should -Be 'Environment'
        $context.ProfileName | Should -Be 'ci'
        # The other project's key sees none of the default project's seeded deployments.
        @(Get-CompassDeployment).Count | Should -Be 0
        $env:COMPASS_API_KEY = $Server.ProjectKey
        @(Get-CompassDeployment).Name | Should -Contain 'demo-research' -Because 'the environment''s key comes before the profile''s'

        $env:COMPASS_PROFILE = 'missing'
        Remove-Item env:COMPASS_API_KEY
        { Get-CompassRun -First 1 -ErrorAction Stop } | Should -Throw -ErrorId 'CompassPS.InvalidInput,*' -ExpectedMessage "*'missing' (COMPASS_PROFILE)*"
    }

    It 'warns, as ssh does, when others can read the file, and not when it is 0600' -Skip:$IsWindows {
        $json = @{ profiles = @{ p = @{ base_url = $Server.BaseUrl; api_key = $Server.ProjectKey } } } | ConvertTo-Json -Depth 5
        $file = Set-ProfilesFile $json '644'
        Connect-Compass -Profile p -WarningVariable warnings -WarningAction SilentlyContinue 6>$null
        $warnings.Count | Should -Be 1
        "$($warnings[0])" | Should -BeLike "*$file can be read by other users (mode 0644)*chmod 600*"
        (Get-CompassContext).KeyName | Should -Be 'project' -Because 'a warning, not a refusal'

        $null = Set-ProfilesFile $json '600'
        Connect-Compass -Profile p -WarningVariable quiet -WarningAction SilentlyContinue 6>$null
        $quiet.Count | Should -Be 0
    }

    It 'a missing profile names the profiles there; a missing file and a broken one are clear errors that quote no key' {
        $file = Set-ProfilesFile (@{ profiles = @{ dev = @{ base_url = $Server.BaseUrl }; prod = @{ base_url = $Server.BaseUrl } } } | ConvertTo-Json -Depth 5)
        { Connect-Compass -Profile staging -ErrorAction Stop } | Should -Throw -ErrorId 'CompassPS.InvalidInput,*' -ExpectedMessage "*no Compass profile 'staging' (-Profile) in $file. Profiles there: *'dev'*"
        { Connect-Compass -Profile staging -ErrorAction Stop } | Should -Throw -ExpectedMessage "*Profiles there: *'prod'*"

        $env:COMPASS_PROFILE = 'staging'
        { Connect-Compass -ErrorAction Stop } | Should -Throw -ExpectedMessage "*'staging' (COMPASS_PROFILE)*"
        Remove-Item env:COMPASS_PROFILE

        Set-Content $file '{ "profiles": { "dev": { "api_key": "cmp_half_written_secret_99'
        $failure = { Connect-Compass -Profile dev -ErrorAction Stop } | Should -Throw -ErrorId 'CompassPS.InvalidInput,*' -PassThru
        $failure.Exception.Message | Should -BeLike "*$file is not valid JSON (line 1, *"
        $failure.Exception.Message | Should -Not -BeLike '*half_written*'

        $env:HOME = Join-Path $TestDrive 'nobody'
        { Connect-Compass -Profile dev -ErrorAction Stop } | Should -Throw -ExpectedMessage '*there is no profiles file*'
        { Connect-Compass -ErrorAction Stop } | Should -Throw -ErrorId 'CompassPS.InvalidInput,*' -ExpectedMessage '*No base URL*-Profile*'
        Get-CompassContext | Should -BeNullOrEmpty
    }
}

Describe 'Connect-Compass -SecretName' {
    It 'names the SecretManagement module when it is not installed, and connects nothing' {
        # A child whose module path holds CompassPS and PowerShell's own modules only (and a home of its own, so no
        # user-scope module either): SecretManagement is not there, as on a machine that never installed it.
        $childHome = New-Item -ItemType Directory (Join-Path $TestDrive 'secret-home') -Force
        $script = "Import-Module '$ModulePath'; Connect-Compass -BaseUrl '$($Server.BaseUrl)' -SecretName CompassKey -Vault Store -ErrorAction SilentlyContinue -ErrorVariable e; " +
        "'ID=' + `$e[0].FullyQualifiedErrorId; 'CATEGORY=' + `$e[0].CategoryInfo.Category; 'MESSAGE=' + `$e[0].Exception.Message; 'CONNECTED=' + [bool](Get-CompassContext); " +
        "'AVAILABLE=' + [bool](Get-Module -ListAvailable Microsoft.PowerShell.SecretManagement)"
        $result = Invoke-ChildPwsh -Arguments @('-Command', $script) -Environment @{
            PSModulePath = (Split-Path (Split-Path $ModulePath)); HOME = $childHome.FullName; COMPASS_API_KEY = ''; COMPASS_BASE_URL = ''
        }
        $result.Output | Should -BeLike '*AVAILABLE=False*' -Because 'the case needs a machine without the module'
        $result.Output | Should -BeLike '*ID=CompassPS.SecretManagementNotInstalled,CompassPS.Commands.ConnectCompassCommand*'
        $result.Output | Should -BeLike '*CATEGORY=NotInstalled*'
        $result.Output | Should -BeLike '*MESSAGE=*Microsoft.PowerShell.SecretManagement*not installed*-ApiKey*'
        $result.Output | Should -BeLike '*CONNECTED=False*'
    }
}

Describe 'Connect-Compass -SecretName through a stand-in of the SecretManagement module' {
    # Microsoft.PowerShell.SecretManagement is not available to this build (see docs/reliability.md), so this checks
    # Connect-Compass's side of the contract against a module of that name whose Get-Secret behaves as the real one
    # does: -Name and -Vault, a SecureString for string secrets, a PSCredential or Hashtable as stored, and a
    # non-terminating error naming the secret when there is none.
    It 'reads SecureString and PSCredential secrets from the named vault, and names the secret when it cannot be used' {
        $modules = New-Item -ItemType Directory (Join-Path $TestDrive 'standin/Microsoft.PowerShell.SecretManagement') -Force
        Set-Content (Join-Path $modules 'Microsoft.PowerShell.SecretManagement.psm1') @'
$script:Vaults = @{
    Store = @{
        CompassKey  = ConvertTo-SecureString $env:STANDIN_ADMIN_KEY -AsPlainText -Force
        CompassCred = [pscredential]::new('ci', (ConvertTo-SecureString $env:STANDIN_OTHER_KEY -AsPlainText -Force))
        Settings    = @{ url = 'x' }
    }
}
function Get-Secret {
    [CmdletBinding()]
    param([Parameter(Mandatory, Position = 0)][string]$Name, [string]$Vault, [switch]$AsPlainText)
    foreach ($v in $script:Vaults.Keys) {
        if ($Vault -and $v -ne $Vault) { continue }
        if ($script:Vaults[$v].ContainsKey($Name)) { return $script:Vaults[$v][$Name] }
    }
    Write-Error -Message "The secret $Name was not found." -ErrorId 'GetSecretNotFound' -Category ObjectNotFound
}
Export-ModuleMember -Function Get-Secret
'@
        $script = "Import-Module '$ModulePath'; " +
        "Connect-Compass -BaseUrl '$($Server.BaseUrl)' -SecretName CompassKey -Vault Store 6>`$null; 'KEY1=' + (Get-CompassContext).KeyName; " +
        "Connect-Compass -BaseUrl '$($Server.BaseUrl)' -SecretName CompassCred 6>`$null; 'KEY2=' + (Get-CompassContext).KeyName; " +
        "foreach (`$n in 'Settings', 'Nothing') { Connect-Compass -BaseUrl '$($Server.BaseUrl)' -SecretName `$n -Vault Store -ErrorAction SilentlyContinue -ErrorVariable e; 'ERR=' + `$e[0].FullyQualifiedErrorId + ' ' + `$e[0].Exception.Message }; " +
        "'STILL=' + (Get-CompassContext).KeyName"
        $result = Invoke-ChildPwsh -Arguments @('-Command', $script) -Environment @{
            PSModulePath = (Join-Path $TestDrive 'standin') + [IO.Path]::PathSeparator + (Split-Path (Split-Path $ModulePath))
            STANDIN_ADMIN_KEY = $Server.AdminKey; STANDIN_OTHER_KEY = $Server.OtherKey; COMPASS_API_KEY = ''
        }
        $result.Output | Should -BeLike '*KEY1=admin*' -Because $result.Errors
        $result.Output | Should -BeLike '*KEY2=other*'
        $result.Output | Should -BeLike "*ERR=CompassPS.SecretUnavailable,* secret 'Settings' in vault 'Store': it is a Hashtable*"
        $result.Output | Should -BeLike "*ERR=CompassPS.SecretUnavailable,* secret 'Nothing' in vault 'Store': The secret Nothing was not found.*"
        $result.Output | Should -BeLike '*STILL=other*' -Because 'a secret that cannot be read changes nothing'
        $result.Output | Should -Not -BeLike '*local_admin_key*'
    }
}

Describe 'Connect-Compass with no key asks only a person at a console' -Skip:$IsWindows {
    It 'prompts at an interactive console without echoing the key, and connects with it' {
        $shown = Invoke-InTerminal -Answer $Server.AdminKey -Environment @{ COMPASS_API_KEY = ''; COMPASS_PROFILE = ''; HOME = $TestDrive } -Command (
            "Import-Module '$ModulePath'; Connect-Compass -BaseUrl '$($Server.BaseUrl)'; 'ROLE=' + (Get-CompassContext).KeyRole")
        $shown | Should -BeLike "*API key for $($Server.BaseUrl)*"
        $shown | Should -BeLike '*ROLE=admin*'
        $shown | Should -Not -BeLike '*local_admin_key*' -Because 'a typed key is masked'
    }

    It 'never prompts in pwsh -NonInteractive, even at a console, nor with redirected input: one clear error at once' {
        $command = "Import-Module '$ModulePath'; Connect-Compass -BaseUrl '$($Server.BaseUrl)' -ErrorAction SilentlyContinue -ErrorVariable e; 'ID=' + `$e[0].FullyQualifiedErrorId; 'MESSAGE=' + `$e[0].Exception.Message"
        $environment = @{ COMPASS_API_KEY = ''; COMPASS_PROFILE = ''; HOME = $TestDrive }
        $atConsole = Invoke-InTerminal -Command $command -PwshArguments '-NonInteractive' -Environment $environment
        $atConsole | Should -Not -BeLike '*API key for*'
        $atConsole | Should -BeLike '*ID=CompassPS.InvalidInput,*'
        $atConsole | Should -BeLike '*MESSAGE=No API key*'

        # Input from a pipe or a scheduler (no -NonInteractive): no prompt either.
        $psi = [System.Diagnostics.ProcessStartInfo]::new((Get-ChildPwshCommand)[0])
        foreach ($a in @(Get-ChildPwshCommand | Select-Object -Skip 1) + @('-NoProfile', '-Command', $command)) { $psi.ArgumentList.Add($a) }
        $psi.RedirectStandardInput = $true; $psi.RedirectStandardOutput = $true; $psi.UseShellExecute = $false
        foreach ($name in $environment.Keys) { $psi.Environment[$name] = $environment[$name] }
        $process = [System.Diagnostics.Process]::Start($psi)
        try {
            $output = $process.StandardOutput.ReadToEndAsync()
            $process.WaitForExit(60000) | Should -BeTrue -Because 'a prompt would wait for input that never comes'
            $output.Result | Should -BeLike '*ID=CompassPS.InvalidInput,*'
            $output.Result | Should -Not -BeLike '*API key for*'
        }
        finally {
            if (-not $process.HasExited) { $process.Kill($true) }
            $process.Dispose()
        }
    }
}
