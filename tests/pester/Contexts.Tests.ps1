# Contexts, errors and the API key: connecting, resolution order, transport rules, error ids, and the key in no stream.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'Common/CompassPS.TestCommon.psm1') -Force
    Import-CompassTestModule
    $script:Server = Start-CompassTestServer
}

AfterAll {
    Disconnect-Compass
    Stop-CompassTestServer $Server
}

Describe 'Connect-Compass' {
    AfterEach { Disconnect-Compass }

    It 'makes a context the default and -PassThru returns it without showing the key' {
        $context = Connect-Compass -BaseUrl $Server.BaseUrl -ApiKey (ConvertTo-TestSecureString $Server.ProjectKey) -ProjectId 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' -PassThru
        $context.PSTypeNames | Should -Contain 'CompassPS.Context'
        $context.PSObject.Properties.Name | Should -Not -Contain 'ApiKey'
        $shown = ($context | Format-List * | Out-String -Width 300) + ($context | Format-Table | Out-String -Width 300) + "$context"
        $shown | Should -Not -Match $Server.ProjectKey
        (Get-CompassContext).BaseUrl | Should -Be $context.BaseUrl
        @(Get-CompassRun -First 1).Count | Should -BeLessOrEqual 1
    }

    It 'accepts a PSCredential whose password is the key' {
        $credential = [pscredential]::new('any', (ConvertTo-TestSecureString $Server.ProjectKey))
        Connect-Compass -BaseUrl $Server.BaseUrl -Credential $credential
        (Get-CompassDeployment -Id '33333333-3333-4333-8333-333333333333').Name | Should -Be 'demo-research'
    }

    It 'refuses plain http to a host other than loopback' {
        { Connect-Compass -BaseUrl 'http://compass.example.test' -ApiKey 'k' -ErrorAction Stop } |
            Should -Throw -ErrorId 'CompassPS.InsecureTransport,CompassPS.Commands.ConnectCompassCommand'
    }

    It 'allows it with -AllowUnencryptedAuthentication' {
        $context = Connect-Compass -BaseUrl 'http://compass.example.test' -ApiKey 'k' -AllowUnencryptedAuthentication -SkipCheck -PassThru
        $context.AllowUnencryptedAuthentication | Should -BeTrue
    }

    It 'warns when certificate checks are switched off' {
        $warnings = $null
        $null = Connect-Compass -BaseUrl 'https://127.0.0.1:1' -ApiKey 'k' -SkipCheck -SkipCertificateCheck -WarningVariable warnings -WarningAction SilentlyContinue
        "$warnings" | Should -Match 'Certificate validation is switched off'
    }

    It 'rejects a base URL that is not http(s)' {
        { Connect-Compass -BaseUrl 'ftp://x' -ApiKey 'k' -ErrorAction Stop } | Should -Throw -ErrorId 'CompassPS.InvalidInput,*'
    }

    It 'sets the overall limit per request from -TotalTimeoutSec, else COMPASS_TOTAL_TIMEOUT_SEC, else 300' {
        try {
            (Connect-Compass -BaseUrl $Server.BaseUrl -ApiKey $Server.ProjectKey -PassThru).TotalTimeoutSec | Should -Be 300
            $env:COMPASS_TOTAL_TIMEOUT_SEC = '45'
            (Connect-Compass -BaseUrl $Server.BaseUrl -ApiKey $Server.ProjectKey -PassThru).TotalTimeoutSec | Should -Be 45
            (Connect-Compass -BaseUrl $Server.BaseUrl -ApiKey $Server.ProjectKey -TotalTimeoutSec 0 -PassThru).TotalTimeoutSec | Should -Be 0
            $env:COMPASS_TOTAL_TIMEOUT_SEC = 'soon'
            { Connect-Compass -BaseUrl $Server.BaseUrl -ApiKey $Server.ProjectKey -ErrorAction Stop } |
                Should -Throw -ErrorId 'CompassPS.InvalidInput,*'
        }
        finally {
            Remove-Item env:COMPASS_TOTAL_TIMEOUT_SEC -ErrorAction SilentlyContinue
        }
    }

    It 'accepts a base URL ending in /v1' {
        Connect-Compass -BaseUrl "$($Server.BaseUrl)/v1/" -ApiKey $Server.ProjectKey
        (Get-CompassDeployment -Id '33333333-3333-4333-8333-333333333333').Name | Should -Be 'demo-research'
    }
}

Describe 'Context resolution' {
    AfterEach {
        Disconnect-Compass
        Remove-Item env:COMPASS_BASE_URL, env:COMPASS_API_KEY -ErrorAction SilentlyContinue
    }

    It 'says NotConnected when there is no context at all' {
        { Get-CompassRun -ErrorAction Stop } | Should -Throw -ErrorId 'CompassPS.NotConnected,CompassPS.Commands.GetCompassRunCommand'
    }

    It 'falls back to COMPASS_BASE_URL and COMPASS_API_KEY' {
        $env:COMPASS_BASE_URL = $Server.BaseUrl
        $env:COMPASS_API_KEY = $Server.ProjectKey
        (Get-CompassDeployment -Id '33333333-3333-4333-8333-333333333333').Name | Should -Be 'demo-research'
        (Get-CompassContext).Source | Should -Be 'Environment'
    }

    It 'prefers -Context over the default' {
        Connect-Compass -BaseUrl $Server.BaseUrl -ApiKey 'cmp_wrong_default_key' -SkipCheck
        $good = Connect-Compass -BaseUrl $Server.BaseUrl -ApiKey $Server.ProjectKey -PassThru
        Connect-Compass -BaseUrl $Server.BaseUrl -ApiKey 'cmp_wrong_default_key' -SkipCheck
        (Get-CompassDeployment -Context $good -Id '33333333-3333-4333-8333-333333333333').Name | Should -Be 'demo-research'
        { Get-CompassDeployment -Id '33333333-3333-4333-8333-333333333333' -ErrorAction Stop } | Should -Throw -ErrorId 'CompassPS.Unauthorized,*'
    }

    It 'keeps defaults per runspace' {
        Connect-Compass -BaseUrl $Server.BaseUrl -ApiKey $Server.ProjectKey
        $modulePath = Get-CompassTestModulePath
        $inOther = 1..2 | ForEach-Object -Parallel {
            Import-Module $using:modulePath
            [bool](Get-CompassContext)
        }
        $inOther | Should -Be @($false, $false)
        Get-CompassContext | Should -Not -BeNullOrEmpty
    }
}

Describe 'Errors' {
    BeforeAll { Connect-Compass -BaseUrl $Server.BaseUrl -ApiKey $Server.ProjectKey }

    It 'a missing run is one NotFound error, and the pipeline goes on' {
        $errors = $null
        $found = @('no-such-run', (Get-CompassRun -First 1 -ErrorAction SilentlyContinue).Id) | Where-Object { $_ } |
            Get-CompassRun -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors.Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -Be 'CompassPS.NotFound,CompassPS.Commands.GetCompassRunCommand'
        $errors[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $errors[0].TargetObject | Should -Be 'no-such-run'
        $errors[0].Exception.StatusCode | Should -Be 404
        $errors[0].Exception.CompassCode | Should -Be 'RUN_NOT_FOUND'
        $errors[0].Exception.RequestId | Should -Not -BeNullOrEmpty
    }

    It 'a dispatch to an unknown deployment is NotFound, naming the input that failed' {
        { Start-CompassRun -DeploymentId '99999999-9999-4999-8999-999999999999' -InputData @{ topic = 'x' } -ErrorAction Stop } |
            Should -Throw -ErrorId 'CompassPS.NotFound,*'
        $errors = $null
        $row = [pscustomobject]@{ topic = 'row 7' }
        $row | Start-CompassRun -DeploymentId '99999999-9999-4999-8999-999999999999' -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors.Count | Should -Be 1
        $errors[0].TargetObject.topic | Should -Be 'row 7'
    }

    It 'input that looks like JSON but is not is InvalidInput, and nothing is sent' {
        $before = @(Get-CompassRun).Count
        { Start-CompassRun -DeploymentId '33333333-3333-4333-8333-333333333333' -InputData '{"topic": ' -ErrorAction Stop } |
            Should -Throw -ErrorId 'CompassPS.InvalidInput,*'
        @(Get-CompassRun).Count | Should -Be $before
    }

    It 'an unreachable server is ConnectionFailed' {
        $context = Connect-Compass -BaseUrl 'http://127.0.0.1:1' -ApiKey 'k' -MaxRetries 1 -RetryMaxDelaySec 0.1 -SkipCheck -PassThru
        Connect-Compass -BaseUrl $Server.BaseUrl -ApiKey $Server.ProjectKey
        { Get-CompassRun -Context $context -ErrorAction Stop } | Should -Throw -ErrorId 'CompassPS.ConnectionFailed,*'
    }
}

Describe 'The API key in no stream' {
    It 'a wrong key gives CompassPS.Unauthorized and its text appears in no stream, transcript or error' {
        $wrongKey = 'cmp_wrong_key_5f1e2d3c4b'
        $transcript = Join-Path ([IO.Path]::GetTempPath()) "compassps-transcript-$([guid]::NewGuid()).txt"
        $script = @'
param($ModulePath, $BaseUrl, $Transcript)
# The key comes from the environment: on the command line it would be in the transcript's header.
$Key = $env:COMPASSPS_TEST_KEY
Import-Module $ModulePath
Start-Transcript -Path $Transcript | Out-Null
$DebugPreference = 'Continue'; $VerbosePreference = 'Continue'; $InformationPreference = 'Continue'
$context = Connect-Compass -BaseUrl $BaseUrl -ApiKey $Key -MaxRetries 1 -SkipCheck -PassThru -Verbose -Debug
$context; "$context"; $context | Format-List * | Out-String
Get-CompassContext | Format-List * | Out-String
try { Get-CompassRun -First 1 -Verbose -Debug -ErrorAction Stop } catch { "ID=$($_.FullyQualifiedErrorId)"; $_ | Format-List * -Force | Out-String; $_.Exception | Format-List * -Force | Out-String }
Start-CompassRun -DeploymentId 33333333-3333-4333-8333-333333333333 -InputData @{ topic = 'x' } -Verbose -Debug
Watch-CompassRun -Id nothing -Verbose -Debug
$Error | ForEach-Object { $_ | Format-List * -Force | Out-String; $_.Exception.ToString() }
Stop-Transcript | Out-Null
'@
        $file = Join-Path ([IO.Path]::GetTempPath()) "compassps-secret-$([guid]::NewGuid()).ps1"
        Set-Content -Path $file -Value $script
        try {
            $result = Invoke-ChildPwsh -Arguments @('-File', $file, (Get-CompassTestModulePath), $Server.BaseUrl, $transcript) -Environment @{ COMPASSPS_TEST_KEY = $wrongKey }
            $everything = $result.Output + $result.Errors + (Get-Content $transcript -Raw)
            $everything | Should -Match 'ID=CompassPS.Unauthorized,CompassPS.Commands.GetCompassRunCommand'
            $everything | Should -Match 'Authorization: Bearer \*\*\*\*\*\*\*\*'
            $everything | Should -Match 'HTTP 401'
            $everything | Should -Not -Match $wrongKey
        }
        finally {
            Remove-Item $file, $transcript -ErrorAction SilentlyContinue
        }
    }
}
