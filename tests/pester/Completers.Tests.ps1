# Every parameter that takes the id of a server object completes it from the server, showing names; and a
# completion never shows an error or a prompt.

BeforeDiscovery {
    $repositoryRoot = Resolve-Path (Join-Path $PSScriptRoot '../..')
    $modulePath = if ($env:COMPASSPS_MODULE) { $env:COMPASSPS_MODULE } else { Join-Path $repositoryRoot 'out/CompassPS/CompassPS.psd1' }
    Import-Module $modulePath
    # Parameters named for another object's id; a cmdlet's own -Id is completed where its noun has a completer.
    $idParameterNames = 'WorkflowId', 'DeploymentId', 'ConversationId', 'ConnectionId', 'GatewayId', 'Provider'
    $idParameters = foreach ($command in Get-Command -Module CompassPS) {
        foreach ($parameter in $command.Parameters.Values | Where-Object Name -In $idParameterNames) {
            @{ Command = $command.Name; Parameter = $parameter.Name }
        }
    }
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'Common/CompassPS.TestCommon.psm1') -Force
    Import-CompassTestModule
    $server = Start-CompassTestServer -ArgumentList '--delay-scale', '0'
    Connect-Compass -BaseUrl $server.BaseUrl -ApiKey (ConvertTo-SecureString $server.ProjectKey -AsPlainText -Force)
}

AfterAll {
    Disconnect-Compass -ErrorAction SilentlyContinue
    Stop-CompassTestServer $server
}

Describe 'Id parameters' {
    It '<Command> -<Parameter> has an argument completer' -ForEach $idParameters {
        $attributes = (Get-Command $Command).Parameters[$Parameter].Attributes
        $attributes.Where({ $_ -is [System.Management.Automation.ArgumentCompleterAttribute] }) | Should -Not -BeNullOrEmpty
    }
}

Describe 'Completion from the server' {
    It 'offers the seeded deployment by id with its name for New-CompassConversation -DeploymentId' {
        $completions = Get-CompassTestCompletion 'New-CompassConversation -DeploymentId 3333'
        $match = $completions | Where-Object CompletionText -Like '33333333-*'
        $match | Should -Not -BeNullOrEmpty
        $match.ToolTip + $match.ListItemText | Should -Match 'demo-research'
    }

    It 'offers the local provider for New-CompassAgent -Provider' {
        (Get-CompassTestCompletion 'New-CompassAgent -Provider 1111').CompletionText | Should -Contain '11111111-1111-4111-8111-111111111111'
    }

    It 'offers conversations for Start-CompassRun -ConversationId' {
        $conversation = New-CompassConversation -Title 'completer check' -DeploymentId '33333333-3333-4333-8333-333333333333'
        (Get-CompassTestCompletion "Start-CompassRun -DeploymentId x -ConversationId $($conversation.Id.Substring(0, 8))").CompletionText |
            Should -Contain $conversation.Id
    }

    It 'offers nothing, and shows no error, when the server is gone' {
        $gone = Connect-Compass -BaseUrl 'http://127.0.0.1:9' -ApiKey (ConvertTo-SecureString 'x' -AsPlainText -Force) -SkipCheck -PassThru
        try {
            $Error.Clear()
            Get-CompassTestCompletion 'Get-CompassConversation -WorkflowId ' | Should -BeNullOrEmpty
            $Error | Should -BeNullOrEmpty
        }
        finally { Connect-Compass -BaseUrl $server.BaseUrl -ApiKey (ConvertTo-SecureString $server.ProjectKey -AsPlainText -Force) }
    }
}
