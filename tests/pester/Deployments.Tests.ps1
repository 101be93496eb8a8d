# Deployments: Get-, Suspend-, Resume-, Set-CompassDeployment, the deployment id completer, and the pipelines into
# Start-CompassRun, end to end against one local server (checked on the server through its own HTTP API).

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'Common/CompassPS.TestCommon.psm1') -Force
    Import-CompassTestModule

    $server = Start-CompassTestServer -ArgumentList '--delay-scale', '0'
    $secretKey = $server.ProjectKey
    Connect-Compass -BaseUrl $server.BaseUrl -ApiKey (ConvertTo-SecureString $secretKey -AsPlainText -Force)

    $researchDeploymentId = '33333333-3333-4333-8333-333333333333'
    $lookupId = '44444444-4444-4444-8444-444444444444'
    $lookupDeploymentId = '55555555-5555-4555-8555-555555555555'

    function Invoke-Server([string]$Path, [string]$Method = 'Get', $Body) { Invoke-CompassTestApi $server $secretKey $Method $Path $Body -WithStatus }

    # A valid workflow whose output names the text it was published with, so a run shows which version ran.
    function New-Definition([string]$Name, [string]$Template = 'About {{topic}}') { New-CompassTestDefinition $Name $Template }

    # A workflow published twice: v1 answers "First ...", v2 "Second ...".
    function New-TwoVersionDeployment([string]$Name) {
        $workflow = New-CompassWorkflow -Name $Name -Definition (New-Definition $Name 'First {{topic}}')
        $null = $workflow | Publish-CompassWorkflow
        $workflow | Set-CompassWorkflow -Definition (New-Definition $Name 'Second {{topic}}')
        $workflow | Publish-CompassWorkflow
    }
}

AfterAll {
    Disconnect-Compass -ErrorAction SilentlyContinue
    Stop-CompassTestServer $server
}

Describe 'Get-CompassDeployment' {
    It 'lists the deployments as typed objects' {
        $all = @(Get-CompassDeployment)
        $all.Id | Should -Contain $researchDeploymentId
        $all[0].PSObject.TypeNames | Should -Contain 'CompassPS.Deployment'
        ($all | Where-Object Id -EQ $lookupDeploymentId).Name | Should -Be 'demo-lookup'
    }

    It 'gets deployments by id, positionally, by -Id and from the pipeline' {
        (Get-CompassDeployment $researchDeploymentId).Name | Should -Be 'demo-research'
        (Get-CompassDeployment -Id $lookupDeploymentId).LiveVersion | Should -Be 1
        @($researchDeploymentId, $lookupDeploymentId | Get-CompassDeployment).Name | Should -Be @('demo-research', 'demo-lookup')
    }

    It 'binds a workflow''s DeploymentId from the pipeline' {
        (Get-CompassWorkflow -Id $lookupId | Get-CompassDeployment).Id | Should -Be $lookupDeploymentId
    }

    It 'filters by -Name (wildcards), -WorkflowId and -Status' {
        @(Get-CompassDeployment -Name 'DEMO-L*').Id | Should -Be @($lookupDeploymentId)
        @(Get-CompassDeployment -Name 'demo-research').Id | Should -Be @($researchDeploymentId)
        @(Get-CompassDeployment -WorkflowId $lookupId).Id | Should -Be @($lookupDeploymentId)
        $paused = New-CompassWorkflow -Name 'filter-paused' -Definition (New-Definition 'filter-paused') | Publish-CompassWorkflow
        $paused | Suspend-CompassDeployment
        @(Get-CompassDeployment -Status paused).Id | Should -Contain $paused.Id
        @(Get-CompassDeployment -Status active).Id | Should -Not -Contain $paused.Id
    }

    It 'writes CompassPS.NotFound for an unknown id and goes on with the next' {
        $found = @('00000000-0000-4000-8000-000000000000', $lookupDeploymentId | Get-CompassDeployment -ErrorVariable failures -ErrorAction SilentlyContinue)
        $found.Id | Should -Be @($lookupDeploymentId)
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'CompassPS.NotFound*'
    }
}

Describe 'Paging of Get-CompassDeployment over more than one page' {
    BeforeAll {
        # The module asks for 100 items a page: 101 more deployments make the list span two pages.
        1..101 | ForEach-Object {
            $created = (Invoke-Server '/v1/workflows/' -Method Post -Body @{ name = ('paged-{0:000}' -f $_); definition = (New-Definition 'paged') }).Body
            $null = Invoke-Server "/v1/workflows/$($created.id)/deploy" -Method Post
        }
        $serverIds = [System.Collections.Generic.List[string]]::new()
        (Invoke-Server '/v1/deployments/?limit=200').Body.items | ForEach-Object { $serverIds.Add($_.id) }
    }

    It 'lists every deployment in the server''s order' {
        @(Get-CompassDeployment | ForEach-Object Id) | Should -Be $serverIds.ToArray()
    }

    It '-First and -Skip take a window across the page boundary' {
        @(Get-CompassDeployment -Skip 97 -First 6 | ForEach-Object Id) | Should -Be $serverIds.GetRange(97, 6).ToArray()
        @(Get-CompassDeployment -First 102 | ForEach-Object Id) | Should -Be $serverIds.GetRange(0, 102).ToArray()
        @(Get-CompassDeployment -Name 'paged-*' -Skip 100 | ForEach-Object Name) | Should -Be @('paged-001')
    }
}

Describe 'Suspend-CompassDeployment and Resume-CompassDeployment' {
    BeforeEach {
        $deployment = New-CompassWorkflow -Name "pause-$(New-Guid)" -Definition (New-Definition 'pause') | Publish-CompassWorkflow
    }

    It 'pauses: a dispatch is then refused with CompassPS.Conflict; resuming lets runs in again' {
        $deployment | Suspend-CompassDeployment
        (Invoke-Server "/v1/deployments/$($deployment.Id)").Body.status | Should -Be 'paused'

        $deployment | Start-CompassRun -InputData @{ topic = 'x' } -ErrorVariable failures -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $failures | Should -HaveCount 1
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'CompassPS.Conflict*'
        (Invoke-Server "/v1/runs/?deployment_id=$($deployment.Id)").Body.items | Should -HaveCount 0

        $resumed = $deployment | Resume-CompassDeployment -PassThru
        $resumed.Status | Should -Be 'active'
        ($deployment | Start-CompassRun -InputData @{ topic = 'x' } -Wait).Status | Should -Be 'completed'
    }

    It '-PassThru writes the deployment; without it nothing is written' {
        $deployment | Suspend-CompassDeployment | Should -BeNullOrEmpty
        $paused = Suspend-CompassDeployment -Id $deployment.Id -PassThru
        $paused.PSObject.TypeNames | Should -Contain 'CompassPS.Deployment'
        $paused.Status | Should -Be 'paused'
    }

    It 'binds a workflow''s DeploymentId from the pipeline' {
        Get-CompassWorkflow -Id $deployment.WorkflowId | Suspend-CompassDeployment
        (Invoke-Server "/v1/deployments/$($deployment.Id)").Body.status | Should -Be 'paused'
    }

    It '-WhatIf changes nothing' {
        $deployment | Suspend-CompassDeployment -WhatIf
        (Invoke-Server "/v1/deployments/$($deployment.Id)").Body.status | Should -Be 'active'
        $null = Invoke-Server "/v1/deployments/$($deployment.Id)" -Method Patch -Body @{ status = 'paused' }
        $deployment | Resume-CompassDeployment -WhatIf
        (Invoke-Server "/v1/deployments/$($deployment.Id)").Body.status | Should -Be 'paused'
    }

    It 'writes CompassPS.NotFound for an unknown deployment' {
        Suspend-CompassDeployment -Id '00000000-0000-4000-8000-000000000000' -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'CompassPS.NotFound*'
    }
}

Describe 'Set-CompassDeployment' {
    It 'promotes an older version (roll back) and back again; runs use the live version' {
        $deployment = New-TwoVersionDeployment 'promote-me'
        $deployment.LiveVersion | Should -Be 2

        $rolledBack = $deployment | Set-CompassDeployment -LiveVersion 1 -PassThru
        $rolledBack.LiveVersion | Should -Be 1
        (Get-CompassWorkflowVersion $deployment.WorkflowId -Live).Version | Should -Be 1
        $run = $deployment | Start-CompassRun -InputData @{ topic = 'tides' } -Wait
        ($run.Version, $run.Output) | Should -Be @(1, 'First tides')

        $deployment | Set-CompassDeployment -LiveVersion 2
        (Invoke-Server "/v1/deployments/$($deployment.Id)").Body.live_version | Should -Be 2
        ($deployment | Start-CompassRun -InputData @{ topic = 'tides' } -Wait).Output | Should -Be 'Second tides'
    }

    It 'sets the status' {
        $deployment = New-CompassWorkflow -Name 'archive-me' -Definition (New-Definition 'archive-me') | Publish-CompassWorkflow
        Set-CompassDeployment -Id $deployment.Id -Status archived
        (Invoke-Server "/v1/deployments/$($deployment.Id)").Body.status | Should -Be 'archived'
    }

    It '-WhatIf changes nothing' {
        $deployment = New-TwoVersionDeployment 'promote-what-if'
        $deployment | Set-CompassDeployment -LiveVersion 1 -Status paused -WhatIf
        $onServer = (Invoke-Server "/v1/deployments/$($deployment.Id)").Body
        ($onServer.live_version, $onServer.status) | Should -Be @(2, 'active')
    }

    It 'refuses a version that does not exist with CompassPS.ValidationFailed, naming it' {
        Set-CompassDeployment -Id $lookupDeploymentId -LiveVersion 99 -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'CompassPS.ValidationFailed*'
        "$($failures[0])" | Should -BeLike '*99*'
        (Invoke-Server "/v1/deployments/$lookupDeploymentId").Body.live_version | Should -Be 1
    }

    It 'refuses a call that changes nothing (CompassPS.InvalidInput)' {
        { Set-CompassDeployment -Id $lookupDeploymentId -ErrorAction Stop } | Should -Throw -ErrorId 'CompassPS.InvalidInput*'
    }
}

Describe 'Pipelines into Start-CompassRun' {
    It 'Get-CompassDeployment | Start-CompassRun runs the deployment''s live version' {
        $runs = @(Get-CompassDeployment -Name 'demo-lookup' | Start-CompassRun -InputData @{ query = 'whales' } -Wait)
        $runs | Should -HaveCount 1
        $runs[0].DeploymentId | Should -Be $lookupDeploymentId
        $runs[0].Trigger | Should -Be 'manual'
        $runs[0].Status | Should -Be 'completed'
        $runs[0].Output | Should -BeLike '*whales*'
    }

    It 'Get-CompassWorkflow | Start-CompassRun runs the draft' {
        $workflow = New-CompassWorkflow -Name 'draft-run' -Definition (New-Definition 'draft-run' 'Draft {{topic}}')
        $run = Get-CompassWorkflow -Id $workflow.Id | Start-CompassRun -InputData @{ topic = 'x' } -Wait
        $run.WorkflowId | Should -Be $workflow.Id
        $run.Trigger | Should -Be 'test'
        $run.Output | Should -Be 'Draft x'
    }
}

Describe 'The deployment id completer' {
    It 'completes ids from names, showing the names' -ForEach @(
        @{ Command = 'Get-CompassDeployment -Id demo-look' }
        @{ Command = 'Suspend-CompassDeployment demo-look' }
        @{ Command = 'Resume-CompassDeployment -DeploymentId demo-look' }
        @{ Command = 'Set-CompassDeployment -Id demo-look' }
    ) {
        $completion = TabExpansion2 -inputScript $Command -cursorColumn $Command.Length
        $completion.CompletionMatches.CompletionText | Should -Be @($lookupDeploymentId)
        $completion.CompletionMatches[0].ListItemText | Should -BeLike 'demo-lookup*'
    }

    It 'uses COMPASS_BASE_URL and COMPASS_API_KEY when there is no default context' {
        try {
            Disconnect-Compass
            $env:COMPASS_BASE_URL = $server.BaseUrl
            $env:COMPASS_API_KEY = $secretKey
            $line = 'Get-CompassDeployment -Id demo-res'
            (Get-CompassTestCompletion $line).CompletionText | Should -Be @($researchDeploymentId)
        }
        finally {
            Remove-Item env:COMPASS_BASE_URL, env:COMPASS_API_KEY -ErrorAction SilentlyContinue
            Connect-Compass -BaseUrl $server.BaseUrl -ApiKey (ConvertTo-SecureString $secretKey -AsPlainText -Force)
        }
    }

    It 'offers nothing, and no error, without a context' {
        try {
            Disconnect-Compass
            $Error.Clear()
            $line = 'Suspend-CompassDeployment -Id demo'
            (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches | Should -HaveCount 0
            $Error | Should -HaveCount 0
        }
        finally {
            Connect-Compass -BaseUrl $server.BaseUrl -ApiKey (ConvertTo-SecureString $secretKey -AsPlainText -Force)
        }
    }
}

Describe 'Secrets' {
    It 'never shows the API key in any stream, errors included' {
        $output = & {
            Get-CompassDeployment -First 2 -Verbose -Debug
            Suspend-CompassDeployment -Id $lookupDeploymentId -PassThru -Verbose -Debug
            Start-CompassRun -DeploymentId $lookupDeploymentId -InputData @{ query = 'x' } -Verbose -Debug -ErrorAction Continue
            Resume-CompassDeployment -Id $lookupDeploymentId -Verbose -Debug
            Set-CompassDeployment -Id $lookupDeploymentId -LiveVersion 42 -Verbose -Debug -ErrorAction Continue
            Get-CompassDeployment -Id '00000000-0000-4000-8000-000000000000' -Verbose -Debug -ErrorAction Continue
        } *>&1 | Out-String -Width 500
        $output | Should -BeLike '*DEPLOYMENT_NOT_ACTIVE*'
        $output | Should -Not -BeLike "*$secretKey*"
    }
}
