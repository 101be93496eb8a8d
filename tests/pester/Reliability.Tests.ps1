# Issue 5 end to end through the cmdlets: retries visible with -Verbose, streams resumed without loss, hundreds of
# runs under injected faults, contexts across runspaces, and the keys in no stream of a whole session.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'Common/CompassPS.TestCommon.psm1') -Force
    Import-CompassTestModule
    $script:DeploymentId = '33333333-3333-4333-8333-333333333333'
}

Describe 'Under injected faults' {
    BeforeAll {
        $script:Faulty = Start-CompassTestServer -ArgumentList @('--delay-scale', '0', '--max-concurrent-runs', '32',
            '--fault-503-rate', '0.2', '--fault-reset-rate', '0.05', '--fault-cut-stream-after', '5')
        $script:Context = Connect-Compass -BaseUrl $Faulty.BaseUrl -ApiKey $Faulty.ProjectKey -MaxRetries 12 -RetryMaxDelaySec 0.05 -PassThru
    }
    AfterAll {
        Disconnect-Compass
        Stop-CompassTestServer $Faulty
    }

    It 'shows each retry with -Verbose' {
        $verbose = @(1..5 | ForEach-Object { Get-CompassDeployment -Context $Context -Verbose 4>&1 } |
            Where-Object { $_ -is [System.Management.Automation.VerboseRecord] })
        "$verbose" | Should -Match 'GET /v1/deployments/: (HTTP 503|ConnectionFailed); retry 1 of 12'
    }

    It 'dispatches 500 runs, each exactly once, and delivers every event of every run once and in order' {
        $rows = 1..500 | ForEach-Object { [pscustomobject]@{ topic = "fault $_" } }
        $runs = @($rows | Start-CompassRun -Context $Context -DeploymentId $DeploymentId -ThrottleLimit 16)
        $runs.Count | Should -Be 500
        ($runs.Id | Sort-Object -Unique).Count | Should -Be 500

        $modulePath = Get-CompassTestModulePath
        $ctx = $Context
        $checks = $runs | ForEach-Object -ThrottleLimit 8 -Parallel {
            Import-Module $using:modulePath
            $events = @(Watch-CompassRun -Context $using:ctx -Id $_.Id -TimeoutSec 120)
            $seqOk = $true
            for ($i = 0; $i -lt $events.Count; $i++) { if ($events[$i].Seq -ne $i + 1) { $seqOk = $false } }
            [pscustomobject]@{
                Id       = $_.Id
                InOrder  = $seqOk
                Terminal = $events[-1].Type
                Answer   = -join ($events | Where-Object Type -EQ 'output.delta' | ForEach-Object Text)
                Output   = $events[-1].Output
            }
        }
        $checks.Count | Should -Be 500
        @($checks | Where-Object { -not $_.InOrder }).Count | Should -Be 0
        @($checks | Where-Object Terminal -NE 'run.completed').Count | Should -Be 0
        @($checks | Where-Object { $_.Answer -ne $_.Output }).Count | Should -Be 0

        $onServer = @(Get-CompassRun -Context $Context)
        $onServer.Count | Should -Be 500
        (Compare-Object ($onServer.Id | Sort-Object) ($runs.Id | Sort-Object)) | Should -BeNullOrEmpty
    }
}

Describe 'Cut streams' {
    BeforeAll {
        $script:Cutting = Start-CompassTestServer -ArgumentList @('--fault-cut-stream-after', '3')
        $script:CutContext = Connect-Compass -BaseUrl $Cutting.BaseUrl -ApiKey $Cutting.ProjectKey -PassThru
    }
    AfterAll { Stop-CompassTestServer $Cutting }

    It 'resumes a live run from Last-Event-ID with no event lost or repeated, and says so with -Verbose' {
        $run = Start-CompassRun -Context $CutContext -DeploymentId $DeploymentId -InputData @{ topic = 'cut live' }
        $all = @($run | Watch-CompassRun -Context $CutContext -Verbose 4>&1)
        $events = @($all | Where-Object { $_.PSTypeNames -contains 'CompassPS.RunEvent' })
        $events.Seq | Should -Be (1..$events.Count)
        $events[-1].Type | Should -Be 'run.completed'
        (-join ($events | Where-Object Type -EQ 'output.delta').Text) | Should -Be $events[-1].Output
        "$($all | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] })" | Should -Match 'stream closed after event 3; resuming'
    }
}

Describe 'Contexts across runspaces' {
    BeforeAll {
        $script:ServerA = Start-CompassTestServer
        $script:ServerB = Start-CompassTestServer
        $script:A = Connect-Compass -BaseUrl $ServerA.BaseUrl -ApiKey $ServerA.ProjectKey -PassThru
        $script:B = Connect-Compass -BaseUrl $ServerB.BaseUrl -ApiKey $ServerB.ProjectKey -PassThru
        $null = Start-CompassRun -Context $A -DeploymentId $DeploymentId -InputData @{ topic = 'only on A' } -Wait
    }
    AfterAll {
        Disconnect-Compass
        Stop-CompassTestServer $ServerA
        Stop-CompassTestServer $ServerB
    }

    It 'ForEach-Object -Parallel uses each context it is given, and no other' {
        $modulePath = Get-CompassTestModulePath
        $contexts = @($A, $B, $A, $B, $A, $B)
        $counts = $contexts | ForEach-Object -ThrottleLimit 6 -Parallel {
            Import-Module $using:modulePath
            [pscustomobject]@{ Url = "$($_.BaseUrl)"; Runs = @(Get-CompassRun -Context $_).Count; Default = [bool](Get-CompassContext) }
        }
        ($counts | Where-Object Url -EQ "$($A.BaseUrl)").Runs | Sort-Object -Unique | Should -Be 1
        ($counts | Where-Object Url -EQ "$($B.BaseUrl)").Runs | Sort-Object -Unique | Should -Be 0
        $counts.Default | Sort-Object -Unique | Should -Be $false
    }

    It 'two runspaces with different defaults never cross' {
        $modulePath = Get-CompassTestModulePath
        $jobs = foreach ($server in $ServerA, $ServerB) {
            Start-ThreadJob -ArgumentList $modulePath, $server.BaseUrl, $server.ProjectKey -ScriptBlock {
                param($ModulePath, $Url, $Key)
                Import-Module $ModulePath
                Connect-Compass -BaseUrl $Url -ApiKey $Key
                $seen = foreach ($i in 1..20) { "$((Get-CompassContext).BaseUrl)|$(@(Get-CompassRun).Count)" }
                $seen | Sort-Object -Unique
            }
        }
        $results = $jobs | Wait-Job -Timeout 120 | Receive-Job
        $jobs | Remove-Job -Force
        $results | Should -HaveCount 2
        $results | Should -Contain "$($A.BaseUrl)|1"
        $results | Should -Contain "$($B.BaseUrl)|0"
    }
}

Describe 'Keys in no stream of a whole session' {
    It 'a session using every cmdlet with -Verbose and -Debug, failures included, shows none of the keys' {
        $server = Start-CompassTestServer
        $transcript = Join-Path ([IO.Path]::GetTempPath()) "compassps-session-$([guid]::NewGuid()).txt"
        $file = Join-Path ([IO.Path]::GetTempPath()) "compassps-session-$([guid]::NewGuid()).ps1"
        Set-Content -Path $file -Value @'
param($ModulePath, $BaseUrl, $Transcript)
Import-Module $ModulePath
Start-Transcript -Path $Transcript | Out-Null
$DebugPreference = 'Continue'; $VerbosePreference = 'Continue'; $InformationPreference = 'Continue'; $ErrorActionPreference = 'Continue'
$ctx = Connect-Compass -BaseUrl $BaseUrl -ApiKey $env:COMPASSPS_TEST_KEY -PassThru
$ctx | Format-List * -Force | Out-String; "$ctx"; Get-CompassContext | Format-Table | Out-String
Get-CompassDeployment | Out-String
Get-CompassWorkflow | Format-List * | Out-String
$run = Start-CompassRun -DeploymentId 33333333-3333-4333-8333-333333333333 -InputData @{ topic = 'secrets' } -Follow
$run | Format-List * -Force | Out-String
$run | Watch-CompassRun | Out-String
Get-CompassRun -First 3 | Wait-CompassRun | Out-String
Get-CompassRun -Id missing
Start-CompassRun -DeploymentId missing -InputData @{ topic = 'x' }
Start-CompassRun -DeploymentId 33333333-3333-4333-8333-333333333333 -InputData '{bad json'
Connect-Compass -BaseUrl $BaseUrl -ApiKey $env:COMPASSPS_TEST_ADMIN_KEY
Get-CompassRun -First 1 | Out-String
Connect-Compass -BaseUrl 'http://compass.example.test' -ApiKey $env:COMPASSPS_TEST_KEY
$env:COMPASS_BASE_URL = $BaseUrl; $env:COMPASS_API_KEY = $env:COMPASSPS_TEST_OTHER_KEY
Disconnect-Compass
Get-CompassContext | Format-List * -Force | Out-String
Get-CompassRun -First 1 | Out-String
$Error | ForEach-Object { $_ | Format-List * -Force | Out-String; $_.Exception.ToString() }
Stop-Transcript | Out-Null
'@
        try {
            $keys = @{ COMPASSPS_TEST_KEY = $server.ProjectKey; COMPASSPS_TEST_ADMIN_KEY = $server.AdminKey; COMPASSPS_TEST_OTHER_KEY = $server.OtherKey }
            $result = Invoke-ChildPwsh -Arguments @('-File', $file, (Get-CompassTestModulePath), $server.BaseUrl, $transcript) -Environment $keys
            $everything = $result.Output + $result.Errors + (Get-Content $transcript -Raw)
            $everything | Should -Match 'HTTP GET .*Authorization: Bearer \*\*\*\*\*\*\*\*'
            $everything | Should -Match 'CompassPS.NotFound'
            $everything | Should -Match 'CompassPS.InsecureTransport'
            $everything | Should -Match 'Run completed'
            foreach ($key in $keys.Values) { $everything | Should -Not -Match ([regex]::Escape($key)) }
        }
        finally {
            Stop-CompassTestServer $server
            Remove-Item $file, $transcript -ErrorAction SilentlyContinue
        }
    }
}
