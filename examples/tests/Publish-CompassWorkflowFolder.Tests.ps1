# examples/Publish-CompassWorkflowFolder.ps1 against its own local server: all or nothing.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'RunbookTesting.psm1') -Force
    Import-CompassForTest
    $runbook = Join-Path $PSScriptRoot '../Publish-CompassWorkflowFolder.ps1'
    $server = Start-CompassLocalServer -DelayScale 0
    $context = Connect-Compass -BaseUrl $server.BaseUrl -ApiKey $server.ProjectKey -PassThru

    $definition = @'
name: Note lookup
type: workflow
description: Returns reference notes for a query.
nodes:
  - id: input
    type: component
    component_type: input
    name: Input
    config:
      type: object
      schema:
        query: { type: string, required: true }
  - id: notes
    type: component
    component_type: prompt
    name: Notes
    config:
      template: "Notes for '{{query}}'."
    inputs:
      query: { kind: ref, source: input, path: $.query }
  - id: output
    type: component
    component_type: output
    name: Output
    config:
      mode: single
    inputs:
      value: { kind: ref, source: notes, path: $ }
'@
}

AfterAll { $server | Stop-CompassLocalServer }

Describe 'Publish-CompassWorkflowFolder.ps1' {
    It 'publishes nothing and exits 1 when one definition is invalid, naming the file and the error' {
        $folder = New-Item -ItemType Directory (Join-Path $TestDrive 'mixed')
        Set-Content (Join-Path $folder 'note-lookup.yaml') $definition
        Set-Content (Join-Path $folder 'broken-lookup.yaml') ($definition -replace 'source: notes', 'source: nowhere')

        $result = Invoke-Runbook -Path $runbook -Server $server -ArgumentList '-Path', $folder.FullName

        $result.ExitCode | Should -Be 1 -Because $result.Output
        $result.Output | Should -BeLike '*WARNING: broken-lookup.yaml is invalid: *nowhere*'
        $result.Output | Should -BeLike '*1 of 2 definition(s) invalid; nothing was published.*'
        foreach ($name in 'note-lookup', 'broken-lookup') {
            Get-CompassWorkflow -Context $context -Name $name | Should -BeNullOrEmpty -Because "checking $name must create nothing"
        }
    }

    It '-ValidateOnly checks new and existing files, exits 0 and leaves the server as it was' {
        $folder = New-Item -ItemType Directory (Join-Path $TestDrive 'check-only')
        $existing = New-CompassWorkflow -Context $context -Name 'existing-lookup' -Definition $definition
        Set-Content (Join-Path $folder 'existing-lookup.yaml') ($definition -replace 'Notes for', 'Changed notes for')
        Set-Content (Join-Path $folder 'new-lookup.yaml') $definition
        $before = @(Get-CompassWorkflow -Context $context).Count

        $result = Invoke-Runbook -Path $runbook -Server $server -ArgumentList '-Path', $folder.FullName, '-ValidateOnly'

        $result.ExitCode | Should -Be 0 -Because $result.Output
        $result.Output | Should -BeLike '*All 2 definition(s) are valid.*'
        @(Get-CompassWorkflow -Context $context).Count | Should -Be $before
        Get-CompassWorkflow -Context $context -Name 'new-lookup' | Should -BeNullOrEmpty
        $after = Get-CompassWorkflow -Context $context -Id $existing.Id
        $after.Definition | Should -Be $existing.Definition
        $after.LatestVersion | Should -BeNullOrEmpty
    }

    It 'publishes every definition and exits 0 when all are valid; publishing an unchanged file again makes no version, a changed one the next' {
        $folder = New-Item -ItemType Directory (Join-Path $TestDrive 'valid')
        Set-Content (Join-Path $folder 'note-lookup.yaml') $definition

        $first = Invoke-Runbook -Path $runbook -Server $server -ArgumentList '-Path', $folder.FullName
        $first.ExitCode | Should -Be 0 -Because $first.Output
        $first.Output | Should -BeLike '*Published 1 workflow(s)*'
        $workflow = Get-CompassWorkflow -Context $context -Name 'note-lookup'
        $workflow.LatestVersion | Should -Be 1
        (Get-CompassDeployment -Context $context -Id $workflow.DeploymentId).LiveVersion | Should -Be 1

        $second = Invoke-Runbook -Path $runbook -Server $server -ArgumentList '-Path', $folder.FullName
        $second.ExitCode | Should -Be 0 -Because $second.Output
        (Get-CompassDeployment -Context $context -Id $workflow.DeploymentId).LiveVersion | Should -Be 1 -Because 'the file is as published'

        Set-Content (Join-Path $folder 'note-lookup.yaml') ($definition -replace 'Returns reference notes', 'Returns short reference notes')
        $third = Invoke-Runbook -Path $runbook -Server $server -ArgumentList '-Path', $folder.FullName
        $third.ExitCode | Should -Be 0 -Because $third.Output
        (Get-CompassDeployment -Context $context -Id $workflow.DeploymentId).LiveVersion | Should -Be 2
    }
}
