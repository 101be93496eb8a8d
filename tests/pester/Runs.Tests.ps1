# The run lifecycle end to end, the way a user drives it: a fresh pwsh, the built module imported by path, a local
# server on a free port.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'Common/CompassPS.TestCommon.psm1') -Force
    Import-CompassTestModule
    $script:Server = Start-CompassTestServer
    Connect-Compass -BaseUrl $Server.BaseUrl -ApiKey $Server.ProjectKey
    $script:DeploymentId = '33333333-3333-4333-8333-333333333333'
    $script:WorkflowId = '22222222-2222-4222-8222-222222222222'
}

AfterAll {
    Disconnect-Compass
    Stop-CompassTestServer $Server
}

Describe 'Run lifecycle' {
    It 'runs a deployment from dispatch to output' {
        $run = Start-CompassRun -DeploymentId $DeploymentId -InputData @{ topic = 'tides' }
        $run.PSTypeNames | Should -Contain 'CompassPS.Run'
        $run.Status | Should -BeIn @('pending', 'running')
        $run.DeploymentId | Should -Be $DeploymentId

        $final = $run | Wait-CompassRun -TimeoutSec 60
        $final.Id | Should -Be $run.Id
        $final.Status | Should -Be 'completed'
        $final.Output | Should -Match 'tides'
        $final.CompletedAt | Should -BeOfType [DateTimeOffset]
        $final.InputData.topic | Should -Be 'tides'

        (Get-CompassRun -Id $run.Id).Status | Should -Be 'completed'
        $events = @($run | Watch-CompassRun)
        $events[0].PSTypeNames | Should -Contain 'CompassPS.RunEvent'
        $events[-1].Type | Should -Be 'run.completed'
        $events.Seq | Should -Be (1..$events.Count)
        foreach ($type in 'run.started', 'node.started', 'node.completed', 'tool_call.started', 'tool_call.completed', 'output.delta') {
            $events.Type | Should -Contain $type
        }
    }

    It 'runs a workflow piped from Get-CompassWorkflow, and a deployment piped from Get-CompassDeployment' {
        $byWorkflow = Get-CompassWorkflow -Id $WorkflowId | Start-CompassRun -InputData @{ topic = 'drafts' } -Wait -TimeoutSec 60
        $byWorkflow.Status | Should -Be 'completed'
        $byWorkflow.WorkflowId | Should -Be $WorkflowId
        $byWorkflow.Trigger | Should -Be 'test'
        $byWorkflow.DeploymentId | Should -BeNullOrEmpty

        $byDeployment = Get-CompassDeployment -Id $DeploymentId | Start-CompassRun -InputData '{"topic":"json text"}' -Wait -TimeoutSec 60
        $byDeployment.Status | Should -Be 'completed'
        $byDeployment.DeploymentId | Should -Be $DeploymentId
        $byDeployment.Trigger | Should -Be 'manual'
        $byDeployment.Output | Should -Match 'json text'
    }

    It 'dispatches one run per pipeline row and never one twice' {
        $before = @(Get-CompassRun -DeploymentId $DeploymentId).Count
        $rows = 1..12 | ForEach-Object { [pscustomobject]@{ topic = "row $_" } }
        $runs = @($rows | Start-CompassRun -DeploymentId $DeploymentId -ThrottleLimit 4)
        $runs.Count | Should -Be 12
        ($runs.Id | Sort-Object -Unique).Count | Should -Be 12
        ($runs.InputData.topic | Sort-Object) | Should -Be ($rows.topic | Sort-Object)
        @(Get-CompassRun -DeploymentId $DeploymentId).Count | Should -Be ($before + 12)
        $done = @($runs | Wait-CompassRun -TimeoutSec 120)
        $done.Count | Should -Be 12
        $done.Status | Sort-Object -Unique | Should -Be 'completed'
    }

    It '-Wait writes each run as it ends, while later inputs are still coming' {
        $inputAt = [System.Collections.Generic.List[datetime]]::new()
        $written = 1..3 | ForEach-Object {
            if ($_ -gt 1) { Start-Sleep -Seconds 4 }
            $inputAt.Add([datetime]::UtcNow)
            @{ topic = "slow input $_" }
        } | Start-CompassRun -DeploymentId $DeploymentId -Wait -TimeoutSec 120 |
            ForEach-Object { [pscustomobject]@{ Run = $_; At = [datetime]::UtcNow } }
        $written.Count | Should -Be 3
        $written.Run.Status | Sort-Object -Unique | Should -Be 'completed'
        $written[0].At | Should -BeLessThan $inputAt[2] -Because 'the first run ended long before the last input came'
    }

    It 'fails a run whose input misses a required field, with the reason' {
        $run = Start-CompassRun -DeploymentId $DeploymentId -InputData @{ wrong = 1 } -Wait -TimeoutSec 60 -ErrorVariable failures -ErrorAction SilentlyContinue
        $run.Status | Should -Be 'failed'
        "$($run.Error)" | Should -Match 'topic'
        # Besides the run, one error whose message is the run's own.
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'CompassPS.RunNotCompleted,*'
        $failures[0].Exception.Message | Should -Match 'topic'
    }

    It 'says what is missing when no deployment or workflow is given, instead of prompting' {
        { Start-CompassRun -InputData @{ topic = 'nowhere' } -ErrorAction Stop } |
            Should -Throw -ExpectedMessage '*-DeploymentId or -WorkflowId*' -ErrorId 'CompassPS.InvalidInput*'
    }

    It 'shows runs readably at 80 columns' {
        $table = Get-CompassRun -First 3 | Format-Table | Out-String -Width 80
        $lines = $table -split "\r?\n" | Where-Object { $_.Trim() }
        $lines[0] | Should -Match '^Id\s+Status\s+Created\s+Workflow'
        $lines.Count | Should -Be 5 -Because 'one header line, one rule line and one line per run: nothing wraps'
    }

    It 'filters with Where-Object like any object' {
        $completed = @(Get-CompassRun | Where-Object Status -EQ 'completed')
        $completed.Count | Should -BeGreaterThan 0
        $completed.Status | Sort-Object -Unique | Should -Be 'completed'
        $completed[0] | Should -BeOfType ([CompassPS.Run])
        @(Get-CompassRun -Status completed).Count | Should -Be $completed.Count
    }
}

Describe 'Paging' {
    BeforeAll {
        # More runs than one page of the module (100) and of the server (50).
        $existing = @(Get-CompassRun).Count
        $null = 1..(130 - [Math]::Min($existing, 129)) | ForEach-Object { @{ topic = "page $_" } } |
            Start-CompassRun -WorkflowId $WorkflowId -ThrottleLimit 16
        $script:All = @(Get-CompassRun)
    }

    It 'lists every run across pages, newest first, each once' {
        $All.Count | Should -BeGreaterOrEqual 130
        ($All.Id | Sort-Object -Unique).Count | Should -Be $All.Count
        $times = $All.CreatedAt
        for ($i = 1; $i -lt $times.Count; $i++) { $times[$i] | Should -BeLessOrEqual $times[$i - 1] }
    }

    It '-First 3 gives the 3 newest' {
        $first = @(Get-CompassRun -First 3)
        $first.Count | Should -Be 3
        $first.Id | Should -Be $All[0..2].Id
    }

    It '-Skip and -First select a window across a page boundary' {
        $window = @(Get-CompassRun -Skip 98 -First 5)
        $window.Id | Should -Be $All[98..102].Id
    }

    It '-IncludeTotalCount reports the total first' {
        $result = @(Get-CompassRun -First 1 -IncludeTotalCount)
        $result.Count | Should -Be 2
        [uint64]$result[0] | Should -BeGreaterOrEqual 130
        $result[1].PSTypeNames | Should -Contain 'CompassPS.Run'
    }

    It 'stops fetching when Select-Object has enough' {
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $some = @(Get-CompassRun | Select-Object -First 2)
        $some.Count | Should -Be 2
        $clock.Elapsed.TotalSeconds | Should -BeLessThan 30
    }
}

Describe 'Streaming' {
    BeforeAll {
        # A slow server, so a run lasts long enough to watch it while it is still going.
        $script:SlowServer = Start-CompassTestServer -ArgumentList @('--delay-scale', '4')
        $script:Slow = Connect-Compass -BaseUrl $SlowServer.BaseUrl -ApiKey $SlowServer.ProjectKey -PassThru
        # Connect-Compass made the slow server the default: the fast one stays the default for the other tests.
        Connect-Compass -BaseUrl $Server.BaseUrl -ApiKey $Server.ProjectKey
        $script:SlowPort = ([Uri]$SlowServer.BaseUrl).Port
    }

    AfterAll { Stop-CompassTestServer $SlowServer }

    It 'delivers the first event before the run completes' {
        $run = Start-CompassRun -Context $Slow -DeploymentId $DeploymentId -InputData @{ topic = 'early' }
        $arrivals = $run | Watch-CompassRun -Context $Slow -TimeoutSec 120 |
            ForEach-Object { [pscustomobject]@{ Type = $_.Type; At = [DateTimeOffset]::UtcNow } }
        $final = Get-CompassRun -Context $Slow -Id $run.Id
        $final.Status | Should -Be 'completed'
        $arrivals[0].At | Should -BeLessThan $final.CompletedAt
        $arrivals[-1].Type | Should -Be 'run.completed'
    }

    It 'Select-Object -First 1 returns promptly and leaves no stream open' {
        $run = Start-CompassRun -Context $Slow -DeploymentId $DeploymentId -InputData @{ topic = 'prompt stop' }
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $first = $run | Watch-CompassRun -Context $Slow | Select-Object -First 1
        $clock.Elapsed.TotalSeconds | Should -BeLessThan 10
        $first.Type | Should -Be 'run.started'
        (Get-CompassRun -Context $Slow -Id $run.Id).Status | Should -BeIn @('pending', 'running')
        # Idle pooled connections may stay; the stream's own connection must close.
        Wait-Until { (Get-OpenConnectionCount -Port $SlowPort) -le 1 } -TimeoutSec 10 | Should -BeTrue
    }

    It 'names tool calls and answer pieces by their node''s name, as the node events do' {
        $run = Start-CompassRun -DeploymentId $DeploymentId -InputData @{ topic = 'names' } -Wait -TimeoutSec 60
        $events = @($run | Watch-CompassRun)
        $agentName = ($events | Where-Object { $_.Type -eq 'node.started' -and $_.NodeType -eq 'agent' }).NodeName
        $agentName | Should -Not -BeNullOrEmpty
        $events | Where-Object Type -In 'tool_call.started', 'output.delta' | ForEach-Object { $_.NodeName | Should -Be $agentName }
    }

    It 'Watch-CompassRun -PassThru ends with the finished run' {
        $run = Start-CompassRun -DeploymentId $DeploymentId -InputData @{ topic = 'passthru' }
        $out = @($run | Watch-CompassRun -PassThru)
        $out[-1] | Should -BeOfType ([CompassPS.Run])
        $out[-1].Status | Should -Be 'completed'
        $out[-2].Type | Should -Be 'run.completed'
    }

    It 'Start-CompassRun -Follow shows the run live and writes the finished run' {
        $info = $null
        $run = Start-CompassRun -DeploymentId $DeploymentId -InputData @{ topic = 'followed' } -Follow -InformationVariable info -InformationAction SilentlyContinue
        $run.Status | Should -Be 'completed'
        $text = -join ($info | ForEach-Object { $_.MessageData.Message })
        $text | Should -Match 'Run .* started'
        $text | Should -Match 'followed'
        ($info | Where-Object { $_.MessageData.NoNewLine }).Count | Should -BeGreaterThan 3
    }

    It 'Wait-CompassRun -TimeoutSec ends with a timeout error and leaves the run going' {
        $run = Start-CompassRun -Context $Slow -DeploymentId $DeploymentId -InputData @{ topic = 'too slow' }
        $err = $null
        $out = @($run | Wait-CompassRun -Context $Slow -TimeoutSec 1 -ErrorVariable err -ErrorAction SilentlyContinue)
        $out.Count | Should -Be 0
        $err[0].FullyQualifiedErrorId | Should -BeLike 'CompassPS.Timeout,*'
        $err[0].CategoryInfo.Category | Should -Be 'OperationTimeout'
        (Get-CompassRun -Context $Slow -Id $run.Id).Status | Should -BeIn @('pending', 'running')
    }
}
