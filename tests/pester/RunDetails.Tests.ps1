# Stop-CompassRun, Get-CompassRunExecution, Get-CompassRunTree and Get-CompassRunSummary against a local Compass
# server at its default delay scale, so that a run with a long input stays running long enough to be stopped.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'Common/CompassPS.TestCommon.psm1') -Force
    Import-CompassTestModule

    $server = Start-CompassTestServer
    $apiKey = ConvertTo-SecureString $server.ProjectKey -AsPlainText -Force
    # Connect-Compass makes its context the default, -PassThru or not: the project's own key goes last.
    $otherProject = Connect-Compass -BaseUrl $server.BaseUrl -ApiKey (ConvertTo-SecureString $server.OtherKey -AsPlainText -Force) -PassThru
    Connect-Compass -BaseUrl $server.BaseUrl -ApiKey $apiKey

    $researchDeployment = '33333333-3333-4333-8333-333333333333'
    $researchWorkflow = '22222222-2222-4222-8222-222222222222'
    $lookupWorkflow = '44444444-4444-4444-8444-444444444444'
    $lookupDeployment = '55555555-5555-4555-8555-555555555555'

    # Straight to the API, independently of the module, to set up what the cmdlets under test then read.
    function Invoke-Api([string]$Method, [string]$Path, $Body) { Invoke-CompassTestApi $server $server.ProjectKey $Method $Path $Body }

    function Wait-RunStatus([string]$Id, [string]$Status, [int]$TimeoutSec = 60) {
        $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSec)
        do {
            $run = Get-CompassRun -Id $Id
            if ($run.Status -eq $Status) { return $run }
            Start-Sleep -Milliseconds 100
        } while ([DateTime]::UtcNow -lt $deadline)
        throw "Run $Id did not reach '$Status' within $TimeoutSec s (it is '$($run.Status)')."
    }

    # A workflow of 103 prompt nodes in a chain: one run of it has more steps than one page of executions holds.
    $chainNodes = [System.Text.StringBuilder]::new()
    $previous = 'input'
    $previousPath = '$.topic'
    foreach ($i in 1..103) {
        $null = $chainNodes.AppendLine(@"
  - id: p$i
    type: component
    component_type: prompt
    config: { template: "{{x}}" }
    inputs:
      x: { kind: ref, source: $previous, path: $previousPath }
"@)
        $previous = "p$i"
        $previousPath = '$'
    }
    $chainDefinition = New-CompassTestDefinition chain -Nodes $chainNodes -OutputNodeId $previous
    $chainWorkflow = Invoke-Api Post '/v1/workflows/' @{ name = 'chain'; type = 'workflow'; definition = $chainDefinition }

    $completed = Start-CompassRun -DeploymentId $researchDeployment -InputData @{ topic = 'tides' } -Wait -TimeoutSec 120
    # A failed run is also an error (CompassPS.RunNotCompleted): expected here.
    $failed = Start-CompassRun -DeploymentId $researchDeployment -InputData @{ subject = 'no topic' } -Wait -TimeoutSec 120 -ErrorAction SilentlyContinue
    $chain = Start-CompassRun -WorkflowId $chainWorkflow.id -InputData @{ topic = 'links' } -Wait -TimeoutSec 120
}

AfterAll {
    Stop-CompassTestServer $server
}

Describe 'Get-CompassRunTree' {
    BeforeAll {
        $steps = @(Get-CompassRunTree -RunId $completed.Id)
        $toolCall = $steps | Where-Object Kind -EQ 'tool_call'
        $subRun = $toolCall.Children | Where-Object Kind -EQ 'run'
    }

    It 'starts with the run itself, at depth 0' {
        $completed.Status | Should -Be 'completed'
        $steps[0].Kind | Should -Be 'run'
        $steps[0].Id | Should -Be $completed.Id
        $steps[0].Name | Should -Be 'demo-research'
        $steps[0].Depth | Should -Be 0
        $steps[0].Parent | Should -BeNullOrEmpty
        $steps[0].PSObject.TypeNames | Should -Contain 'CompassPS.RunStep'
        ($steps | Where-Object Depth -EQ 1).NodeId | Should -Be @('input', 'brief', 'researcher', 'output')
    }

    It "nests the agent's tool call, and under it the demo-lookup sub-run with its own steps" {
        @($toolCall).Count | Should -Be 1
        $toolCall.Name | Should -Be 'lookup'
        $toolCall.Depth | Should -Be 2
        $toolCall.Parent.NodeId | Should -Be 'researcher'
        $toolCall.Parent.Parent.Id | Should -Be $completed.Id
        $toolCall.Args | Should -Not -BeNullOrEmpty
        $toolCall.Result | Should -Not -BeNullOrEmpty

        @($subRun).Count | Should -Be 1
        $subRun.Name | Should -Be 'demo-lookup'
        $subRun.WorkflowId | Should -Be $lookupWorkflow
        $subRun.Id | Should -Be $toolCall.ChildRunId
        $subRun.Id | Should -Not -Be $completed.Id
        $subRun.Depth | Should -Be 3
        $subRun.RootRunId | Should -Be $completed.Id
        $subRun.Children.NodeId | Should -Be @('input', 'notes', 'output')
        $subRun.Children | ForEach-Object { $_.Depth | Should -Be 4; $_.RunId | Should -Be $subRun.Id; $_.Parent.Id | Should -Be $subRun.Id }
        $steps.Path | Should -Contain 'demo-research/researcher/lookup/demo-lookup/notes'
        (Get-CompassRun -Id $subRun.Id).WorkflowId | Should -Be $lookupWorkflow
    }

    It 'writes every step once, each parent before its children' {
        $steps.Count | Should -Be 10
        @($steps.Path | Select-Object -Unique).Count | Should -Be $steps.Count
        for ($i = 1; $i -lt $steps.Count; $i++) {
            $parentIndex = [array]::IndexOf($steps, $steps[$i].Parent)
            $parentIndex | Should -BeGreaterOrEqual 0
            $parentIndex | Should -BeLessThan $i
            $steps[$i].Depth | Should -Be ($steps[$i].Parent.Depth + 1)
            $steps[$i].ParentId | Should -Be $steps[$i].Parent.Id
        }
    }

    It 'reads at a console: indented by depth, with status, duration and tokens' {
        $text = $steps | Out-String -Width 200
        $text | Should -Match "Run: $($completed.Id)"
        $text | Should -Match '(?m)^demo-research\s+run\s+completed\s+\d[\d.,]* (ms|s)\s+\d+'
        $text | Should -Match '(?m)^  Researcher\s+node\s+completed\s+\d[\d.,]* (ms|s)\s+\d+\s+compass-local-1'
        $text | Should -Match '(?m)^    lookup\(\)\s+tool_call\s+completed'
        $text | Should -Match '(?m)^      demo-lookup\s+run\s+completed'
        $text | Should -Match '(?m)^        Reference notes\s+node\s+completed'
    }

    It 'marks the failed steps of a failed run and shows their error' {
        $failedSteps = @(Get-CompassRunTree -RunId $failed.Id)
        $failedSteps[0].Status | Should -Be 'failed'
        $failedSteps[0].Failed | Should -BeTrue
        $failedInput = $failedSteps | Where-Object NodeId -EQ 'input'
        $failedInput.Failed | Should -BeTrue
        "$($failedInput.Error)" | Should -Match 'topic'
        $text = $failedSteps | Out-String -Width 250
        $text | Should -Match '(?m)^  Input\s+node\s+FAILED\s.*topic'
        ($steps | Where-Object Failed) | Should -BeNullOrEmpty -Because 'nothing failed in the completed run'
    }

    It 'takes the runs of Get-CompassRun -Status failed from the pipeline' {
        $failedIds = @(Get-CompassRun -Status failed | ForEach-Object Id)
        $failedIds | Should -Contain $failed.Id
        $roots = @(Get-CompassRun -Status failed | Get-CompassRunTree | Where-Object Depth -EQ 0)
        @($roots.Id | Sort-Object) | Should -Be @($failedIds | Sort-Object)
    }

    It 'takes run ids as strings and by the -Id alias' {
        ($completed.Id | Get-CompassRunTree)[0].Id | Should -Be $completed.Id
        (Get-CompassRunTree -Id $completed.Id)[0].Id | Should -Be $completed.Id
    }

    It '-Raw writes only the root, with the whole tree under Children' {
        $root = @(Get-CompassRunTree -RunId $completed.Id -Raw)
        $root.Count | Should -Be 1
        $root[0].Kind | Should -Be 'run'
        $root[0].Children.NodeId | Should -Be @('input', 'brief', 'researcher', 'output')
        $root[0].Children[2].Children[0].Children[0].Name | Should -Be 'demo-lookup'
    }

    It 'gives CompassPS.NotFound for an unknown run, another project''s run included, and goes on with the next' {
        $result = @(New-Guid | ForEach-Object Guid), $completed.Id | Get-CompassRunTree -ErrorAction SilentlyContinue -ErrorVariable treeErrors
        $treeErrors.Count | Should -Be 1
        $treeErrors[0].FullyQualifiedErrorId | Should -BeLike 'CompassPS.NotFound*'
        $result[0].Id | Should -Be $completed.Id

        Get-CompassRunTree -RunId $completed.Id -Context $otherProject -ErrorAction SilentlyContinue -ErrorVariable otherErrors | Should -BeNullOrEmpty
        $otherErrors[0].FullyQualifiedErrorId | Should -BeLike 'CompassPS.NotFound*'
    }
}

Describe 'Get-CompassRunExecution' {
    It 'writes one record per step of a run piped from Get-CompassRun -Id, in execution order' {
        $records = @(Get-CompassRun -Id $completed.Id | Get-CompassRunExecution)
        $records[0].PSObject.TypeNames | Should -Contain 'CompassPS.RunExecution'
        ($records | Where-Object Kind -EQ 'node').NodeId | Should -Be @('input', 'brief', 'researcher', 'output')
        $records | ForEach-Object {
            $_.RunId | Should -Be $completed.Id
            $_.Status | Should -Be 'completed'
            $_.StartedAt | Should -BeOfType [DateTimeOffset]
            $_.FinishedAt | Should -BeOfType [DateTimeOffset]
            $_.DurationMs | Should -BeGreaterOrEqual 0
            $_.Error | Should -BeNullOrEmpty
        }
        $agent = $records | Where-Object NodeId -EQ 'researcher' | Where-Object Kind -EQ 'node'
        $agent.Type | Should -Be 'agent'
        $agent.Model | Should -Be 'compass-local-1'
        $agent.Tokens | Should -BeGreaterThan 0
        $agent.Input | Should -Not -BeNullOrEmpty
        "$($agent.Output)" | Should -Match 'tides'

        $toolCall = $records | Where-Object Kind -EQ 'tool_call'
        $toolCall.Name | Should -Be 'lookup'
        $toolCall.ParentStepId | Should -Be $agent.Id
        $toolCall.ChildRunId | Should -Be (Get-CompassRunTree -RunId $completed.Id | Where-Object Kind -EQ 'tool_call').ChildRunId
    }

    It 'records the error of the failed step' {
        $records = @(Get-CompassRunExecution -RunId $failed.Id)
        $failedRecord = $records | Where-Object Status -EQ 'failed'
        $failedRecord.NodeId | Should -Be 'input'
        "$($failedRecord.Error)" | Should -Match 'topic'
    }

    It 'shows as a table of name, kind, status, duration, tokens and output' {
        $text = Get-CompassRunExecution -RunId $completed.Id | Out-String -Width 200
        $text | Should -Match '(?m)^Name\s+Kind\s+Status\s+DurationMs\s+Tokens\s+Output / Error'
        $text | Should -Match '(?m)^Researcher\s+node\s+completed\s+\d+\s+\d+\s+\S'
    }

    It 'pages through a run with more steps than one page, honouring -First and -Skip' {
        $output = @(Get-CompassRunExecution -RunId $chain.Id -Debug 5>&1)
        $all = @($output | Where-Object { $_ -isnot [System.Management.Automation.DebugRecord] })
        $all.Count | Should -Be 105
        @($output | Where-Object { $_ -is [System.Management.Automation.DebugRecord] -and $_.Message -match '^HTTP GET \S+/executions\?' }).Count |
            Should -Be 2 -Because 'a page holds 100 records'
        @($all.Id | Select-Object -Unique).Count | Should -Be 105
        $all[0].NodeId | Should -Be 'input'
        $all[104].NodeId | Should -Be 'output'

        $window = @(Get-CompassRunExecution -RunId $chain.Id -Skip 2 -First 102)
        $window.Count | Should -Be 102
        $window.Id | Should -Be $all[2..103].Id

        $tail = @(Get-CompassRunExecution -RunId $chain.Id -Skip 100)
        $tail.Id | Should -Be $all[100..104].Id

        (Get-CompassRunExecution -RunId $chain.Id -First 3).NodeId | Should -Be @('input', 'p1', 'p2')
    }

    It 'applies -First to each run piped in' {
        $records = @($completed, $failed | Get-CompassRunExecution -First 1)
        $records.Count | Should -Be 2
        $records.RunId | Should -Be @($completed.Id, $failed.Id)
    }

    It 'gives CompassPS.NotFound for an unknown run' {
        Get-CompassRunExecution -RunId (New-Guid).Guid -ErrorAction SilentlyContinue -ErrorVariable executionErrors | Should -BeNullOrEmpty
        $executionErrors[0].FullyQualifiedErrorId | Should -BeLike 'CompassPS.NotFound*'
    }
}

Describe 'Stop-CompassRun' {
    BeforeAll {
        # The local model quotes its input word by word, 25 ms a word at the default delay scale: minutes of work.
        $longTopic = (1..2000 | ForEach-Object { "word$_" }) -join ' '
        $long = Start-CompassRun -DeploymentId $researchDeployment -InputData @{ topic = $longTopic }
        $null = Wait-RunStatus $long.Id 'running'
    }

    AfterAll {
        if ((Get-CompassRun -Id $long.Id).Status -eq 'running') { $null = Stop-CompassRun -RunId $long.Id -Confirm:$false }
    }

    It '-WhatIf cancels nothing' {
        $result = Get-CompassRun -Status running | Stop-CompassRun -WhatIf
        $result | Should -BeNullOrEmpty
        (Get-CompassRun -Id $long.Id).Status | Should -Be 'running'
    }

    It 'cancels the runs piped from Get-CompassRun -Status running and writes them' {
        $stopped = @(Get-CompassRun -Status running | Stop-CompassRun -Confirm:$false)
        $stopped.Id | Should -Contain $long.Id
        $stopped | ForEach-Object { $_.Status | Should -Be 'cancelled' }
        $stopped[0].PSObject.TypeNames | Should -Contain 'CompassPS.Run'
        (Get-CompassRun -Id $long.Id).Status | Should -Be 'cancelled'
        (Get-CompassRun -Status running) | Should -BeNullOrEmpty
    }

    It 'gives CompassPS.Conflict, saying why, for a run that has already finished' {
        $result = $completed | Stop-CompassRun -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable stopErrors
        $result | Should -BeNullOrEmpty
        $stopErrors.Count | Should -Be 1
        $stopErrors[0].FullyQualifiedErrorId | Should -BeLike 'CompassPS.Conflict*'
        $stopErrors[0].CategoryInfo.Category | Should -Be 'InvalidOperation'
        $stopErrors[0].Exception.Message | Should -Match "Cannot stop run $($completed.Id)"
        $stopErrors[0].Exception.Message | Should -Match 'already finished'
        (Get-CompassRun -Id $completed.Id).Status | Should -Be 'completed'
        { Stop-CompassRun -Id $completed.Id -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'CompassPS.Conflict*'
    }

    It 'gives CompassPS.NotFound for an unknown run and goes on with the next' {
        $other = Start-CompassRun -DeploymentId $researchDeployment -InputData @{ topic = (1..2000 | ForEach-Object { "more$_" }) -join ' ' }
        $null = Wait-RunStatus $other.Id 'running'
        $stopped = @((New-Guid).Guid, $other.Id | Stop-CompassRun -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable stopErrors)
        $stopErrors.Count | Should -Be 1
        $stopErrors[0].FullyQualifiedErrorId | Should -BeLike 'CompassPS.NotFound*'
        $stopped.Id | Should -Be @($other.Id)
        (Get-CompassRun -Id $other.Id).Status | Should -Be 'cancelled'
    }
}

Describe 'Get-CompassRunSummary' {
    BeforeAll {
        # Every top-level run of the project, as Get-CompassRun lists them (sub-runs are not listed, nor counted).
        $runs = @(Get-CompassRun)
        $finished = @($runs | Where-Object { $_.Status -in 'completed', 'failed', 'cancelled' })
    }

    It 'counts the runs by status, with success rate, tokens and latency' {
        $summary = Get-CompassRunSummary -Window 24h
        $summary.PSObject.TypeNames | Should -Contain 'CompassPS.RunSummary'
        $summary.Window | Should -Be '24h'
        $summary.Total | Should -Be $runs.Count
        $summary.Completed | Should -Be @($runs | Where-Object Status -EQ 'completed').Count
        $summary.Failed | Should -Be @($runs | Where-Object Status -EQ 'failed').Count
        $summary.Cancelled | Should -Be @($runs | Where-Object Status -EQ 'cancelled').Count
        $summary.Cancelled | Should -BeGreaterOrEqual 1
        $summary.ByStatus.completed | Should -Be $summary.Completed
        $summary.SuccessRate | Should -Be ([math]::Round($summary.Completed / $finished.Count, 4))
        $summary.TotalTokens | Should -Be ($runs | Measure-Object TotalTokens -Sum).Sum
        $durations = @($finished | Where-Object { $null -ne $_.DurationMs } | ForEach-Object DurationMs)
        $summary.AverageLatencyMs | Should -BeGreaterThan (($durations | Measure-Object -Average).Average - 0.1)
        $summary.AverageLatencyMs | Should -BeLessThan (($durations | Measure-Object -Average).Average + 0.1)
        $durations | Should -Contain ([long]$summary.P95LatencyMs)
    }

    It 'filters by workflow and by deployment' {
        $byWorkflow = Get-CompassRunSummary -WorkflowId $chainWorkflow.id
        $byWorkflow.Total | Should -Be 1
        $byWorkflow.Completed | Should -Be 1
        $byWorkflow.WorkflowId | Should -Be $chainWorkflow.id

        $byDeployment = Get-CompassRunSummary -DeploymentId $researchDeployment
        $byDeployment.Total | Should -Be @($runs | Where-Object DeploymentId -EQ $researchDeployment).Count
        $byDeployment.DeploymentId | Should -Be $researchDeployment

        (Get-CompassRunSummary -DeploymentId $lookupDeployment).Total | Should -Be 0 -Because 'the lookup ran only as a sub-run'
        (Get-CompassRunSummary -WorkflowId $researchWorkflow).Total | Should -Be $byDeployment.Total
    }

    It 'writes one summary per window, reading 7d and 30s as PowerShell parses them unquoted' {
        $summaries = @(Get-CompassRunSummary -Window 7d, 30s, (New-TimeSpan -Hours 6), '90d')
        $summaries.Window | Should -Be @('7d', '30s', '6h', '90d')
        (Get-CompassRunSummary).Window | Should -Be '30d' -Because "the server's default window applies"
    }

    It 'shows as a small table' {
        $text = Get-CompassRunSummary -Window 24h, 7d | Out-String -Width 200
        $text | Should -Match '(?m)^Window\s+Total\s+Completed\s+Failed\s+SuccessRate\s+Tokens\s+Latency avg / p95'
        $text | Should -Match '(?m)^24h\s+\d+\s+\d+\s+\d+\s+\d+[.,]\d+\s?%\s+[\d,.]+\s+[\d,.]+ ms / [\d,.]+ ms'
        $text | Should -Match '(?m)^7d\s'
    }

    It 'gives CompassPS.ValidationFailed for a window the server cannot read' {
        Get-CompassRunSummary -Window 'soon' -ErrorAction SilentlyContinue -ErrorVariable summaryErrors | Should -BeNullOrEmpty
        $summaryErrors[0].FullyQualifiedErrorId | Should -BeLike 'CompassPS.ValidationFailed*'
        $summaryErrors[0].Exception.Message | Should -Match 'window'
    }

    It 'completes -Window with the usual windows' {
        $line = 'Get-CompassRunSummary -Window 2'
        $completions = TabExpansion2 -inputScript $line -cursorColumn $line.Length
        $completions.CompletionMatches.CompletionText | Should -Be @('24h')
    }

    It 'completes -DeploymentId and -WorkflowId from their names' {
        $line = 'Get-CompassRunSummary -DeploymentId demo-res'
        $completions = (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches
        $completions.CompletionText | Should -Be @($researchDeployment)
        $completions[0].ListItemText | Should -Match 'demo-research'
        $line = 'Get-CompassRunSummary -WorkflowId cha'
        (Get-CompassTestCompletion $line).CompletionText | Should -Be @($chainWorkflow.id)
    }
}

Describe 'Not connected, and secrets' {
    It 'gives CompassPS.NotConnected without a context' {
        $saved = @{ BaseUrl = $env:COMPASS_BASE_URL; ApiKey = $env:COMPASS_API_KEY }
        Disconnect-Compass
        try {
            $env:COMPASS_BASE_URL = $null; $env:COMPASS_API_KEY = $null
            { Get-CompassRunTree -RunId $completed.Id -ErrorAction Stop } | Should -Throw -ErrorId 'CompassPS.NotConnected*'
            { Get-CompassRunSummary -ErrorAction Stop } | Should -Throw -ErrorId 'CompassPS.NotConnected*'
        }
        finally {
            $env:COMPASS_BASE_URL = $saved.BaseUrl; $env:COMPASS_API_KEY = $saved.ApiKey
            Connect-Compass -BaseUrl $server.BaseUrl -ApiKey $apiKey
        }
    }

    It 'never shows the API key in any stream' {
        $everything = & {
            $ErrorActionPreference = 'Continue'
            Get-CompassRunTree -RunId $completed.Id -Verbose -Debug
            Get-CompassRunExecution -RunId $completed.Id -Verbose -Debug
            Get-CompassRunSummary -Window 24h -Verbose -Debug
            Stop-CompassRun -RunId $completed.Id -Confirm:$false -Verbose -Debug
            Stop-CompassRun -RunId (New-Guid).Guid -Confirm:$false -Verbose -Debug
            Get-CompassRunTree -RunId $completed.Id -Context $otherProject -Verbose -Debug
        } *>&1 | Out-String -Width 400
        $everything | Should -Match 'Bearer \*+' -Because 'the verbose log shows the request, with the key masked'
        $everything | Should -Not -Match $server.ProjectKey
        $everything | Should -Not -Match $server.OtherKey
    }
}
