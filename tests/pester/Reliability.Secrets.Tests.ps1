# The keys in no stream while things go wrong: a child pwsh (a fresh session, as a scheduler starts a runbook)
# records itself with Start-Transcript and runs the cmdlets with -Verbose and -Debug, every stream merged (*>&1),
# against a local server that refuses, resets and cuts a quarter of what it is asked, with a wrong key and missing
# objects too. Nothing it writes, records or throws may hold any of the three keys.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'Common/CompassPS.TestCommon.psm1') -Force
    Import-CompassTestModule
}

Describe 'Keys under faults, with every stream shown' {
    BeforeAll {
        $server = Start-CompassTestServer -ArgumentList @('--delay-scale', '0.05', '--fault-503-rate', '0.1', '--fault-429-rate', '0.05',
            '--fault-reset-rate', '0.1', '--fault-retry-after', '0', '--fault-cut-stream-after', '3', '--fault-seed', '99')
        $transcript = Join-Path ([IO.Path]::GetTempPath()) "compassps-secrets-$([guid]::NewGuid().ToString('n')).txt"
        $script = Join-Path ([IO.Path]::GetTempPath()) "compassps-secrets-$([guid]::NewGuid().ToString('n')).ps1"
        Set-Content -Path $script -Value @'
param($ModulePath, $BaseUrl, $Transcript)
$ErrorActionPreference = 'Continue'
Import-Module $ModulePath
Start-Transcript -Path $Transcript | Out-Null
$key = $env:COMPASSPS_TEST_KEY
& {
    $ctx = Connect-Compass -BaseUrl $BaseUrl -ApiKey $key -MaxRetries 20 -RetryMaxDelaySec 0.01 -PassThru -Verbose -Debug
    "context: $ctx"; $ctx | Format-List * -Force; $ctx | ConvertTo-Json -Depth 2 -WarningAction SilentlyContinue
    Get-CompassDeployment -Context $ctx -Verbose -Debug | Format-Table
    $runs = 1..3 | ForEach-Object { @{ topic = "secret $_" } } | Start-CompassRun -DeploymentId 33333333-3333-4333-8333-333333333333 -Context $ctx -Verbose -Debug
    $runs | Watch-CompassRun -Context $ctx -Verbose -Debug | Format-Table
    $runs | Wait-CompassRun -Context $ctx -Verbose -Debug | Format-List *
    Start-CompassRun -DeploymentId 33333333-3333-4333-8333-333333333333 -InputData @{ topic = 'followed' } -Follow -Context $ctx -Verbose -Debug
    Get-CompassRun -Id 00000000-0000-4000-8000-000000000000 -Context $ctx -Verbose -Debug
    Start-CompassRun -DeploymentId missing -InputData @{ topic = 'x' } -Context $ctx -Verbose -Debug
    $wrong = Connect-Compass -BaseUrl $BaseUrl -ApiKey ($key + '-wrong') -MaxRetries 20 -RetryMaxDelaySec 0.01 -SkipCheck -PassThru
    Get-CompassRun -First 1 -Context $wrong -Verbose -Debug
    Watch-CompassRun -Id $runs[0].Id -Context $wrong -Verbose -Debug
    Connect-Compass -BaseUrl 'http://compass.example.invalid' -ApiKey $key
} *>&1 | Out-String -Width 400
$Error | ForEach-Object { $_ | Format-List * -Force | Out-String -Width 400; $_.Exception.ToString(); $_.ErrorDetails.Message }
Stop-Transcript | Out-Null
'@
        $result = Invoke-ChildPwsh -Arguments @('-File', $script, (Get-CompassTestModulePath), $server.BaseUrl, $transcript) `
            -Environment @{ COMPASSPS_TEST_KEY = $server.ProjectKey } -TimeoutSec 120
        $recorded = Get-Content $transcript -Raw
        $everything = $result.Output + "`n" + $result.Errors + "`n" + $recorded
    }

    AfterAll {
        Stop-CompassTestServer $server
        Remove-Item $script, $transcript -ErrorAction SilentlyContinue
    }

    It 'went through successes, retries, resumed streams and failures, and recorded them' {
        $result.ExitCode | Should -Be 0
        $recorded | Should -Match 'Authorization: Bearer \*{8}'
        $recorded | Should -Match 'HTTP (503|429); retry'
        $recorded | Should -Match 'resuming'
        $recorded | Should -Match 'run\.completed'
        $recorded | Should -Match 'CompassPS\.NotFound'
        $recorded | Should -Match 'CompassPS\.Unauthorized'
        $recorded | Should -Match 'CompassPS\.InsecureTransport'
    }

    It 'shows none of the keys, whole or in part, in any stream, error, exception or the transcript' {
        foreach ($key in $server.ProjectKey, $server.AdminKey, $server.OtherKey) {
            $everything | Should -Not -Match ([regex]::Escape($key))
            $everything | Should -Not -Match ([regex]::Escape($key.Substring(4)))
        }
    }
}
