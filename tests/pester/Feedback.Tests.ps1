# What a person or a runbook is told while runs go on: a run that ends failed or cancelled is an error
# (CompassPS.RunNotCompleted) besides the run, so -ErrorAction Stop ends a runbook at the first failed run; the first
# retry of a command is a warning at once and later ones are progress; Wait-CompassRun's progress counts the runs by
# status, with the elapsed time and a percentage; Ctrl+C while a run is followed says the run goes on.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'Common/CompassPS.TestCommon.psm1') -Force
    Import-CompassTestModule

    $server = Start-CompassTestServer
    Connect-Compass -BaseUrl $server.BaseUrl -ApiKey (ConvertTo-SecureString $server.ProjectKey -AsPlainText -Force)
    $research = '33333333-3333-4333-8333-333333333333'
    # The research deployment needs a 'topic': a run without one fails, with the server's reason as its error.
    $failing = @{ subject = 'no topic' }
    function Invoke-Api([string]$Method, [string]$Path, $Body) { Invoke-CompassTestApi $server $server.ProjectKey $Method $Path $Body }
    # A workflow whose tool call waits for a person's approval: its run waits until it is cancelled.
    $gated = Invoke-Api Post '/v1/workflows/' @{ name = 'feedback-gated'; type = 'workflow'; definition = (New-CompassTestGatedDefinition feedback-gated) }

    # Runs a script in a new runspace of this process (the module is loaded already) and returns its streams: the
    # progress records a cmdlet writes can only be read this way.
    function Invoke-InRunspace([string]$Script, [hashtable]$Arguments = @{}) {
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript("Import-Module '$(Get-CompassTestModulePath)'").AddStatement().AddScript($Script)
            foreach ($name in $Arguments.Keys) { $null = $ps.AddParameter($name, $Arguments[$name]) }
            $output = $ps.Invoke()
            [pscustomobject]@{ Output = @($output); Progress = @($ps.Streams.Progress); Warning = @($ps.Streams.Warning); Error = @($ps.Streams.Error) }
        }
        finally { $ps.Dispose() }
    }
}

AfterAll {
    Disconnect-Compass
    Stop-CompassTestServer $server
}

Describe 'A run that fails is an error' {
    It 'ends a runbook at the first failed run under -Wait -ErrorAction Stop, with the run as target and its error as message' {
        $reached = $false
        $caught = $null
        try {
            $run = Start-CompassRun -DeploymentId $research -InputData $failing -Wait -ErrorAction Stop
            $reached = $true
        }
        catch { $caught = $_ }
        $reached | Should -BeFalse
        $caught.FullyQualifiedErrorId | Should -BeLike 'CompassPS.RunNotCompleted,*'
        $caught.CategoryInfo.Category | Should -Be 'InvalidResult'
        $caught.TargetObject.PSTypeNames | Should -Contain 'CompassPS.Run'
        $caught.TargetObject.Status | Should -Be 'failed'
        $caught.Exception.Message | Should -BeLike "Run $($caught.TargetObject.Id) failed: *topic*"
        "$($caught.TargetObject.Error)" | Should -BeLike '*topic*'
    }

    It 'writes the failed run and one error besides it, and goes on with the other runs without -ErrorAction Stop' {
        $runs = @($failing, @{ topic = 'tides' } | Start-CompassRun -DeploymentId $research -Wait -ErrorVariable failures -ErrorAction SilentlyContinue)
        $runs.Count | Should -Be 2
        @($runs.Status | Sort-Object) | Should -Be @('completed', 'failed')
        @($failures).Count | Should -Be 1
        $failures[0].TargetObject.Id | Should -Be ($runs | Where-Object Status -EQ 'failed').Id
    }

    It 'is an error under -Follow too' {
        { Start-CompassRun -DeploymentId $research -InputData $failing -Follow -ErrorAction Stop 6>$null } |
            Should -Throw -ErrorId 'CompassPS.RunNotCompleted,*'
    }

    It 'is an error from Wait-CompassRun, also for a cancelled run' {
        $failed = Start-CompassRun -DeploymentId $research -InputData $failing -Wait -ErrorAction SilentlyContinue
        $waiting = Start-CompassRun -WorkflowId $gated.id -InputData @{ topic = 'tides' }
        Wait-Until { (Get-CompassRun -Id $waiting.Id).Status -eq 'awaiting_approval' } -TimeoutSec 30 | Should -BeTrue
        $cancelled = $waiting | Stop-CompassRun -Confirm:$false

        $ended = @($failed, $cancelled | Wait-CompassRun -TimeoutSec 60 -ErrorVariable failures -ErrorAction SilentlyContinue)
        $ended.Count | Should -Be 2
        @($failures).Count | Should -Be 2
        $byRun = @{}
        foreach ($f in $failures) { $byRun[$f.TargetObject.Id] = $f }
        $byRun[$failed.Id].FullyQualifiedErrorId | Should -BeLike 'CompassPS.RunNotCompleted,*'
        $byRun[$failed.Id].Exception.Message | Should -BeLike '*topic*'
        $byRun[$cancelled.Id].FullyQualifiedErrorId | Should -BeLike 'CompassPS.RunNotCompleted,*'
        $byRun[$cancelled.Id].CategoryInfo.Category | Should -Be 'OperationStopped'
        $byRun[$cancelled.Id].Exception.Message | Should -BeLike "Run $($cancelled.Id) was cancelled*"
    }

    It 'writes no error for a run that completed' {
        $run = Start-CompassRun -DeploymentId $research -InputData @{ topic = 'tides' } -Wait -ErrorVariable failures
        $run.Status | Should -Be 'completed'
        $failures | Should -BeNullOrEmpty
    }
}

Describe 'Waiting is visible' {
    It 'shows Wait-CompassRun''s progress as counts by status, elapsed time and a percentage' {
        $failed = Start-CompassRun -DeploymentId $research -InputData $failing -Wait -ErrorAction SilentlyContinue
        $completed = Start-CompassRun -DeploymentId $research -InputData @{ topic = 'tides' } -Wait

        $result = Invoke-InRunspace -Script 'param($Url, $Key, $Ids) Connect-Compass -BaseUrl $Url -ApiKey $Key; $Ids | Wait-CompassRun -ErrorAction SilentlyContinue' `
            -Arguments @{ Url = $server.BaseUrl; Key = (ConvertTo-SecureString $server.ProjectKey -AsPlainText -Force); Ids = @($failed.Id, $completed.Id) }

        $result.Output.Count | Should -Be 2
        $last = $result.Progress | Where-Object { $_.RecordType -ne 'Completed' } | Select-Object -Last 1
        $last.StatusDescription | Should -Match '^2 of 2 runs ended \(1 completed, 1 failed\); 100% in \d+:\d\d$'
        $last.PercentComplete | Should -Be 100
        ($result.Progress | Select-Object -Last 1).RecordType | Should -Be 'Completed'
    }

    Context 'against a server that answers every request 503' {
        BeforeAll {
            $busy = Start-CompassTestServer -ArgumentList '--fault-503-rate', '1', '--fault-retry-after', '0'
        }
        AfterAll { Stop-CompassTestServer $busy }

        It 'warns at the first retry (what failed, which attempt, when the next is) and shows later ones as progress' {
            $result = Invoke-InRunspace -Script 'param($Url, $Key) Connect-Compass -BaseUrl $Url -ApiKey $Key -MaxRetries 3 -RetryMaxDelaySec 0.05 -SkipCheck; Get-CompassRun -First 1' `
                -Arguments @{ Url = $busy.BaseUrl; Key = (ConvertTo-SecureString $busy.ProjectKey -AsPlainText -Force) }

            @($result.Warning).Count | Should -Be 1
            $result.Warning[0].Message | Should -Match '^GET /v1/runs/\S* failed \(HTTP 503\b.*\); retry 1 of 3 in [\d.]+ s, at \d\d:\d\d:\d\d\.$'
            $retries = @($result.Progress | Where-Object { $_.Activity -eq 'Retrying Compass requests' -and $_.RecordType -ne 'Completed' })
            $retries.Count | Should -Be 2
            $retries[-1].StatusDescription | Should -Match 'retry 3 of 3'
            ($result.Progress | Where-Object Activity -EQ 'Retrying Compass requests' | Select-Object -Last 1).RecordType | Should -Be 'Completed'
            $result.Error[0].FullyQualifiedErrorId | Should -BeLike 'CompassPS.ServerError,*'
        }
    }

    # Ctrl+C is SIGINT on Linux and macOS, which a test can send to a pwsh it started; Windows delivers it only
    # through a console the test process would have to share, so this case runs where signals exist.
    Context 'Ctrl+C on Start-CompassRun -Follow' -Skip:$IsWindows {
        It 'stops watching at once and says the run goes on, with the commands that follow or cancel it; the run goes on' {
            $script = "Import-Module '$(Get-CompassTestModulePath)'; Connect-Compass -BaseUrl '$($server.BaseUrl)' -ApiKey (ConvertTo-SecureString `$env:COMPASS_TEST_KEY -AsPlainText -Force) -SkipCheck; " +
                "Start-CompassRun -WorkflowId '$($gated.id)' -InputData @{ topic = 'tides' } -Follow; 'not reached'"
            $command = Get-ChildPwshCommand
            $psi = [System.Diagnostics.ProcessStartInfo]::new($command[0])
            foreach ($a in @($command | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-Command', $script)) { $psi.ArgumentList.Add($a) }
            $psi.RedirectStandardOutput = $true
            $psi.RedirectStandardError = $true
            $psi.UseShellExecute = $false
            $psi.Environment['COMPASS_TEST_KEY'] = $server.ProjectKey
            $psi.Environment['NO_COLOR'] = '1'
            $child = [System.Diagnostics.Process]::Start($psi)
            try {
                $errors = $child.StandardError.ReadToEndAsync()
                $seen = [System.Text.StringBuilder]::new()
                # Read until the run waits for its approval: from then on it would wait forever.
                while ($seen.ToString() -notmatch 'approval \S+ requested') {
                    $line = $child.StandardOutput.ReadLineAsync()
                    if (-not $line.Wait([TimeSpan]::FromSeconds(60)) -or $null -eq $line.Result) { throw "The follow ended or went silent before the approval: $seen $($errors.Result)" }
                    $null = $seen.AppendLine($line.Result)
                }
                $runId = [regex]::Match($seen.ToString(), 'Run (\S+) started').Groups[1].Value
                kill -INT $child.Id
                $rest = $child.StandardOutput.ReadToEndAsync()
                $child.WaitForExit(30000) | Should -BeTrue -Because 'Ctrl+C ends the follow'
                $said = $seen.ToString() + $rest.Result + $errors.Result
            }
            finally {
                if (-not $child.HasExited) { $child.Kill($true) }
                $child.Dispose()
            }
            $said | Should -Match ([regex]::Escape("Stopped watching; run $runId goes on on the server. Watch-CompassRun -Id $runId follows it again, Stop-CompassRun -RunId $runId cancels it."))
            $said | Should -Not -Match 'not reached'
            (Invoke-Api Get "/v1/runs/$runId").status | Should -Be 'awaiting_approval'
            Stop-CompassRun -RunId $runId -Confirm:$false
        }
    }
}
