# Conversations end to end against a local server: Get-/New-/Remove-CompassConversation and Send-CompassMessage,
# including a two-turn chat with an agent that remembers the first turn.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'Common/CompassPS.TestCommon.psm1') -Force
    Import-CompassTestModule

    $server = Start-CompassTestServer -ArgumentList '--delay-scale', '0'
    $context = Connect-Compass -BaseUrl $server.BaseUrl -ApiKey (ConvertTo-SecureString $server.ProjectKey -AsPlainText -Force) -PassThru
    $researchDeploymentId = '33333333-3333-4333-8333-333333333333'

    # The server's own answer, to check what the cmdlets did without going through them.
    function Invoke-Api([string]$Method, [string]$Path, $Body) { Invoke-CompassTestApi $server $server.ProjectKey $Method $Path $Body }

    function ConversationTotal { (Invoke-Api GET '/v1/conversations/?limit=1').total }

    # A chat agent on the built-in local model; the local model quotes the earlier turns it is shown.
    function New-ChatAgent([string]$Name, [bool]$History) {
        $definition = New-CompassTestChatAgentDefinition $Name -ConversationHistory $History
        $workflow = Invoke-Api POST '/v1/workflows/' @{ name = $Name; type = 'agent'; definition = $definition }
        $deployment = Invoke-Api POST "/v1/workflows/$($workflow.id)/deploy"
        [pscustomobject]@{ WorkflowId = $workflow.id; DeploymentId = $deployment.id }
    }

    $rememberingAgent = New-ChatAgent 'chat-remembers' $true
    $forgetfulAgent = New-ChatAgent 'chat-forgets' $false
}

AfterAll {
    Stop-CompassTestServer $server
}

Describe 'New-CompassConversation' {
    It 'creates a conversation with a deployment, titled' {
        $conversation = New-CompassConversation -Context $context -DeploymentId $rememberingAgent.DeploymentId -Title 'support chat'

        $conversation.PSObject.TypeNames[0] | Should -Be 'CompassPS.Conversation'
        $conversation.Title | Should -Be 'support chat'
        $conversation.DeploymentId | Should -Be $rememberingAgent.DeploymentId
        $conversation.WorkflowId | Should -Be $rememberingAgent.WorkflowId
        $conversation.RunCount | Should -Be 0
        (Invoke-Api GET "/v1/conversations/$($conversation.Id)").title | Should -Be 'support chat'
    }

    It 'creates a conversation with a workflow (its draft)' {
        $conversation = New-CompassConversation -Context $context -WorkflowId $forgetfulAgent.WorkflowId
        $conversation.WorkflowId | Should -Be $forgetfulAgent.WorkflowId
        $conversation.DeploymentId | Should -BeNullOrEmpty
    }

    It 'binds a piped deployment as the deployment and a piped workflow as the workflow' {
        $fromDeployment = Get-CompassDeployment -Context $context -Id $rememberingAgent.DeploymentId | New-CompassConversation -Context $context
        $fromDeployment.DeploymentId | Should -Be $rememberingAgent.DeploymentId

        $workflow = Get-CompassWorkflow -Context $context | Where-Object Id -EQ $forgetfulAgent.WorkflowId
        $fromWorkflow = $workflow | New-CompassConversation -Context $context -Title 'from a workflow'
        $fromWorkflow.WorkflowId | Should -Be $forgetfulAgent.WorkflowId
        $fromWorkflow.DeploymentId | Should -BeNullOrEmpty
    }

    It 'binds WorkflowId and DeploymentId by property name from other objects' {
        $byWorkflow = [pscustomobject]@{ WorkflowId = $forgetfulAgent.WorkflowId } | New-CompassConversation -Context $context
        $byWorkflow.WorkflowId | Should -Be $forgetfulAgent.WorkflowId
        $byDeployment = [pscustomobject]@{ DeploymentId = $rememberingAgent.DeploymentId } | New-CompassConversation -Context $context
        $byDeployment.DeploymentId | Should -Be $rememberingAgent.DeploymentId
    }

    It 'creates nothing with -WhatIf' {
        $before = ConversationTotal
        $result = New-CompassConversation -Context $context -DeploymentId $rememberingAgent.DeploymentId -Title 'never' -WhatIf
        $result | Should -BeNullOrEmpty
        ConversationTotal | Should -Be $before
    }

    It 'reports an unknown workflow as CompassPS.NotFound' {
        $before = ConversationTotal
        New-CompassConversation -Context $context -WorkflowId ([guid]::NewGuid()) -ErrorVariable failures -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'CompassPS.NotFound,*'
        ConversationTotal | Should -Be $before
    }
}

Describe 'Get-CompassConversation' {
    BeforeAll {
        $first = New-CompassConversation -Context $context -DeploymentId $rememberingAgent.DeploymentId -Title 'alpha'
        $second = New-CompassConversation -Context $context -WorkflowId $forgetfulAgent.WorkflowId -Title 'beta'
    }

    It 'gets conversations by id, by value and by property name from the pipeline' {
        (Get-CompassConversation -Context $context -Id $first.Id).Title | Should -Be 'alpha'
        @($first.Id, $second.Id | Get-CompassConversation -Context $context).Title | Should -Be @('alpha', 'beta')
        @($first, $second | Get-CompassConversation -Context $context).Title | Should -Be @('alpha', 'beta')
    }

    It 'lists newest first and filters by workflow and deployment' {
        $all = @(Get-CompassConversation -Context $context)
        $all[0].Id | Should -Be $second.Id
        $all.Count | Should -Be (ConversationTotal)

        $forWorkflow = @(Get-CompassConversation -Context $context -WorkflowId $forgetfulAgent.WorkflowId)
        $forWorkflow.Id | Should -Contain $second.Id
        $forWorkflow.WorkflowId | Sort-Object -Unique | Should -Be $forgetfulAgent.WorkflowId

        $forDeployment = @(Get-CompassConversation -Context $context -DeploymentId $rememberingAgent.DeploymentId)
        $forDeployment.Id | Should -Contain $first.Id
        $forDeployment.DeploymentId | Sort-Object -Unique | Should -Be $rememberingAgent.DeploymentId
    }

    It 'pages with -First and -Skip across more than one page' {
        # The module asks for 100 items a page: make sure the list is longer than that.
        $missing = 105 - (ConversationTotal)
        for ($i = 0; $i -lt $missing; $i++) { $null = Invoke-Api POST '/v1/conversations/' @{ title = "bulk $i"; workflow_id = $forgetfulAgent.WorkflowId } }
        $expected = @((Invoke-Api GET '/v1/conversations/?limit=200').items.id)

        $window = @(Get-CompassConversation -Context $context -Skip 98 -First 5)
        $window.Id | Should -Be $expected[98..102]
        @(Get-CompassConversation -Context $context -First 102).Id | Should -Be $expected[0..101]
        @(Get-CompassConversation -Context $context -Skip 100).Count | Should -Be ($expected.Count - 100)
    }

    It 'reports an unknown id as CompassPS.NotFound and goes on with the next' {
        $found = @(Get-CompassConversation -Context $context -Id ([guid]::NewGuid()), $first.Id -ErrorVariable failures -ErrorAction SilentlyContinue)
        $found.Id | Should -Be @($first.Id)
        $failures.Count | Should -Be 1
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'CompassPS.NotFound,*'
    }
}

Describe 'Remove-CompassConversation' {
    It 'confirms by default (ConfirmImpact High)' {
        Get-CompassTestConfirmImpact Remove-CompassConversation | Should -Be 'High'
    }

    It 'removes nothing with -WhatIf' {
        $conversation = New-CompassConversation -Context $context -WorkflowId $forgetfulAgent.WorkflowId -Title 'keep me'
        $conversation | Remove-CompassConversation -Context $context -WhatIf
        (Invoke-Api GET "/v1/conversations/$($conversation.Id)").id | Should -Be $conversation.Id
    }

    It 'removes piped conversations and keeps their runs' {
        $conversation = New-CompassConversation -Context $context -DeploymentId $rememberingAgent.DeploymentId -Title 'remove me'
        $reply = Send-CompassMessage -Context $context -ConversationId $conversation.Id -Message 'hello' -Quiet
        $other = New-CompassConversation -Context $context -WorkflowId $forgetfulAgent.WorkflowId -Title 'remove me too'

        $conversation, $other | Remove-CompassConversation -Context $context -Confirm:$false

        { Invoke-Api GET "/v1/conversations/$($conversation.Id)" } | Should -Throw
        { Invoke-Api GET "/v1/conversations/$($other.Id)" } | Should -Throw
        (Invoke-Api GET "/v1/runs/$($reply.RunId)").id | Should -Be $reply.RunId
    }

    It 'reports an unknown id as CompassPS.NotFound' {
        Remove-CompassConversation -Context $context -Id ([guid]::NewGuid()) -Confirm:$false -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'CompassPS.NotFound,*'
    }
}

Describe 'Send-CompassMessage' {
    It 'holds a two-turn conversation in which the agent sees the first turn' {
        $conversation = New-CompassConversation -Context $context -DeploymentId $rememberingAgent.DeploymentId -Title 'two turns'

        $first = Send-CompassMessage -Context $context -ConversationId $conversation.Id -Message 'My name is Ada.' -Quiet
        $second = Send-CompassMessage -Context $context -ConversationId $conversation.Id -Message 'What is my name?' -Quiet

        $first.PSObject.TypeNames[0] | Should -Be 'CompassPS.MessageReply'
        $first.Status | Should -Be 'completed'
        $first.Text | Should -BeLike '*My name is Ada.*'
        $first.Text | Should -Not -BeLike '*Earlier in this conversation*'
        $second.Status | Should -Be 'completed'
        $second.Message | Should -Be 'What is my name?'
        $second.Text | Should -BeLike '*What is my name?*Earlier in this conversation (1 turn) you said: "My name is Ada."*'

        # The reply is the run's: same id, same output, in this conversation, with its tokens.
        $run = Get-CompassRun -Context $context -Id $second.RunId
        $run.ConversationId | Should -Be $conversation.Id
        $run.DeploymentId | Should -Be $rememberingAgent.DeploymentId
        $run.Output | Should -Be $second.Text
        $second.TotalTokens | Should -BeGreaterThan 0
        $second.TotalTokens | Should -Be $run.TotalTokens
        $second.ConversationId | Should -Be $conversation.Id
        (Get-CompassConversation -Context $context -Id $conversation.Id).RunCount | Should -Be 2
        # A reply binds to the other nouns by its RunId and ConversationId.
        ($second | Get-CompassRun -Context $context).Id | Should -Be $second.RunId
        ($second | Get-CompassConversation -Context $context).Id | Should -Be $conversation.Id
        @(Get-CompassRun -Context $context -ConversationId $conversation.Id).Id | Sort-Object | Should -Be (@($first.RunId, $second.RunId) | Sort-Object)
    }

    It 'does not show earlier turns to an agent without conversation_history' {
        $conversation = New-CompassConversation -Context $context -DeploymentId $forgetfulAgent.DeploymentId
        $null = Send-CompassMessage -Context $context -ConversationId $conversation.Id -Message 'My name is Ada.' -Quiet
        $second = Send-CompassMessage -Context $context -ConversationId $conversation.Id -Message 'What is my name?' -Quiet
        $second.Text | Should -Not -BeLike '*Ada*'
    }

    It 'runs the workflow draft when the conversation is with a workflow' {
        $conversation = New-CompassConversation -Context $context -WorkflowId $rememberingAgent.WorkflowId
        $reply = Send-CompassMessage -Context $context -ConversationId $conversation.Id -Message 'draft?' -Quiet
        $run = Get-CompassRun -Context $context -Id $reply.RunId
        $run.WorkflowId | Should -Be $rememberingAgent.WorkflowId
        $run.Trigger | Should -Be 'test'
        $reply.Text | Should -BeLike '*draft?*'
    }

    It 'streams the answer live to the Information stream, and not with -Quiet' {
        $conversation = New-CompassConversation -Context $context -DeploymentId $rememberingAgent.DeploymentId
        $all = @(Send-CompassMessage -Context $context -ConversationId $conversation.Id -Message 'stream this please' 6>&1)
        $reply = @($all | Where-Object { $_ -isnot [System.Management.Automation.InformationRecord] })
        $live = @($all | Where-Object { $_ -is [System.Management.Automation.InformationRecord] })

        $reply.Count | Should -Be 1
        $live.Count | Should -BeGreaterThan 3
        $live.Tags | Should -Contain 'CompassPS.Live'
        $streamed = -join ($live | ForEach-Object { $_.MessageData.Message } | Select-Object -Skip 0)
        $streamed | Should -BeLike "*$($reply[0].Text)*"
        $streamed | Should -BeLike "*Run $($reply[0].RunId) started*"

        $quiet = @(Send-CompassMessage -Context $context -ConversationId $conversation.Id -Message 'quietly' -Quiet 6>&1)
        $quiet.Count | Should -Be 1
        $quiet[0].Text | Should -BeLike '*quietly*'
    }

    It 'binds a piped conversation by its Id, and messages by property name' {
        $conversation = New-CompassConversation -Context $context -DeploymentId $rememberingAgent.DeploymentId
        $reply = $conversation | Send-CompassMessage -Context $context -Message 'piped conversation' -Quiet
        $reply.ConversationId | Should -Be $conversation.Id

        $turns = @(
            [pscustomobject]@{ ConversationId = $conversation.Id; Message = 'row one' }
            [pscustomobject]@{ ConversationId = $conversation.Id; Message = 'row two' }
        )
        $replies = @($turns | Send-CompassMessage -Context $context -Quiet)
        $replies.Message | Should -Be @('row one', 'row two')
        $replies[1].Text | Should -BeLike '*row two*Earlier in this conversation (2 turns) you said: "row one"*'
    }

    It 'sends a message that looks like JSON as text' {
        $conversation = New-CompassConversation -Context $context -DeploymentId $rememberingAgent.DeploymentId
        $reply = Send-CompassMessage -Context $context -ConversationId $conversation.Id -Message '{"not": "an object"}' -Quiet
        $reply.Status | Should -Be 'completed'
        (Get-CompassRun -Context $context -Id $reply.RunId).InputData | Should -Be '{"not": "an object"}'
    }

    It 'dispatches nothing with -WhatIf' {
        $conversation = New-CompassConversation -Context $context -DeploymentId $rememberingAgent.DeploymentId
        $result = Send-CompassMessage -Context $context -ConversationId $conversation.Id -Message 'never sent' -WhatIf
        $result | Should -BeNullOrEmpty
        (Invoke-Api GET "/v1/conversations/$($conversation.Id)").run_count | Should -Be 0
        (Invoke-Api GET "/v1/runs/?conversation_id=$($conversation.Id)").total | Should -Be 0
    }

    It 'reports an unknown conversation as CompassPS.NotFound' {
        Send-CompassMessage -Context $context -ConversationId ([guid]::NewGuid()) -Message 'anyone?' -Quiet -ErrorVariable failures -ErrorAction SilentlyContinue |
            Should -BeNullOrEmpty
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'CompassPS.NotFound,*'
    }

    It 'returns a failed turn with its error and writes CompassPS.RunNotCompleted' {
        # The demo research workflow wants an object with a topic: a chat message makes its run fail.
        $conversation = New-CompassConversation -Context $context -DeploymentId $researchDeploymentId
        $reply = Send-CompassMessage -Context $context -ConversationId $conversation.Id -Message 'no topic here' -Quiet -ErrorVariable failures -ErrorAction SilentlyContinue

        $reply.Status | Should -Be 'failed'
        $reply.Error | Should -Not -BeNullOrEmpty
        $failures.Count | Should -Be 1
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'CompassPS.RunNotCompleted,*'
        $failures[0].TargetObject.RunId | Should -Be $reply.RunId
        $failures[0].Exception.Message | Should -BeLike "*$($reply.RunId)*failed*"
    }
}

Describe 'Conversation id completion' {
    BeforeAll {
        $titled = New-CompassConversation -Context $context -DeploymentId $rememberingAgent.DeploymentId -Title 'zebra crossing'
    }

    It 'completes ids from the default context, matching on the title and showing it' {
        Connect-Compass -BaseUrl $server.BaseUrl -ApiKey (ConvertTo-SecureString $server.ProjectKey -AsPlainText -Force)
        try {
            $matches = @(Get-CompassTestCompletion 'Send-CompassMessage -ConversationId zebra')
            $matches.Count | Should -Be 1
            $matches[0].CompletionText | Should -Be $titled.Id
            $matches[0].ListItemText | Should -BeLike 'zebra crossing*'

            $byId = @(Get-CompassTestCompletion "Get-CompassConversation -Id $($titled.Id.Substring(0, 8))")
            $byId.CompletionText | Should -Contain $titled.Id
            @(Get-CompassTestCompletion "Remove-CompassConversation -Id $($titled.Id.Substring(0, 8))").CompletionText | Should -Contain $titled.Id
        }
        finally {
            Disconnect-Compass
        }
    }

    It 'completes from COMPASS_BASE_URL and COMPASS_API_KEY when there is no default context' {
        $saved = @{ COMPASS_BASE_URL = $env:COMPASS_BASE_URL; COMPASS_API_KEY = $env:COMPASS_API_KEY }
        try {
            $env:COMPASS_BASE_URL = $server.BaseUrl
            $env:COMPASS_API_KEY = $server.ProjectKey
            @(Get-CompassTestCompletion 'Send-CompassMessage -ConversationId zebra').CompletionText | Should -Be @($titled.Id)
        }
        finally {
            foreach ($name in $saved.Keys) {
                if ($null -eq $saved[$name]) { Remove-Item "env:$name" -ErrorAction SilentlyContinue } else { Set-Item "env:$name" $saved[$name] }
            }
        }
    }

    It 'offers nothing, and no error, without a context or when the server does not answer' {
        $Error.Clear()
        @(Get-CompassTestCompletion 'Get-CompassConversation -Id z').Count | Should -Be 0

        $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $listener.Start()
        $closedPort = $listener.LocalEndpoint.Port
        $listener.Stop()
        Connect-Compass -BaseUrl "http://127.0.0.1:$closedPort" -ApiKey (ConvertTo-SecureString 'x' -AsPlainText -Force) -SkipCheck
        try {
            @(Get-CompassTestCompletion 'Get-CompassConversation -Id z').Count | Should -Be 0
        }
        finally {
            Disconnect-Compass
        }
        $Error.Count | Should -Be 0
    }
}
