# examples/Get-FailedRunReport.ps1 against its own local server, seeded (-Seed) with a workflow that fails on purpose.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'RunbookTesting.psm1') -Force
    Import-CompassForTest
    $runbook = Join-Path $PSScriptRoot '../Get-FailedRunReport.ps1'

    # A known state: a deployment whose runs fail unless given a 'ticket' (its input requires one), with a fixed id.
    $seed = Join-Path $TestDrive 'seed.yaml'
    Set-Content $seed @'
workflows:
  - id: 0c0ffee0-0000-4000-8000-000000000001
    name: ticket-triage
    definition: |
      name: ticket-triage
      type: workflow
      nodes:
        - id: input
          type: component
          component_type: input
          config:
            type: object
            schema:
              ticket: { type: string, required: true }
        - id: output
          type: component
          component_type: output
          config: { mode: single }
          inputs:
            value: { kind: ref, source: input, path: $.ticket }
deployments:
  - id: 0c0ffee0-0000-4000-8000-000000000002
    workflow: ticket-triage
'@
    $triage = '0c0ffee0-0000-4000-8000-000000000002'
    $server = Start-CompassLocalServer -Seed $seed -DelayScale 0
    $context = Connect-Compass -BaseUrl $server.BaseUrl -ApiKey $server.ProjectKey -PassThru
    # Two runs that fail (the triage workflow needs a 'ticket'); -Wait writes each with a CompassPS.RunNotCompleted error.
    $failedRuns = @(@{ subject = 'a' }, @{ subject = 'b' } | Start-CompassRun -Context $context -DeploymentId $triage -Wait `
            -ErrorAction SilentlyContinue -ErrorVariable runErrors)
    @($runErrors | Where-Object FullyQualifiedErrorId -Like 'CompassPS.RunNotCompleted,*').Count | Should -Be 2
    $null = Start-CompassRun -Context $context -DeploymentId $triage -InputData @{ ticket = 'T-1' } -Wait
}

AfterAll { $server | Stop-CompassLocalServer }

Describe 'Get-FailedRunReport.ps1' {
    It 'lists the period''s failed runs with their errors and, with -FailIfAny, exits 1' {
        $failedRuns.Status | Should -Be @('failed', 'failed')
        $csv = Join-Path $TestDrive 'failed.csv'

        $result = Invoke-Runbook -Path $runbook -Server $server -ArgumentList '-Since', '01:00:00', '-Path', $csv, '-FailIfAny'

        $result.ExitCode | Should -Be 1 -Because $result.Output
        $reported = @(Import-Csv $csv)
        $reported.Count | Should -Be 2
        foreach ($run in $failedRuns) {
            $line = $reported | Where-Object RunId -EQ $run.Id
            $line.Deployment | Should -Be 'ticket-triage'
            $line.Error | Should -BeLike '*ticket*'
        }
    }

    It 'exits 0 and reports none for a deployment without failures' {
        $result = Invoke-Runbook -Path $runbook -Server $server -ArgumentList '-DeploymentId', '55555555-5555-4555-8555-555555555555', '-FailIfAny'

        $result.ExitCode | Should -Be 0 -Because $result.Output
        $result.Output | Should -BeLike '*0 run(s) failed since*'
    }

    It 'exits 1 with the reason when the key is refused' {
        $wrong = ConvertTo-SecureString 'cmp_not_a_key' -AsPlainText -Force

        $result = Invoke-Runbook -Path $runbook -Server $server -ApiKey $wrong

        $result.ExitCode | Should -Be 1
        $result.Output | Should -BeLike '*could not be made*401*'
        $result.Output | Should -Not -BeLike '*cmp_not_a_key*'
    }
}
