# Binding by kind: every CompassPS object type piped into every cmdlet that takes pipeline input. An object of the
# cmdlet's own noun, or of a kind the cmdlet documents a relation to, acts on what it stands for (checked on the
# output: the right run, workflow, ... came back); any other CompassPS object is one CompassPS.WrongObjectKind error
# naming both kinds, with the object as its target, and nothing is done with it. Writes run under -WhatIf, so the
# matrix changes nothing on the server; the error is raised before -WhatIf is even asked.

BeforeDiscovery {
    # What each cmdlet does with each kind of object. Accepts: kind -> 'ItemProperty>OutputProperty' (something is
    # written, and that property of every object written equals the piped object's; '*' before it: possibly nothing,
    # as for a run with no approvals), '-' (a write under -WhatIf: no error, no output), or '!ErrorId' (a request is
    # made for the right object, and the server's answer is that error).
    # Other: the error every other kind gets.
    $runKinds = @{ Run = 'Id>{0}'; Approval = 'RunId>{0}'; RunStep = 'RunId>{0}'; RunExecution = 'RunId>{0}'; RunEvent = 'RunId>{0}'; MessageReply = 'RunId>{0}' }
    function RunRelations([string]$OutputProperty) {
        $map = @{}
        foreach ($k in $runKinds.Keys) { $map[$k] = $runKinds[$k] -f $OutputProperty }
        $map
    }
    $workflowKinds = @{ Workflow = 'Id>{0}'; Deployment = 'WorkflowId>{0}'; Run = 'WorkflowId>{0}'; WorkflowVersion = 'WorkflowId>{0}'; WorkflowValidation = 'WorkflowId>{0}' }
    function WorkflowRelations([string]$OutputProperty) {
        $map = @{}
        foreach ($k in $workflowKinds.Keys) { $map[$k] = $workflowKinds[$k] -f $OutputProperty }
        $map
    }
    $wrong = 'CompassPS.WrongObjectKind'
    $getRun = RunRelations 'Id'
    $getRun.Workflow = 'Id>WorkflowId'; $getRun.Deployment = 'Id>DeploymentId'; $getRun.Conversation = 'Id>ConversationId'

    $script:Matrix = [ordered]@{
        'Get-CompassRun'             = @{ Args = @{}; Accepts = $getRun; Other = $wrong }
        'Get-CompassRunTree'         = @{ Args = @{}; Accepts = (RunRelations 'RootRunId'); Other = $wrong }
        'Get-CompassRunExecution'    = @{ Args = @{}; Accepts = (RunRelations 'RunId'); Other = $wrong }
        'Watch-CompassRun'           = @{ Args = @{}; Accepts = (RunRelations 'RunId'); Other = $wrong }
        'Wait-CompassRun'            = @{ Args = @{ TimeoutSec = 60 }; Accepts = (RunRelations 'Id'); Other = $wrong }
        'Stop-CompassRun'            = @{ Args = @{ WhatIf = $true }; Accepts = @{ Run = '-'; Approval = '-'; RunStep = '-' }; Other = $wrong }
        'Get-CompassWorkflow'        = @{ Args = @{}; Accepts = (WorkflowRelations 'Id'); Other = $wrong }
        'Get-CompassWorkflowVersion' = @{ Args = @{}; Accepts = (WorkflowRelations 'WorkflowId'); Other = $wrong }
        'Test-CompassWorkflow'       = @{ Args = @{}; Accepts = (WorkflowRelations 'WorkflowId'); Other = $wrong }
        'Publish-CompassWorkflow'    = @{ Args = @{ WhatIf = $true }; Accepts = @{ Workflow = '-'; Deployment = '-' }; Other = $wrong }
        'Set-CompassWorkflow'        = @{ Args = @{ Description = 'matrix'; WhatIf = $true }; Accepts = @{ Workflow = '-' }; Other = $wrong }
        'Remove-CompassWorkflow'     = @{ Args = @{ WhatIf = $true }; Accepts = @{ Workflow = '-' }; Other = $wrong }
        'Get-CompassDeployment'      = @{ Args = @{}; Accepts = @{ Deployment = 'Id>Id'; Workflow = 'DeploymentId>Id'; Run = 'DeploymentId>Id' }; Other = $wrong }
        'Set-CompassDeployment'      = @{ Args = @{ LiveVersion = 1; WhatIf = $true }; Accepts = @{ Deployment = '-'; Workflow = '-' }; Other = $wrong }
        'Suspend-CompassDeployment'  = @{ Args = @{ WhatIf = $true }; Accepts = @{ Deployment = '-'; Workflow = '-' }; Other = $wrong }
        'Resume-CompassDeployment'   = @{ Args = @{ WhatIf = $true }; Accepts = @{ Deployment = '-'; Workflow = '-' }; Other = $wrong }
        'Start-CompassRun'           = @{ Args = @{ WhatIf = $true }; Accepts = @{ Workflow = '-'; Deployment = '-' }; Other = $wrong }
        'Get-CompassConversation'    = @{ Args = @{}; Accepts = @{ Conversation = 'Id>Id'; Run = 'ConversationId>Id'; MessageReply = 'ConversationId>Id' }; Other = $wrong }
        'New-CompassConversation'    = @{ Args = @{ WhatIf = $true }; Accepts = @{ Workflow = '-'; Deployment = '-' }; Other = $wrong }
        'Remove-CompassConversation' = @{ Args = @{ WhatIf = $true }; Accepts = @{ Conversation = '-' }; Other = $wrong }
        'Send-CompassMessage'        = @{ Args = @{ Message = 'matrix'; WhatIf = $true }; Accepts = @{ Conversation = '-'; MessageReply = '-' }; Other = $wrong }
        'Get-CompassApproval'        = @{ Args = @{}; Accepts = @{ Approval = 'Id>Id'; RunEvent = 'ApprovalId>Id'; Run = '*Id>RunId' }; Other = $wrong }
        'Approve-CompassApproval'    = @{ Args = @{ WhatIf = $true }; Accepts = @{ Approval = '-' }; Other = $wrong }
        'Deny-CompassApproval'       = @{ Args = @{ WhatIf = $true }; Accepts = @{ Approval = '-' }; Other = $wrong }
        'Get-CompassConnection'      = @{ Args = @{}; Accepts = @{ Connection = 'Id>Id'; ConnectionHealth = 'ConnectionId>Id' }; Other = $wrong }
        'Get-CompassProvider'        = @{ Args = @{}; Accepts = @{ Connection = 'Id>Id'; ConnectionHealth = 'ConnectionId>Id' }; Other = $wrong }
        # The fixture connection is a provider: read as a gateway it is not found, which shows its own id was asked for.
        'Get-CompassGateway'         = @{ Args = @{}; Accepts = @{ Connection = '!CompassPS.NotFound'; ConnectionHealth = '!CompassPS.NotFound' }; Other = $wrong }
        'Test-CompassConnection'     = @{ Args = @{}; Accepts = @{ Connection = 'Id>ConnectionId'; ConnectionHealth = 'ConnectionId>ConnectionId' }; Other = $wrong }
        'Set-CompassConnection'      = @{ Args = @{ Name = 'matrix'; WhatIf = $true }; Accepts = @{ Connection = '-' }; Other = $wrong }
        'Remove-CompassConnection'   = @{ Args = @{ WhatIf = $true }; Accepts = @{ Connection = '-' }; Other = $wrong }
        # Creation from records (CSV rows) by property name, and Disconnect-Compass (contexts, by type): objects of
        # other kinds are refused by PowerShell's binder (missing mandatory values) or, where they would fill them
        # (a workflow's Name and Type into New-CompassProvider), by CompassPS.WrongObjectKind. '*': one error of
        # either sort, no output, nothing created or closed.
        # A connection piped into New-CompassConnection or New-CompassProvider is copied (own noun, -WhatIf here).
        'New-CompassConnection'      = @{ Args = @{ WhatIf = $true }; Accepts = @{ Connection = '-' }; Other = '*' }
        'New-CompassProvider'        = @{ Args = @{ WhatIf = $true }; Accepts = @{ Connection = '-' }; Other = '*' }
        'New-CompassGateway'         = @{ Args = @{ WhatIf = $true }; Accepts = @{}; Other = '*' }
        'New-CompassWorkflow'        = @{ Args = @{ WhatIf = $true }; Accepts = @{}; Other = '*' }
        'Disconnect-Compass'         = @{ Args = @{}; Accepts = @{ Context = '-' }; Other = '*' }
        # Every kind converts to a flat record of the same properties (ConvertTo-CompassExport; Readable.Tests.ps1).
        'ConvertTo-CompassExport'    = @{ Args = @{}; Other = $wrong; Accepts = @{
                Run = 'Id>Id'; Workflow = 'Id>Id'; Deployment = 'Id>Id'; Conversation = 'Id>Id'; Approval = 'Id>Id'; Connection = 'Id>Id'
                ConnectionHealth = 'ConnectionId>ConnectionId'; RunEvent = 'Seq>Seq'; RunExecution = 'Id>Id'; RunStep = 'Id>Id'
                RunSummary = 'Total>Total'; WorkflowVersion = 'Version>Version'; WorkflowValidation = 'WorkflowId>WorkflowId'
                ValidationIssue = 'Severity>Severity'; MessageReply = 'RunId>RunId'; Context = 'MaxRetries>MaxRetries' } }
        # Takes only the CompassPS.LocalServer objects Start-CompassLocalServer wrote (LocalServer.Tests.ps1): any
        # other object is refused by the binder, and no process is stopped.
        'Stop-CompassLocalServer'    = @{ Args = @{ WhatIf = $true }; Accepts = @{}; Other = '*' }
    }
    $script:Kinds = 'Run', 'Workflow', 'Deployment', 'Conversation', 'Approval', 'Connection', 'ConnectionHealth', 'RunEvent',
        'RunExecution', 'RunStep', 'RunSummary', 'WorkflowVersion', 'WorkflowValidation', 'ValidationIssue', 'MessageReply', 'Context'

    $script:Cases = foreach ($cmdlet in $Matrix.Keys) {
        foreach ($kind in $Kinds) {
            $accepts = $Matrix[$cmdlet].Accepts
            $outcome = if ($accepts.ContainsKey($kind)) { $accepts[$kind] } else { $Matrix[$cmdlet].Other }
            @{ Cmdlet = $cmdlet; Kind = $kind; Outcome = $outcome; Accepted = $accepts.ContainsKey($kind) }
        }
    }
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'Common/CompassPS.TestCommon.psm1') -Force
    Import-CompassTestModule

    $server = Start-CompassTestServer -ArgumentList '--delay-scale', '0'
    # A second context first (Connect-Compass makes the last one the default): the Context kind of the matrix.
    $spareContext = Connect-Compass -BaseUrl $server.BaseUrl -ApiKey (ConvertTo-SecureString $server.OtherKey -AsPlainText -Force) -PassThru
    Connect-Compass -BaseUrl $server.BaseUrl -ApiKey (ConvertTo-SecureString $server.ProjectKey -AsPlainText -Force)
    function Invoke-Api([string]$Method, [string]$Path, $Body) { Invoke-CompassTestApi $server $server.ProjectKey $Method $Path $Body }

    $localProviderId = '11111111-1111-4111-8111-111111111111'
    # A chat agent, published: its conversation's runs carry a workflow, a deployment and a conversation.
    $agent = Invoke-Api Post '/v1/workflows/' @{ name = 'binding-chat'; type = 'agent'; definition = (New-CompassTestChatAgentDefinition binding-chat) }
    $deployment = Get-CompassWorkflow -WorkflowId $agent.id | Publish-CompassWorkflow
    $conversation = $deployment | New-CompassConversation -Title 'binding matrix'
    $reply = Send-CompassMessage -ConversationId $conversation.Id -Message 'hello' -Quiet
    $run = Get-CompassRun -Id $reply.RunId

    # A run that asks a person's approval, approved at once so that it ends (Watch- and Wait-CompassRun then return).
    $gated = Invoke-Api Post '/v1/workflows/' @{ name = 'binding-gated'; type = 'workflow'; definition = (New-CompassTestGatedDefinition binding-gated) }
    $gatedRun = Start-CompassRun -WorkflowId $gated.id -InputData @{ topic = 'tides' }
    if (-not (Wait-Until { @(Get-CompassApproval -RunId $gatedRun.Id).Count -gt 0 } -TimeoutSec 30)) { throw "The gated run asked for no approval." }
    $approval = Get-CompassApproval -RunId $gatedRun.Id | Select-Object -First 1
    $null = $approval | Approve-CompassApproval -Confirm:$false
    $null = $gatedRun | Wait-CompassRun -TimeoutSec 60
    $approvalEvent = $gatedRun | Watch-CompassRun | Where-Object { $_.ApprovalId } | Select-Object -First 1

    $provider = Get-CompassProvider -Id $localProviderId
    $validation = Test-CompassWorkflow -WorkflowId $agent.id -Definition @{ name = 'broken'; type = 'workflow'; nodes = @() }

    $script:Items = @{
        Run                = $run
        Workflow           = Get-CompassWorkflow -WorkflowId $agent.id
        Deployment         = $deployment
        Conversation       = $conversation
        Approval           = $approval
        Connection         = $provider
        ConnectionHealth   = $provider | Test-CompassConnection
        RunEvent           = $approvalEvent
        RunExecution       = $run | Get-CompassRunExecution | Select-Object -First 1
        RunStep            = $run | Get-CompassRunTree | Select-Object -Last 1
        RunSummary         = Get-CompassRunSummary
        WorkflowVersion    = Get-CompassWorkflowVersion -WorkflowId $agent.id | Select-Object -First 1
        WorkflowValidation = $validation
        ValidationIssue    = $validation.Issues | Select-Object -First 1
        MessageReply       = $reply
        Context            = $spareContext
    }
}

AfterAll {
    Disconnect-Compass
    Stop-CompassTestServer $server
}

Describe 'Binding by kind' {
    It 'has a fixture of every kind, each of its own type' {
        foreach ($kind in $Kinds) {
            $Items[$kind] | Should -Not -BeNullOrEmpty -Because "the matrix pipes a $kind"
            $Items[$kind].PSTypeNames[0] | Should -Be "CompassPS.$kind"
        }
    }

    It 'covers every cmdlet that takes pipeline input' {
        $piped = Get-Command -Module CompassPS -CommandType Cmdlet | Where-Object {
            @($_.Parameters.Values | ForEach-Object { $_.ParameterSets.Values } |
                Where-Object { $_.ValueFromPipeline -or $_.ValueFromPipelineByPropertyName }).Count -gt 0
        } | ForEach-Object Name
        @($piped | Sort-Object) | Should -Be @($Matrix.Keys | Sort-Object)
    }

    It '<Cmdlet> given a <Kind>: <Outcome>' -ForEach $Cases {
        $item = $Items[$Kind]
        $options = $Matrix[$Cmdlet].Args
        $output = @($item | & $Cmdlet @options -ErrorVariable failures -ErrorAction SilentlyContinue 6>$null)

        if (-not $Accepted -or $Outcome.StartsWith('!')) {
            $expected = if ($Accepted) { $Outcome.Substring(1) } else { $Outcome }
            $output | Should -BeNullOrEmpty
            @($failures).Count | Should -Be 1
            $failures[0].FullyQualifiedErrorId | Should -BeLike "$expected,*"
            if (-not $Accepted -and $expected -ne '*') {
                $failures[0].TargetObject | Should -Be $item.PSObject.BaseObject
                $failures[0].Exception.Message | Should -BeLike "*CompassPS.$Kind*"
                $failures[0].Exception.Message | Should -BeLike "*$Cmdlet*"
            }
            return
        }
        $failures | Should -BeNullOrEmpty
        if ($Outcome -eq '-') {
            $output | Should -BeNullOrEmpty
            return
        }
        $from, $to = $Outcome.TrimStart('*') -split '>'
        $item.$from | Should -Not -BeNullOrEmpty
        if (-not $Outcome.StartsWith('*')) { $output.Count | Should -BeGreaterThan 0 }
        foreach ($written in $output) { $written.$to | Should -Be $item.$from }
    }
}

Describe 'Relations the help documents' {
    It 'lists the runs of a piped workflow, deployment and conversation' {
        $runs = @($Items.Workflow | Get-CompassRun)
        $runs.Id | Should -Contain $Items.Run.Id
        $runs.WorkflowId | Sort-Object -Unique | Should -Be $Items.Workflow.Id
        @($Items.Deployment | Get-CompassRun).Id | Should -Contain $Items.Run.Id
        @($Items.Conversation | Get-CompassRun -First 1).ConversationId | Should -Be $Items.Conversation.Id
    }

    It 'cancels the run itself when a run is piped into Stop-CompassRun (a finished one: CompassPS.Conflict naming it)' {
        $Items.Run | Stop-CompassRun -Confirm:$false -ErrorVariable failures -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'CompassPS.Conflict,*'
        $failures[0].Exception.Message | Should -BeLike "*$($Items.Run.Id)*"
    }

    It 'never deletes the workflow of a piped run, nor cancels runs by a deployment id' {
        $Items.Run | Remove-CompassWorkflow -Confirm:$false -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'CompassPS.WrongObjectKind,*'
        (Invoke-Api GET "/v1/workflows/$($Items.Workflow.Id)").id | Should -Be $Items.Workflow.Id

        { $Items.Deployment | Stop-CompassRun -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'CompassPS.WrongObjectKind,*'
    }

    It 'still binds ids as text, and plain objects (CSV rows) by their column names' {
        (Get-CompassRun $Items.Run.Id).Id | Should -Be $Items.Run.Id
        ($Items.Run.Id | Get-CompassRunTree -Raw).RootRunId | Should -Be $Items.Run.Id
        $rows = "WorkflowId,RunId`n$($Items.Workflow.Id),$($Items.Run.Id)" | ConvertFrom-Csv
        ($rows | Get-CompassWorkflow).Id | Should -Be $Items.Workflow.Id
        ($rows | Get-CompassRunExecution | Select-Object -First 1).RunId | Should -Be $Items.Run.Id
        ([pscustomobject]@{ Id = $Items.Conversation.Id } | Get-CompassConversation).Id | Should -Be $Items.Conversation.Id
    }

    It 'refuses an empty id at binding, as before' {
        { Get-CompassRun -Id '' -ErrorAction Stop } | Should -Throw -ErrorId 'ParameterArgumentValidationError,*'
    }
}
