# Exactly once across restarts: Start-CompassRun -IdempotencyKey, and examples/Invoke-NightlyBatch.ps1 -BatchId killed
# in the middle of its dispatch and run again.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'Common/CompassPS.TestCommon.psm1') -Force
    Import-CompassTestModule
    $script:ModulePath = Get-CompassTestModulePath
    $script:Server = Start-CompassTestServer
    $script:Context = Connect-Compass -BaseUrl $Server.BaseUrl -ApiKey $Server.ProjectKey -PassThru 6>$null
    $script:Deployment = '33333333-3333-4333-8333-333333333333'

    # The runs of the deployment whose input topic starts with $Prefix, straight from the server.
    function Get-ServerRuns([string]$Prefix, $On = $Server) {
        @(Get-CompassTestServerItems -Server $On -ApiKey $On.ProjectKey -Path "/v1/runs/?deployment_id=$Deployment" |
                Where-Object { "$($_.input_data.topic)".StartsWith($Prefix) })
    }
}

AfterAll {
    Stop-CompassTestServer $Server
}

Describe 'Start-CompassRun -IdempotencyKey' {
    It 'the same key and input return the run it first made (another process: see the batch killed below)' {
        $key = "once-$([guid]::NewGuid())"
        $first = Start-CompassRun -Context $Context -DeploymentId $Deployment -InputData @{ topic = "once $key" } -IdempotencyKey $key
        # A context of its own: a new HTTP client, as another process would have.
        $other = Connect-Compass -BaseUrl $Server.BaseUrl -ApiKey $Server.ProjectKey -SkipCheck -PassThru
        $again = Start-CompassRun -Context $other -DeploymentId $Deployment -InputData ('{"topic": "once ' + $key + '"}') -IdempotencyKey $key -Follow 6>$null

        $again.Id | Should -Be $first.Id
        $again.Status | Should -Be 'completed' -Because '-Follow follows the run the key first made'
        @(Get-ServerRuns "once $key").Count | Should -Be 1
    }

    It 'a delay-bind script block gives each piped row its own key, so piping the rows again starts nothing' {
        $batch = [guid]::NewGuid().ToString('n')
        $rows = 1..6 | ForEach-Object { [pscustomobject]@{ id = $_; topic = "row $batch $_" } }

        $first = @($rows | Start-CompassRun -Context $Context -DeploymentId $Deployment -IdempotencyKey { "nightly-$batch-$($_.id)" })
        $second = @($rows | Start-CompassRun -Context $Context -DeploymentId $Deployment -IdempotencyKey { "nightly-$batch-$($_.id)" } -Wait)

        $first.Count | Should -Be 6
        @($first.Id | Sort-Object -Unique).Count | Should -Be 6
        @($second.Id | Sort-Object) | Should -Be @($first.Id | Sort-Object) -Because 'each row got back the run it made'
        $second.Status | Sort-Object -Unique | Should -Be 'completed' -Because '-Wait waits for runs made before as for new ones'
        @(Get-ServerRuns "row $batch").Count | Should -Be 6
    }

    It 'also binds by property name: a CSV column named IdempotencyKey keys its row' {
        $batch = [guid]::NewGuid().ToString('n')
        $csv = Join-Path $TestDrive "keys-$batch.csv"
        @([pscustomobject]@{ topic = "column $batch 1"; IdempotencyKey = "column-$batch-1" }, [pscustomobject]@{ topic = "column $batch 2"; IdempotencyKey = "column-$batch-2" }) |
            Export-Csv $csv -NoTypeInformation

        $first = @(Import-Csv $csv | Start-CompassRun -Context $Context -DeploymentId $Deployment)
        $again = @(Import-Csv $csv | Start-CompassRun -Context $Context -DeploymentId $Deployment)

        @($again.Id | Sort-Object) | Should -Be @($first.Id | Sort-Object)
        @(Get-ServerRuns "column $batch").Count | Should -Be 2
    }

    It 'the same key with another input is one CompassPS.Conflict naming the key and the code; no run is made' {
        $key = "clash-$([guid]::NewGuid())"
        $null = Start-CompassRun -Context $Context -DeploymentId $Deployment -InputData @{ topic = "clash $key" } -IdempotencyKey $key

        $run = Start-CompassRun -Context $Context -DeploymentId $Deployment -InputData @{ topic = "clash $key, changed" } -IdempotencyKey $key `
            -ErrorVariable failed -ErrorAction SilentlyContinue

        $run | Should -BeNullOrEmpty
        $failed.Count | Should -Be 1
        $failed[0].FullyQualifiedErrorId | Should -Be 'CompassPS.Conflict,CompassPS.Commands.StartCompassRunCommand'
        $failed[0].Exception.Message | Should -BeLike "*Idempotency-Key '$key' was already used*(HTTP 409 IDEMPOTENCY_KEY_REUSED)*no run was started*"
        $failed[0].Exception.CompassCode | Should -Be 'IDEMPOTENCY_KEY_REUSED'
        $failed[0].TargetObject.topic | Should -Be "clash $key, changed"
        @(Get-ServerRuns "clash $key").Count | Should -Be 1
    }

    It 'a blank key is an error for that row, never a fresh key' {
        $batch = [guid]::NewGuid().ToString('n')
        $runs = @(@{ topic = "blank $batch a" }, @{ topic = "blank $batch b" } |
                Start-CompassRun -Context $Context -DeploymentId $Deployment -IdempotencyKey { if ($_.topic.EndsWith('a')) { ' ' } else { "blank-$batch" } } `
                    -ErrorVariable failed -ErrorAction SilentlyContinue)
        $runs.Count | Should -Be 1
        $failed.Count | Should -Be 1
        $failed[0].FullyQualifiedErrorId | Should -BeLike 'CompassPS.InvalidInput,*'
        @(Get-ServerRuns "blank $batch").input_data.topic | Should -Be "blank $batch b"
    }
}

Describe 'examples/Invoke-NightlyBatch.ps1 -BatchId after a crash' {
    BeforeAll {
        # Each request waits 60 ms on this server, so dispatching 200 rows two at a time takes seconds: long enough to
        # kill the batch in the middle of it. The runs themselves take no time, so the re-run's wait is short.
        $script:Slow = Start-CompassTestServer -ArgumentList '--fault-latency-ms', '60', '--delay-scale', '0', '--max-concurrent-runs', '64'
        $script:Csv = Join-Path $TestDrive 'rows.csv'
        @(1..200 | ForEach-Object { [pscustomobject]@{ topic = 'batch row {0:d3}' -f $_ } }) | Export-Csv $Csv -NoTypeInformation
        $script:Example = Join-Path (Get-CompassTestRoot) 'examples/Invoke-NightlyBatch.ps1'
        $script:ChildEnvironment = @{
            COMPASS_BASE_URL = $Slow.BaseUrl
            COMPASS_API_KEY  = $Slow.ProjectKey
            PSModulePath     = (Split-Path (Split-Path $ModulePath)) + [IO.Path]::PathSeparator + $env:PSModulePath
        }
    }
    AfterAll { Stop-CompassTestServer $Slow }

    It 'a batch killed mid-dispatch and run again makes exactly one run per row and reports each row once' {
        $batchArguments = @('-File', $Example, '-Path', $Csv, '-DeploymentId', $Deployment, '-BatchId', 'nightly-test-1')
        $command = Get-ChildPwshCommand
        $psi = [System.Diagnostics.ProcessStartInfo]::new($command[0])
        foreach ($a in @($command | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive') + $batchArguments + @('-ThrottleLimit', '2')) { $psi.ArgumentList.Add($a) }
        $psi.RedirectStandardOutput = $true; $psi.RedirectStandardError = $true; $psi.UseShellExecute = $false
        foreach ($name in $ChildEnvironment.Keys) { $psi.Environment[$name] = $ChildEnvironment[$name] }
        $crashing = [System.Diagnostics.Process]::Start($psi)
        try {
            $null = $crashing.StandardOutput.ReadToEndAsync(); $null = $crashing.StandardError.ReadToEndAsync()
            $started = Wait-Until { @(Get-ServerRuns 'batch row' $Slow).Count -ge 30 } -TimeoutSec 120
            $crashing.Kill($true)
            $null = $crashing.WaitForExit(30000)
        }
        finally {
            if (-not $crashing.HasExited) { $crashing.Kill($true) }
            $crashing.Dispose()
        }
        $started | Should -BeTrue
        $atCrash = @(Get-ServerRuns 'batch row' $Slow).Count
        $atCrash | Should -BeLessThan 200 -Because 'the batch must have been killed in the middle of its dispatch'

        $report = Join-Path $TestDrive 'report.csv'
        $rerun = Invoke-ChildPwsh -Arguments ($batchArguments + @('-ThrottleLimit', '8', '-ReportPath', $report)) -Environment $ChildEnvironment -TimeoutSec 300

        $rerun.ExitCode | Should -Be 0 -Because ($rerun.Output + $rerun.Errors)
        $onServer = @(Get-ServerRuns 'batch row' $Slow)
        $onServer.Count | Should -Be 200 -Because "$atCrash runs existed at the crash; the re-run must add only the rest"
        @($onServer.input_data.topic | Sort-Object -Unique).Count | Should -Be 200
        $reported = @(Import-Csv $report)
        $reported.Count | Should -Be 200
        @($reported.RunId | Sort-Object) | Should -Be @($onServer.id | Sort-Object)
        @($reported | ForEach-Object { ($_.Row | ConvertFrom-Json).topic } | Sort-Object -Unique).Count | Should -Be 200
        $reported.Status | Sort-Object -Unique | Should -Be 'completed'
        $rerun.Output | Should -BeLike '*200 row(s), 200 completed, 0 failed*'
    }
}
