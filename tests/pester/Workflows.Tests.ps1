# Workflows and agents: Get-/New-/Set-/Remove-/Test-/Publish-CompassWorkflow, Get-CompassWorkflowVersion, New-CompassAgent
# and the workflow id completer, end to end against one local server (checked on the server through its own HTTP API).

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'Common/CompassPS.TestCommon.psm1') -Force
    Import-CompassTestModule

    $server = Start-CompassTestServer -ArgumentList '--delay-scale', '0'
    $secretKey = $server.ProjectKey
    Connect-Compass -BaseUrl $server.BaseUrl -ApiKey (ConvertTo-SecureString $secretKey -AsPlainText -Force)

    $providerId = '11111111-1111-4111-8111-111111111111'
    $lookupId = '44444444-4444-4444-8444-444444444444'
    $researchId = '22222222-2222-4222-8222-222222222222'

    # The server's own view, independent of the module under test.
    function Invoke-Server([string]$Path, [string]$Method = 'Get', $Body) { Invoke-CompassTestApi $server $secretKey $Method $Path $Body -WithStatus }
    function Get-ServerWorkflow([string]$Name) { @((Invoke-Server "/v1/workflows/?name=$([uri]::EscapeDataString($Name))").Body.items) }

    # A valid workflow: input topic -> prompt -> output.
    function New-Definition([string]$Name, [string]$Template = 'About {{topic}}') { New-CompassTestDefinition $Name $Template }

    # Parses, but has no Output node: MISSING_OUTPUT. Also warns nothing.
    $brokenDefinition = @'
name: broken
type: workflow
nodes:
  - id: input
    type: component
    component_type: input
'@

    # Calls another workflow as a node, so a publish pins that workflow's live version.
    function New-CallerDefinition([string]$Name, [string]$CalleeId) { New-CompassTestDefinition $Name -CalleeId $CalleeId }
}

AfterAll {
    Disconnect-Compass -ErrorAction SilentlyContinue
    Stop-CompassTestServer $server
}

Describe 'New-CompassWorkflow' {
    It 'creates a workflow from definition text' {
        $text = New-Definition 'created-from-text'
        $workflow = New-CompassWorkflow -Name 'created-from-text' -Definition $text -Description 'made by a test'

        $workflow.PSObject.TypeNames | Should -Contain 'CompassPS.Workflow'
        $workflow.Name | Should -Be 'created-from-text'
        $workflow.Type | Should -Be 'workflow'
        $workflow.Description | Should -Be 'made by a test'
        $workflow.LatestVersion | Should -BeNullOrEmpty
        $onServer = Get-ServerWorkflow 'created-from-text'
        $onServer.id | Should -Be $workflow.Id
        $onServer.definition | Should -Be $text
    }

    It 'creates from a YAML file named by -Path, named after the file by default' {
        $file = Join-Path $TestDrive 'from-yaml-file.yaml'
        Set-Content $file (New-Definition 'ignored')

        $workflow = New-CompassWorkflow -Path $file

        $workflow.Name | Should -Be 'from-yaml-file'
        (Get-ServerWorkflow 'from-yaml-file').definition | Should -Be (Get-Content $file -Raw)
    }

    It 'creates one workflow per file piped from Get-ChildItem' {
        $folder = New-Item -ItemType Directory (Join-Path $TestDrive 'many')
        'piped-a', 'piped-b' | ForEach-Object { Set-Content (Join-Path $folder "$_.yml") (New-Definition $_) }

        $created = @(Get-ChildItem $folder -Filter *.yml | New-CompassWorkflow -Type workflow)

        @($created.Name | Sort-Object) | Should -Be @('piped-a', 'piped-b')
        Get-ServerWorkflow 'piped-a' | Should -HaveCount 1
        Get-ServerWorkflow 'piped-b' | Should -HaveCount 1
    }

    It 'sends a hashtable definition as JSON' {
        $definition = @{
            name  = 'from-hashtable'
            type  = 'workflow'
            nodes = @(
                @{ id = 'input'; type = 'component'; component_type = 'input' }
                @{ id = 'output'; type = 'component'; component_type = 'output'; inputs = @{ value = @{ kind = 'ref'; source = 'input' } } }
            )
        }
        $workflow = New-CompassWorkflow -Name 'from-hashtable' -Definition $definition

        $parsed = $workflow.Definition | ConvertFrom-Json
        $parsed.nodes | Should -HaveCount 2
        ($workflow | Test-CompassWorkflow).Valid | Should -BeTrue
    }

    It 'takes the type from the definition when -Type is not given' {
        $agentYaml = Join-Path $TestDrive 'typed-agent.yaml'
        Set-Content $agentYaml @"
name: typed-agent
type: agent   # an agent, not a workflow
nodes:
  - id: input
    type: component
    component_type: input
    config: { type: chat }
  - id: agent
    type: agent
    model: { connection_id: $providerId }
    system_prompt: Be brief.
    inputs:
      input: { kind: ref, source: input, path: $.message }
  - id: output
    type: component
    component_type: output
    inputs:
      value: { kind: ref, source: agent }
"@
        (New-CompassWorkflow -Path $agentYaml).Type | Should -Be 'agent'
        (New-CompassWorkflow -Name 'typed-json' -Definition @{ name = 'typed-json'; type = 'agent'; nodes = @() }).Type | Should -Be 'agent'
        (New-CompassWorkflow -Name 'typed-override' -Path $agentYaml -Type workflow).Type | Should -Be 'workflow'
        (New-CompassWorkflow -Name 'untyped' -Definition (New-Definition 'untyped' | ForEach-Object { $_ -replace '(?m)^type: workflow\r?$', '' })).Type | Should -Be 'workflow'
    }

    It '-WhatIf creates nothing' {
        New-CompassWorkflow -Name 'what-if-workflow' -Definition (New-Definition 'what-if-workflow') -WhatIf | Should -BeNullOrEmpty
        Get-ServerWorkflow 'what-if-workflow' | Should -HaveCount 0
    }

    It 'refuses a missing file with CompassPS.InvalidInput and sends nothing' {
        $missing = Join-Path $TestDrive 'no-such-file.yaml'
        New-CompassWorkflow -Path $missing -ErrorVariable failures -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'CompassPS.InvalidInput*'
        "$($failures[0])" | Should -BeLike '*no-such-file.yaml*'
        Get-ServerWorkflow 'no-such-file' | Should -HaveCount 0
    }

    It 'refuses a .json file that is not JSON, naming the file' {
        $file = Join-Path $TestDrive 'bad-json.json'
        Set-Content $file '{ "name": "bad-json", '
        New-CompassWorkflow -Path $file -ErrorVariable failures -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'CompassPS.InvalidInput*'
        "$($failures[0])" | Should -BeLike '*bad-json.json*not valid JSON*'
        Get-ServerWorkflow 'bad-json' | Should -HaveCount 0
    }
}

Describe 'Get-CompassWorkflow' {
    BeforeAll {
        $nightlyA = New-CompassWorkflow -Name 'nightly-sales' -Definition (New-Definition 'nightly-sales')
        $nightlyB = New-CompassWorkflow -Name 'Nightly-Stock' -Definition (New-Definition 'Nightly-Stock')
        $agent = New-CompassAgent -Name 'get-test-agent' -Instructions 'Be brief.' -Provider $providerId
    }

    It 'gets workflows by id, positionally and by -Id' {
        (Get-CompassWorkflow $nightlyA.Id).Name | Should -Be 'nightly-sales'
        (Get-CompassWorkflow -Id $nightlyB.Id).Name | Should -Be 'Nightly-Stock'
    }

    It 'matches -Name wildcards without regard to case' {
        $names = @(Get-CompassWorkflow -Name 'nightly-*' | ForEach-Object Name | Sort-Object)
        $names | Should -Be @('nightly-sales', 'Nightly-Stock')
    }

    It 'finds an exact -Name' {
        @(Get-CompassWorkflow -Name 'NIGHTLY-SALES').Id | Should -Be @($nightlyA.Id)
    }

    It 'filters by -Type' {
        $agents = @(Get-CompassWorkflow -Type agent)
        $agents.Id | Should -Contain $agent.Id
        $agents.Type | Sort-Object -Unique | Should -Be 'agent'
        (Get-CompassWorkflow -Type workflow).Id | Should -Not -Contain $agent.Id
    }

    It 'binds a deployment''s WorkflowId from the pipeline' {
        (Get-CompassDeployment -Id '55555555-5555-4555-8555-555555555555' | Get-CompassWorkflow).Id | Should -Be $lookupId
    }

    It 'writes CompassPS.NotFound for an unknown id and goes on with the next' {
        $found = @('00000000-0000-4000-8000-000000000000', $nightlyA.Id | Get-CompassWorkflow -ErrorVariable failures -ErrorAction SilentlyContinue)
        $found.Id | Should -Be @($nightlyA.Id)
        $failures | Should -HaveCount 1
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'CompassPS.NotFound*'
        $failures[0].TargetObject | Should -Be '00000000-0000-4000-8000-000000000000'
    }
}

Describe 'Paging of Get-CompassWorkflow over more than one page' {
    BeforeAll {
        # The module asks for 100 items a page: 105 more workflows make the list span two pages.
        1..105 | ForEach-Object {
            $null = Invoke-Server '/v1/workflows/' -Method Post -Body @{ name = ('paged-{0:000}' -f $_); definition = (New-Definition 'paged') }
        }
        $serverIds = [System.Collections.Generic.List[string]]::new()
        foreach ($offset in 0, 200) { (Invoke-Server "/v1/workflows/?limit=200&offset=$offset").Body.items | ForEach-Object { $serverIds.Add($_.id) } }
    }

    It 'lists every workflow, newest first, as the server orders them' {
        $ids = @(Get-CompassWorkflow | ForEach-Object Id)
        $ids | Should -Be $serverIds.ToArray()
        $ids.Count | Should -BeGreaterThan 105
    }

    It '-First and -Skip take a window across the page boundary' {
        @(Get-CompassWorkflow -Skip 98 -First 5 | ForEach-Object Id) | Should -Be $serverIds.GetRange(98, 5).ToArray()
        @(Get-CompassWorkflow -First 103 | ForEach-Object Id) | Should -Be $serverIds.GetRange(0, 103).ToArray()
    }

    It '-First and -Skip count the matches of a -Name pattern' {
        $window = @(Get-CompassWorkflow -Name 'paged-*' -Skip 3 -First 101)
        $window | Should -HaveCount 101
        $window.Name | Should -Not -Contain $null
        ($window.Name | Where-Object { $_ -notlike 'paged-*' }) | Should -BeNullOrEmpty
        $counted = @(Get-CompassWorkflow -Name 'paged-*' -IncludeTotalCount -First 1)
        $counted | Should -HaveCount 2
        $counted | Where-Object { $_ -is [uint64] } | Should -Be 105
    }
}

Describe 'Set-CompassWorkflow' {
    BeforeEach {
        $workflow = New-CompassWorkflow -Name "set-$(New-Guid)" -Definition (New-Definition 'set')
    }

    It 'renames and describes, writing the workflow with -PassThru' {
        $updated = $workflow | Set-CompassWorkflow -Name "$($workflow.Name)-renamed" -Description 'now described' -PassThru
        $updated.Name | Should -Be "$($workflow.Name)-renamed"
        (Invoke-Server "/v1/workflows/$($workflow.Id)").Body.description | Should -Be 'now described'
        ($workflow | Set-CompassWorkflow -Type agent -PassThru).Type | Should -Be 'agent'
        (Invoke-Server "/v1/workflows/$($workflow.Id)").Body.type | Should -Be 'agent'
    }

    It 'writes nothing without -PassThru' {
        $workflow | Set-CompassWorkflow -Description 'quiet' | Should -BeNullOrEmpty
        (Invoke-Server "/v1/workflows/$($workflow.Id)").Body.description | Should -Be 'quiet'
    }

    It 'replaces the draft from -Definition and from -Path' {
        $text = New-Definition 'set' 'Changed {{topic}}'
        Set-CompassWorkflow -Id $workflow.Id -Definition $text
        (Invoke-Server "/v1/workflows/$($workflow.Id)").Body.definition | Should -Be $text

        $file = Join-Path $TestDrive 'set.yaml'
        Set-Content $file (New-Definition 'set' 'From file {{topic}}')
        Set-CompassWorkflow -Id $workflow.Id -Path $file
        (Invoke-Server "/v1/workflows/$($workflow.Id)").Body.definition | Should -BeLike '*From file*'
    }

    It '-WhatIf changes nothing' {
        $workflow | Set-CompassWorkflow -Name 'should-not-happen' -WhatIf
        (Invoke-Server "/v1/workflows/$($workflow.Id)").Body.name | Should -Be $workflow.Name
    }

    It 'refuses a call that changes nothing (CompassPS.InvalidInput)' {
        { $workflow | Set-CompassWorkflow -ErrorAction Stop } | Should -Throw -ErrorId 'CompassPS.InvalidInput*'
    }

    It 'writes CompassPS.NotFound for an unknown workflow' {
        Set-CompassWorkflow -Id '00000000-0000-4000-8000-000000000000' -Description x -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'CompassPS.NotFound*'
    }
}

Describe 'Remove-CompassWorkflow' {
    It 'deletes piped workflows with their deployment' {
        $workflow = New-CompassWorkflow -Name 'remove-me' -Definition (New-Definition 'remove-me')
        $deployment = $workflow | Publish-CompassWorkflow

        Get-CompassWorkflow -Name 'remove-m*' | Remove-CompassWorkflow -Confirm:$false

        (Invoke-Server "/v1/workflows/$($workflow.Id)").Status | Should -Be 404
        (Invoke-Server "/v1/deployments/$($deployment.Id)").Status | Should -Be 404
    }

    It '-WhatIf deletes nothing' {
        $workflow = New-CompassWorkflow -Name 'keep-me' -Definition (New-Definition 'keep-me')
        $workflow | Remove-CompassWorkflow -WhatIf
        (Invoke-Server "/v1/workflows/$($workflow.Id)").Status | Should -Be 200
    }

    It 'asks for confirmation by default (ConfirmImpact High)' {
        Get-CompassTestConfirmImpact Remove-CompassWorkflow | Should -Be 'High'
    }

    It 'writes CompassPS.NotFound for an unknown workflow' {
        Remove-CompassWorkflow -Id '00000000-0000-4000-8000-000000000000' -Confirm:$false -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'CompassPS.NotFound*'
    }
}

Describe 'Test-CompassWorkflow' {
    BeforeAll {
        $valid = New-CompassWorkflow -Name 'test-valid' -Definition (New-Definition 'test-valid')
        $broken = New-CompassWorkflow -Name 'test-broken' -Definition $brokenDefinition
    }

    It 'reports a valid draft' {
        $result = $valid | Test-CompassWorkflow
        $result.PSObject.TypeNames | Should -Contain 'CompassPS.WorkflowValidation'
        $result.Valid | Should -BeTrue
        $result.Errors | Should -HaveCount 0
        $result.WorkflowId | Should -Be $valid.Id
    }

    It 'reports each error with Compass''s code, as an object' {
        $result = $broken | Test-CompassWorkflow
        $result.Valid | Should -BeFalse
        $result.Errors.Code | Should -Contain 'MISSING_OUTPUT'
        $result.Errors[0].Severity | Should -Be 'Error'
        $result.Errors[0].Message | Should -Not -BeNullOrEmpty
    }

    It 'shows the code, the node and the message at a glance' {
        $agentMissingConnection = New-CompassWorkflow -Name 'test-node-issue' -Definition @"
name: test-node-issue
type: workflow
nodes:
  - id: input
    type: component
    component_type: input
  - id: thinker
    type: agent
    system_prompt: Think.
    inputs:
      input: { kind: ref, source: input, path: $.message }
  - id: output
    type: component
    component_type: output
    inputs:
      value: { kind: ref, source: thinker }
"@
        $result = $agentMissingConnection | Test-CompassWorkflow
        $issue = $result.Errors | Where-Object NodeId -EQ 'thinker' | Select-Object -First 1
        $issue | Should -Not -BeNullOrEmpty
        $text = $result | Out-String -Width 250
        $text | Should -BeLike '*INVALID*'
        $text | Should -BeLike "*$($issue.Code)*thinker*$($issue.Message)*"
    }

    It 'validates -Definition text without saving it' {
        $result = Test-CompassWorkflow -Id $valid.Id -Definition $brokenDefinition
        $result.Valid | Should -BeFalse
        ($valid | Test-CompassWorkflow).Valid | Should -BeTrue
        (Invoke-Server "/v1/workflows/$($valid.Id)").Body.definition | Should -Not -Be $brokenDefinition
    }

    It 'validates a file given by -Path' {
        $file = Join-Path $TestDrive 'broken.yaml'
        Set-Content $file $brokenDefinition
        (Test-CompassWorkflow -Id $valid.Id -Path $file).Errors.Code | Should -Contain 'MISSING_OUTPUT'
    }

    It 'checks a file without -WorkflowId as a dry run that creates and changes nothing' {
        $file = Join-Path $TestDrive 'dry-run-new.yaml'
        Set-Content $file (New-Definition 'dry-run-new')
        $brokenFile = Join-Path $TestDrive 'dry-run-broken.yaml'
        Set-Content $brokenFile $brokenDefinition
        $before = @(Get-CompassTestServerItems $server $secretKey '/v1/workflows/' | ForEach-Object { "$($_.id) $($_.updated_at)" })

        $good = Test-CompassWorkflow -Path $file
        $bad = Test-CompassWorkflow -Path $brokenFile
        $fromText = Test-CompassWorkflow -Definition $brokenDefinition -Quiet

        $good.Valid | Should -BeTrue
        $good.WorkflowId | Should -BeNullOrEmpty -Because 'the result is about the file, not the workflow it was checked through'
        $good.Source | Should -Be $file
        $bad.Errors.Code | Should -Contain 'MISSING_OUTPUT'
        $fromText | Should -BeExactly $false
        ($bad | Out-String -Width 200) | Should -BeLike "*dry-run-broken.yaml: INVALID, 1 error(s)*MISSING_OUTPUT*"
        $after = @(Get-CompassTestServerItems $server $secretKey '/v1/workflows/' | ForEach-Object { "$($_.id) $($_.updated_at)" })
        $after | Should -Be $before
        Get-ServerWorkflow 'dry-run-new' | Should -BeNullOrEmpty
    }

    It 'checks an agent file as an agent, and a workflow file never against an agent' {
        $file = Join-Path $TestDrive 'dry-run-agent.yaml'
        Set-Content $file ((New-Definition 'dry-run-agent') -replace 'type: workflow', 'type: agent')
        # An agent holds one agent node: the prompt-only definition is not a valid agent.
        (Test-CompassWorkflow -Path $file).Errors.Code | Should -Contain 'AGENT_SHAPE'
    }

    It 'validates the definitions shown in about_CompassWorkflowDefinition' {
        $about = Get-Content -Raw (Join-Path (Get-CompassTestRoot) 'docs/about_CompassWorkflowDefinition.md')
        $definitions = @([regex]::Matches($about, '(?ms)^```yaml\r?\n(name: .*?)^```') | ForEach-Object { $_.Groups[1].Value })
        $definitions.Count | Should -BeGreaterOrEqual 1
        foreach ($definition in $definitions) {
            $result = Test-CompassWorkflow -Definition $definition
            $result.Valid | Should -BeTrue -Because ($result.Errors | Out-String)
        }
    }

    It '-Quiet answers $true or $false' {
        $valid | Test-CompassWorkflow -Quiet | Should -BeExactly $true
        $broken | Test-CompassWorkflow -Quiet | Should -BeExactly $false
    }
}

Describe 'Publish-CompassWorkflow' {
    It 'publishes version 1, then 2, and returns the deployment with the new version' {
        $workflow = New-CompassWorkflow -Name 'publish-twice' -Definition (New-Definition 'publish-twice')
        $first = $workflow | Publish-CompassWorkflow
        $first.PSObject.TypeNames | Should -Contain 'CompassPS.Deployment'
        $first.Version | Should -Be 1
        $first.LiveVersion | Should -Be 1
        $first.WorkflowId | Should -Be $workflow.Id

        $workflow | Set-CompassWorkflow -Definition (New-Definition 'publish-twice' 'Second {{topic}}')
        $second = Publish-CompassWorkflow -Id $workflow.Id
        $second.Id | Should -Be $first.Id
        $second.Version | Should -Be 2
        (Invoke-Server "/v1/deployments/$($first.Id)").Body.live_version | Should -Be 2
    }

    It 'publishes every workflow piped from Get-CompassWorkflow -Name nightly*' {
        $a = New-CompassWorkflow -Name 'nightlypub-a' -Definition (New-Definition 'a')
        $b = New-CompassWorkflow -Name 'nightlypub-b' -Definition (New-Definition 'b')

        $deployments = @(Get-CompassWorkflow -Name 'nightlypub*' | Publish-CompassWorkflow)

        @($deployments.WorkflowId | Sort-Object) | Should -Be @(@($a.Id, $b.Id) | Sort-Object)
        (Invoke-Server "/v1/workflows/$($a.Id)").Body.latest_version | Should -Be 1
    }

    It 'pipes into Start-CompassRun, which runs the new version' {
        $workflow = New-CompassWorkflow -Name 'publish-then-run' -Definition (New-Definition 'publish-then-run' 'Ran {{topic}}')
        $run = $workflow | Publish-CompassWorkflow | Start-CompassRun -InputData @{ topic = 'tides' } -Wait

        $run.Status | Should -Be 'completed'
        $run.Version | Should -Be 1
        $run.Output | Should -BeLike '*Ran tides*'
    }

    It 'refuses an invalid draft with CompassPS.ValidationFailed listing each error, and publishes nothing' {
        $workflow = New-CompassWorkflow -Name 'publish-broken' -Definition $brokenDefinition

        $workflow | Publish-CompassWorkflow -ErrorVariable failures -ErrorAction SilentlyContinue | Should -BeNullOrEmpty

        $failures | Should -HaveCount 1
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'CompassPS.ValidationFailed*'
        $failures[0].CategoryInfo.Category | Should -Be 'InvalidData'
        "$($failures[0])" | Should -BeLike "*$($workflow.Id)*MISSING_OUTPUT*"
        $failures[0].TargetObject.Errors.Code | Should -Contain 'MISSING_OUTPUT'
        $failures[0].Exception.StatusCode | Should -Be 409
        (Invoke-Server "/v1/workflows/$($workflow.Id)/versions").Body.items | Should -HaveCount 0
    }

    It 'makes no new version for a draft identical to the live version, and says so; -Force publishes anyway' {
        $workflow = New-CompassWorkflow -Name 'publish-unchanged' -Definition (New-Definition 'publish-unchanged')
        $first = $workflow | Publish-CompassWorkflow
        # The same text again, with Windows line endings: still the same definition.
        $workflow | Set-CompassWorkflow -Definition ((New-Definition 'publish-unchanged') -replace "`r?`n", "`r`n")

        $second = $workflow | Publish-CompassWorkflow -WarningVariable unchanged -WarningAction SilentlyContinue

        $unchanged | Should -HaveCount 1
        "$($unchanged[0])" | Should -BeLike "*$($workflow.Id)*same as its live version 1*no new version*"
        $second.Id | Should -Be $first.Id
        $second.Version | Should -Be 1
        (Invoke-Server "/v1/workflows/$($workflow.Id)/versions").Body.items | Should -HaveCount 1

        $forced = $workflow | Publish-CompassWorkflow -Force -WarningVariable forcedWarnings
        $forcedWarnings | Should -BeNullOrEmpty
        $forced.Version | Should -Be 2

        $workflow | Set-CompassWorkflow -Definition (New-Definition 'publish-unchanged' 'Changed {{topic}}')
        ($workflow | Publish-CompassWorkflow -WarningVariable changedWarnings).Version | Should -Be 3
        $changedWarnings | Should -BeNullOrEmpty
    }

    It '-WhatIf publishes nothing' {
        $workflow = New-CompassWorkflow -Name 'publish-what-if' -Definition (New-Definition 'publish-what-if')
        $workflow | Publish-CompassWorkflow -WhatIf | Should -BeNullOrEmpty
        (Invoke-Server "/v1/workflows/$($workflow.Id)/versions").Body.items | Should -HaveCount 0
    }

    It 'writes CompassPS.NotFound for an unknown workflow' {
        Publish-CompassWorkflow -Id '00000000-0000-4000-8000-000000000000' -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'CompassPS.NotFound*'
    }
}

Describe 'Get-CompassWorkflowVersion' {
    BeforeAll {
        $callee = New-CompassWorkflow -Name 'pin-callee' -Definition (New-Definition 'pin-callee' 'Callee v1 {{topic}}')
        $null = $callee | Publish-CompassWorkflow
        $caller = New-CompassWorkflow -Name 'pin-caller' -Definition (New-CallerDefinition 'pin-caller' $callee.Id)
        $callerDeployment = $caller | Publish-CompassWorkflow
        # The callee moves on to v2; the caller's v1 keeps calling the callee's v1.
        $callee | Set-CompassWorkflow -Definition (New-Definition 'pin-callee' 'Callee v2 {{topic}}')
        $null = $callee | Publish-CompassWorkflow
    }

    It 'lists versions newest first with the live one marked' {
        $versions = @($callee | Get-CompassWorkflowVersion)
        $versions[0].PSObject.TypeNames | Should -Contain 'CompassPS.WorkflowVersion'
        $versions.Version | Should -Be @(2, 1)
        $versions.IsLive | Should -Be @($true, $false)
        $versions[1].Definition | Should -BeLike '*Callee v1*'
    }

    It 'shows the versions a publish pinned, and the deployment keeps running them' {
        $callerV1 = Get-CompassWorkflowVersion -WorkflowId $caller.Id -Version 1
        $callerV1.PinnedVersions.($callee.Id) | Should -Be 1

        $run = $callerDeployment | Start-CompassRun -InputData @{ topic = 'pins' } -Wait
        $run.Status | Should -Be 'completed'
        $run.Output | Should -BeLike '*Callee v1 pins*'

        # The caller's draft is unchanged: only -Force publishes it again, pinning the callee's new live version.
        $callerV2 = $caller | Publish-CompassWorkflow -Force
        (Get-CompassWorkflowVersion $caller.Id -Version $callerV2.Version).PinnedVersions.($callee.Id) | Should -Be 2
        ($callerV2 | Start-CompassRun -InputData @{ topic = 'pins' } -Wait).Output | Should -BeLike '*Callee v2 pins*'
    }

    It 'gets only the live version with -Live' {
        (Get-CompassWorkflowVersion $callee.Id -Live).Version | Should -Be 2
    }

    It 'writes CompassPS.NotFound for -Live on a workflow never published' {
        $draftOnly = New-CompassWorkflow -Name 'never-published' -Definition (New-Definition 'never-published')
        $draftOnly | Get-CompassWorkflowVersion | Should -BeNullOrEmpty
        $draftOnly | Get-CompassWorkflowVersion -Live -ErrorVariable failures -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'CompassPS.NotFound*'
        "$($failures[0])" | Should -BeLike '*no live version*'
    }

    It 'binds a deployment''s WorkflowId from the pipeline' {
        @(Get-CompassDeployment -Id $callerDeployment.Id | Get-CompassWorkflowVersion).WorkflowId | Sort-Object -Unique | Should -Be $caller.Id
    }

    It 'pages with -First and -Skip' {
        @(Get-CompassWorkflowVersion $callee.Id -First 1).Version | Should -Be @(2)
        @(Get-CompassWorkflowVersion $callee.Id -Skip 1).Version | Should -Be @(1)
    }

    It 'writes CompassPS.NotFound for a version that does not exist' {
        Get-CompassWorkflowVersion $callee.Id -Version 9 -ErrorVariable failures -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'CompassPS.NotFound*'
        "$($failures[0])" | Should -BeLike '*version 9*'
    }
}

Describe 'New-CompassAgent' {
    It 'builds Compass''s agent shape: chat Input, one Agent with instructions, model and tools, Output' {
        $agent = New-CompassAgent -Name 'shape-agent' -Instructions 'Answer in one line.' -Provider $providerId -Model 'compass-local-1' `
            -Tool "workflow:$lookupId" -ConversationHistory -Description 'an agent'

        $agent.Type | Should -Be 'agent'
        $agent.Description | Should -Be 'an agent'
        $definition = $agent.Definition | ConvertFrom-Json
        $definition.type | Should -Be 'agent'
        $definition.nodes.id | Should -Be @('input', 'agent', 'output')
        $definition.nodes[0].config.type | Should -Be 'chat'
        $node = $definition.nodes[1]
        $node.system_prompt | Should -Be 'Answer in one line.'
        $node.model.connection_id | Should -Be $providerId
        $node.model.model | Should -Be 'compass-local-1'
        $node.conversation_history | Should -BeTrue
        $node.tools.source | Should -Be @("workflow:$lookupId")
        ($agent | Test-CompassWorkflow).Valid | Should -BeTrue
    }

    It 'runs after a publish: a chat message in, the agent''s answer out, with its tool called' {
        $agent = New-CompassAgent -Name 'running-agent' -Instructions 'Be brief.' -Provider $providerId -Tool "workflow:$lookupId"
        $run = $agent | Publish-CompassWorkflow | Start-CompassRun -InputData 'find whales' -Wait
        $run.Status | Should -Be 'completed'
        $run.Output | Should -BeLike '*demo-lookup*find whales*'
    }

    It 'takes workflows and agents from Get-CompassWorkflow as tools, and a provider object' {
        $helper = New-CompassAgent -Name 'tool-agent' -Instructions 'Help.' -Provider $providerId
        $null = $helper | Publish-CompassWorkflow
        $provider = [pscustomobject]@{ Id = $providerId; Kind = 'provider' }
        $agent = New-CompassAgent -Name 'uses-tools' -Instructions 'Use tools.' -Provider $provider `
            -Tool (Get-CompassWorkflow -Id $lookupId), $helper, @{ source = "workflow:$researchId"; name = 'research' }

        $tools = ($agent.Definition | ConvertFrom-Json).nodes[1].tools
        $tools.source | Should -Be @("workflow:$lookupId", "agent:$($helper.Id)", "workflow:$researchId")
        $tools[2].name | Should -Be 'research'
        ($agent | Test-CompassWorkflow).Valid | Should -BeTrue
    }

    It 'refuses a malformed tool spec with CompassPS.InvalidInput and creates nothing' {
        New-CompassAgent -Name 'bad-tool-agent' -Instructions 'x' -Provider $providerId -Tool 'lookup' -ErrorVariable failures -ErrorAction SilentlyContinue |
            Should -BeNullOrEmpty
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'CompassPS.InvalidInput*'
        "$($failures[0])" | Should -BeLike "*'lookup'*agent:<id>*"
        Get-ServerWorkflow 'bad-tool-agent' | Should -HaveCount 0
    }

    It '-WhatIf creates nothing' {
        New-CompassAgent -Name 'what-if-agent' -Instructions 'x' -Provider $providerId -WhatIf
        Get-ServerWorkflow 'what-if-agent' | Should -HaveCount 0
    }
}

Describe 'The workflow id completer' {
    It 'completes ids from names, showing the names' -ForEach @(
        @{ Command = 'Get-CompassWorkflow -Id demo-res' }
        @{ Command = 'Publish-CompassWorkflow demo-res' }
        @{ Command = 'Get-CompassWorkflowVersion -WorkflowId demo-res' }
        @{ Command = 'Get-CompassDeployment -WorkflowId demo-res' }
    ) {
        $completion = TabExpansion2 -inputScript $Command -cursorColumn $Command.Length
        $completion.CompletionMatches.CompletionText | Should -Be @($researchId)
        $completion.CompletionMatches[0].ListItemText | Should -BeLike 'demo-research*'
    }

    It 'completes an id prefix' {
        $line = 'Test-CompassWorkflow 4444'
        (Get-CompassTestCompletion $line).CompletionText | Should -Be @($lookupId)
    }

    It 'takes a word with wildcard characters literally' {
        $Error.Clear()
        $line = 'Get-CompassWorkflow -Id demo['
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches | Should -HaveCount 0
        $Error | Should -HaveCount 0
    }

    It 'offers nothing, and no error, without a context or when the server is down' {
        $saved = Get-CompassContext
        try {
            Disconnect-Compass
            $line = 'Get-CompassWorkflow -Id demo'
            $Error.Clear()
            (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches | Should -HaveCount 0
            $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
            $listener.Start(); $closedPort = $listener.LocalEndpoint.Port; $listener.Stop()
            Connect-Compass -BaseUrl "http://127.0.0.1:$closedPort" -ApiKey (ConvertTo-SecureString 'unused' -AsPlainText -Force) -MaxRetries 0 -SkipCheck
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
            Get-CompassWorkflow -Name 'demo*' -Verbose -Debug
            $workflow = New-CompassWorkflow -Name 'secret-check' -Definition $brokenDefinition -Verbose -Debug
            $workflow | Test-CompassWorkflow -Verbose -Debug
            $workflow | Publish-CompassWorkflow -Verbose -Debug -ErrorAction Continue
            Get-CompassWorkflow -Id '00000000-0000-4000-8000-000000000000' -Verbose -Debug -ErrorAction Continue
            Get-CompassWorkflowVersion $researchId -Verbose -Debug
        } *>&1 | Out-String -Width 500
        $output | Should -BeLike '*MISSING_OUTPUT*'
        $output | Should -Not -BeLike "*$secretKey*"
    }
}
