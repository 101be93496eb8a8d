# Get-, Approve- and Deny-CompassApproval against a local Compass server: an agent workflow whose tool calls need a
# person's approval (tools_require_approval: true) parks each run in awaiting_approval until a decision arrives.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'Common/CompassPS.TestCommon.psm1') -Force
    Import-CompassTestModule

    # A run that waits for approval holds one of the server's run slots: the paging test needs more than a page of them.
    $server = Start-CompassTestServer -ArgumentList '--delay-scale', '0', '--max-concurrent-runs', '128'
    # Connect-Compass makes its context the default, -PassThru or not: the project's own key goes last.
    $otherProject = Connect-Compass -BaseUrl $server.BaseUrl -ApiKey (ConvertTo-SecureString $server.OtherKey -AsPlainText -Force) -PassThru
    Connect-Compass -BaseUrl $server.BaseUrl -ApiKey (ConvertTo-SecureString $server.ProjectKey -AsPlainText -Force)

    # Straight to the API, independently of the module, to set up and to check what the cmdlets under test did.
    function Invoke-Api([string]$Method, [string]$Path, $Body) { Invoke-CompassTestApi $server $server.ProjectKey $Method $Path $Body }

    # Input topic -> an agent whose lookup tool calls each need a person's approval -> output.
    $gatedDefinition = New-CompassTestGatedDefinition gated-research
    $gated = Invoke-Api Post '/v1/workflows/' @{ name = 'gated-research'; type = 'workflow'; definition = $gatedDefinition }

    # Dispatches runs of the gated workflow and returns them once each waits for its approval.
    function Start-GatedRun([string[]]$Topic, [int]$TimeoutSec = 60) {
        $runs = @($Topic | ForEach-Object { @{ topic = $_ } } | Start-CompassRun -WorkflowId $gated.id)
        $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSec)
        do {
            $waiting = @(Get-CompassRun -WorkflowId $gated.id -Status awaiting_approval | Where-Object Id -In $runs.Id)
            if ($waiting.Count -eq $runs.Count) { return $runs }
            Start-Sleep -Milliseconds 100
        } while ([DateTime]::UtcNow -lt $deadline)
        throw "Only $($waiting.Count) of $($runs.Count) runs reached awaiting_approval within $TimeoutSec s."
    }
}

AfterAll {
    Stop-CompassTestServer $server
}

Describe 'Get-CompassApproval' {
    BeforeAll {
        $run = Start-GatedRun 'tides'
    }

    It 'lists the pending approval of a waiting run, by -RunId and by -Status' {
        $approval = Get-CompassApproval -RunId $run.Id
        @($approval).Count | Should -Be 1
        $approval.PSObject.TypeNames | Should -Contain 'CompassPS.Approval'
        $approval.Status | Should -Be 'pending'
        $approval.RunId | Should -Be $run.Id
        $approval.NodeId | Should -Be 'agent'
        $approval.Tool | Should -Be 'lookup'
        $approval.Args.query | Should -Match 'tides'
        $approval.CreatedAt | Should -BeOfType [DateTimeOffset]
        $approval.DecidedAt | Should -BeNullOrEmpty
        (Get-CompassApproval -Status pending).Id | Should -Contain $approval.Id
        (Get-CompassApproval -Status approved) | Should -BeNullOrEmpty
    }

    It 'gets approvals by id, from the pipeline too' {
        $approval = Get-CompassApproval -RunId $run.Id
        (Get-CompassApproval -Id $approval.Id).Tool | Should -Be 'lookup'
        ($approval | Get-CompassApproval).Id | Should -Be $approval.Id
        ($approval.Id | Get-CompassApproval).Id | Should -Be $approval.Id
    }

    It 'shows as a table of id, status, tool, run, time and arguments' {
        $text = Get-CompassApproval -RunId $run.Id | Out-String -Width 250
        $text | Should -Match '(?m)^Id\s+Status\s+Tool\s+RunId\s+CreatedAt\s+Args'
        $text | Should -Match "(?m)^[0-9a-f-]{36}\s+pending\s+lookup\s+$($run.Id)\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+\{`"query`":"
    }

    It 'gives CompassPS.NotFound for an unknown approval, and for another project''s' {
        Get-CompassApproval -Id (New-Guid).Guid -ErrorAction SilentlyContinue -ErrorVariable getErrors | Should -BeNullOrEmpty
        $getErrors[0].FullyQualifiedErrorId | Should -BeLike 'CompassPS.NotFound*'
        $approval = Get-CompassApproval -RunId $run.Id
        Get-CompassApproval -Id $approval.Id -Context $otherProject -ErrorAction SilentlyContinue -ErrorVariable otherErrors | Should -BeNullOrEmpty
        $otherErrors[0].FullyQualifiedErrorId | Should -BeLike 'CompassPS.NotFound*'
        (Get-CompassApproval -Status pending -Context $otherProject) | Should -BeNullOrEmpty
    }

    It 'gives CompassPS.ValidationFailed for a status the server does not know' {
        Get-CompassApproval -Status 'maybe' -ErrorAction SilentlyContinue -ErrorVariable statusErrors | Should -BeNullOrEmpty
        $statusErrors[0].FullyQualifiedErrorId | Should -BeLike 'CompassPS.ValidationFailed*'
        $statusErrors[0].Exception.Message | Should -Match 'status'
    }

    It 'completes -Status' {
        $line = 'Get-CompassApproval -Status p'
        (Get-CompassTestCompletion $line).CompletionText | Should -Be @('pending')
        $line = 'Get-CompassApproval -Status '
        (Get-CompassTestCompletion $line).CompletionText | Should -Be @('pending', 'approved', 'rejected')
    }

    AfterAll {
        $null = Stop-CompassRun -RunId $run.Id -Confirm:$false
    }
}

Describe 'Approve-CompassApproval' {
    BeforeAll {
        $runs = Start-GatedRun 'alpha', 'beta'
    }

    It '-WhatIf decides nothing' {
        $result = Get-CompassApproval -Status pending | Approve-CompassApproval -WhatIf
        $result | Should -BeNullOrEmpty
        foreach ($run in $runs) {
            (Invoke-Api Get "/v1/approvals/?run_id=$($run.Id)").items[0].status | Should -Be 'pending'
            (Get-CompassRun -Id $run.Id).Status | Should -Be 'awaiting_approval'
        }
    }

    It 'approves every approval piped from Get-CompassApproval -Status pending, and the runs complete' {
        $decided = @(Get-CompassApproval -Status pending | Approve-CompassApproval -Comment 'looks fine' -Confirm:$false)
        $decided.Count | Should -Be 2
        @($decided.RunId | Sort-Object) | Should -Be @($runs.Id | Sort-Object)
        $decided | ForEach-Object {
            $_.PSObject.TypeNames | Should -Contain 'CompassPS.Approval'
            $_.Status | Should -Be 'approved'
            $_.Comment | Should -Be 'looks fine'
            $_.DecidedAt | Should -BeOfType [DateTimeOffset]
        }
        (Get-CompassApproval -Status pending) | Should -BeNullOrEmpty

        $finished = @($runs | Wait-CompassRun -TimeoutSec 60)
        $finished | ForEach-Object {
            $_.Status | Should -Be 'completed'
            "$($_.Output)" | Should -Match 'Reference notes'
        }
        # The approved tool call ran the lookup workflow as a sub-run.
        (Get-CompassRunTree -RunId $runs[0].Id | Where-Object Kind -EQ 'run' | Where-Object Depth -GT 0).Name | Should -Be 'demo-lookup'
    }

    It 'gives CompassPS.Conflict, saying why, for an approval that was already decided' {
        $approval = Get-CompassApproval -RunId $runs[0].Id
        $result = $approval | Approve-CompassApproval -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable approveErrors
        $result | Should -BeNullOrEmpty
        $approveErrors.Count | Should -Be 1
        $approveErrors[0].FullyQualifiedErrorId | Should -BeLike 'CompassPS.Conflict*'
        $approveErrors[0].Exception.Message | Should -Match "Cannot decide approval $($approval.Id)"
        $approveErrors[0].Exception.Message | Should -Match 'pending'
        (Get-CompassApproval -Id $approval.Id).Comment | Should -Be 'looks fine' -Because 'the first decision stands'
    }

    It 'gives CompassPS.NotFound for an unknown approval and goes on with the next' {
        $run = Start-GatedRun 'gamma'
        $approval = Get-CompassApproval -RunId $run.Id
        $decided = @((New-Guid).Guid, $approval.Id | Approve-CompassApproval -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable approveErrors)
        $approveErrors.Count | Should -Be 1
        $approveErrors[0].FullyQualifiedErrorId | Should -BeLike 'CompassPS.NotFound*'
        $decided.Id | Should -Be @($approval.Id)
        (Wait-CompassRun -Id $run.Id -TimeoutSec 60).Status | Should -Be 'completed'
    }
}

Describe 'Deny-CompassApproval' {
    BeforeAll {
        $run = Start-GatedRun 'delta'
        $approval = Get-CompassApproval -RunId $run.Id
    }

    It '-WhatIf decides nothing' {
        $approval | Deny-CompassApproval -WhatIf | Should -BeNullOrEmpty
        (Invoke-Api Get "/v1/approvals/$($approval.Id)").status | Should -Be 'pending'
        (Get-CompassRun -Id $run.Id).Status | Should -Be 'awaiting_approval'
    }

    It 'rejects the tool call by the -ApprovalId alias, and the run fails with the reason' {
        $denied = Deny-CompassApproval -ApprovalId $approval.Id -Comment 'not this source' -Confirm:$false
        $denied.Status | Should -Be 'rejected'
        $denied.Comment | Should -Be 'not this source'
        $failed = Wait-CompassRun -Id $run.Id -TimeoutSec 60 -ErrorVariable runErrors -ErrorAction SilentlyContinue
        $failed.Status | Should -Be 'failed'
        # A run that ends failed is also an error, whose message is the run's own.
        @($runErrors).Count | Should -Be 1
        $runErrors[0].FullyQualifiedErrorId | Should -BeLike 'CompassPS.RunNotCompleted,*'
        $runErrors[0].Exception.Message | Should -Match 'not this source'
        "$($failed.Error)" | Should -Match 'rejected'
        "$($failed.Error)" | Should -Match 'not this source'
        (Get-CompassRunTree -RunId $run.Id | Where-Object Failed).NodeId | Should -Contain 'agent'
        (Get-CompassApproval -Status rejected).Id | Should -Contain $approval.Id
    }

    It 'gives CompassPS.Conflict for an approval that was already decided' {
        { Deny-CompassApproval -Id $approval.Id -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'CompassPS.Conflict*'
    }
}

Describe 'Stop-CompassRun on a run that waits for approval' {
    It 'cancels the run and its pending approval becomes rejected' {
        $run = Start-GatedRun 'epsilon'
        $stopped = Get-CompassApproval -Status pending | Stop-CompassRun -Confirm:$false
        $stopped.Id | Should -Be $run.Id -Because 'an approval binds its RunId'
        $stopped.Status | Should -Be 'cancelled'
        (Get-CompassApproval -RunId $run.Id).Status | Should -Be 'rejected'
    }
}

Describe 'Paging' {
    BeforeAll {
        $pagedRuns = Start-GatedRun (1..105 | ForEach-Object { "page $_" }) -TimeoutSec 120
    }

    It 'lists more approvals than one page holds, and honours -First and -Skip across pages' {
        $output = @(Get-CompassApproval -Status pending -Debug 5>&1)
        $all = @($output | Where-Object { $_ -isnot [System.Management.Automation.DebugRecord] })
        $all.Count | Should -Be 105
        @($output | Where-Object { $_ -is [System.Management.Automation.DebugRecord] -and $_.Message -match '^HTTP GET \S+/v1/approvals/\?' }).Count |
            Should -Be 2 -Because 'a page holds 100 approvals'
        @($all.RunId | Sort-Object) | Should -Be @($pagedRuns.Id | Sort-Object)
        @($all.Id | Select-Object -Unique).Count | Should -Be 105

        $window = @(Get-CompassApproval -Status pending -Skip 2 -First 102)
        $window.Count | Should -Be 102
        $window.Id | Should -Be $all[2..103].Id

        @(Get-CompassApproval -Status pending -First 101).Id | Should -Be $all[0..100].Id
        @(Get-CompassApproval -Status pending -Skip 103).Id | Should -Be $all[103..104].Id
    }

    It 'approves every approval of a pending list longer than a page, although each decision shrinks the list' {
        $decided = @(Get-CompassApproval -Status pending | Approve-CompassApproval -Confirm:$false)
        $decided.Count | Should -Be 105
        @($decided.RunId | Sort-Object) | Should -Be @($pagedRuns.Id | Sort-Object)
        (Invoke-Api Get '/v1/approvals/?status=pending').total | Should -Be 0
    }

    It 'stops every run of a waiting list longer than a page, although each cancel shrinks the list' {
        $waitingRuns = Start-GatedRun (1..105 | ForEach-Object { "stop $_" }) -TimeoutSec 120
        $stopped = @(Get-CompassRun -Status awaiting_approval | Stop-CompassRun -Confirm:$false)
        $stopped.Count | Should -Be 105
        @($stopped.Id | Sort-Object) | Should -Be @($waitingRuns.Id | Sort-Object)
        (Invoke-Api Get '/v1/runs/?status=awaiting_approval').total | Should -Be 0
    }
}

Describe 'Secrets' {
    It 'never shows the API key in any stream' {
        $run = Start-GatedRun 'zeta'
        $everything = & {
            $ErrorActionPreference = 'Continue'
            Get-CompassApproval -RunId $run.Id -Verbose -Debug
            Get-CompassApproval -RunId $run.Id | Deny-CompassApproval -Comment 'no' -Confirm:$false -Verbose -Debug
            Get-CompassApproval -RunId $run.Id | Approve-CompassApproval -Confirm:$false -Verbose -Debug
            Get-CompassApproval -Id (New-Guid).Guid -Context $otherProject -Verbose -Debug
        } *>&1 | Out-String -Width 400
        $everything | Should -Match 'Bearer \*+' -Because 'the verbose log shows the request, with the key masked'
        $everything | Should -Match 'CompassPS.Conflict|Cannot decide approval'
        $everything | Should -Not -Match $server.ProjectKey
        $everything | Should -Not -Match $server.OtherKey
    }
}
