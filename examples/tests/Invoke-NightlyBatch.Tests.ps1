# examples/Invoke-NightlyBatch.ps1 against its own local server: scripted model answers, then the same batch under
# 10% 503 answers and cut event streams, where every row must still run exactly once.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'RunbookTesting.psm1') -Force
    Import-CompassForTest
    $runbook = Join-Path $PSScriptRoot '../Invoke-NightlyBatch.ps1'
    $research = '33333333-3333-4333-8333-333333333333'   # the server's seeded demo deployment

    # The demo agent is asked to research each row's topic; these rules make its answers known to the test.
    $rules = Join-Path $TestDrive 'rules.yaml'
    Set-Content $rules @'
- name: tides
  match: '\btides\b'
  reply: Tides follow the moon.
- name: glaciers
  match: '\bglaciers\b'
  reply: Glaciers carve valleys.
'@
    $topics = Join-Path $TestDrive 'topics.csv'
    Set-Content $topics 'topic', 'tides', 'glaciers', 'volcanoes'
}

Describe 'Invoke-NightlyBatch.ps1' {
    BeforeAll {
        $server = Start-CompassLocalServer -ModelScript $rules -DelayScale 0
        $context = Connect-Compass -BaseUrl $server.BaseUrl -ApiKey $server.ProjectKey -PassThru
    }
    AfterAll { $server | Stop-CompassLocalServer }

    It 'runs every row once, exits 0 and reports each run; the agent answers as the model script says' {
        $report = Join-Path $TestDrive 'report.csv'

        $result = Invoke-Runbook -Path $runbook -Server $server -ArgumentList '-Path', $topics, '-DeploymentId', $research, '-ReportPath', $report

        $result.ExitCode | Should -Be 0 -Because $result.Output
        $result.Output | Should -BeLike '*3 row(s), 3 completed, 0 failed*'
        $rows = @(Import-Csv $report)
        $rows.Status | Should -Be @('completed', 'completed', 'completed')
        $outputs = @{}
        foreach ($row in $rows) { $run = Get-CompassRun -Context $context -Id $row.RunId; $outputs[$run.InputData.topic] = $run.Output }
        $outputs['tides'] | Should -Be 'Tides follow the moon.'
        $outputs['glaciers'] | Should -Be 'Glaciers carve valleys.'
        $outputs['volcanoes'] | Should -BeLike 'You asked:*volcanoes*' -Because 'a topic no rule matches gets the built-in model''s answer'
    }

    It 'exits 2 and dispatches nothing when the deployment does not exist' {
        $before = @(Get-CompassRun -Context $context).Count

        $result = Invoke-Runbook -Path $runbook -Server $server -ArgumentList '-Path', $topics, '-DeploymentId', ([guid]::NewGuid())

        $result.ExitCode | Should -Be 2 -Because $result.Output
        @(Get-CompassRun -Context $context).Count | Should -Be $before
    }
}

Describe 'Invoke-NightlyBatch.ps1 on an unreliable server' {
    BeforeAll {
        # One request in ten answered 503, every event stream cut after 3 events, no Retry-After wait.
        $server = Start-CompassLocalServer -ModelScript $rules -DelayScale 0 -Fault503Rate 0.1 -FaultRetryAfterSec 0 -FaultCutStreamAfter 3 -FaultSeed 7
        $context = Connect-Compass -BaseUrl $server.BaseUrl -ApiKey $server.ProjectKey -MaxRetries 10 -PassThru
    }
    AfterAll { $server | Stop-CompassLocalServer }

    It 'still runs every row exactly once and exits 0' {
        $many = Join-Path $TestDrive 'many.csv'
        Set-Content $many (@('topic') + (1..12 | ForEach-Object { "tides $_" }))
        $report = Join-Path $TestDrive 'unreliable.csv'

        $result = Invoke-Runbook -Path $runbook -Server $server -ArgumentList '-Path', $many, '-DeploymentId', $research, '-ThrottleLimit', '4', '-ReportPath', $report

        $result.ExitCode | Should -Be 0 -Because $result.Output
        $rows = @(Import-Csv $report)
        $rows.Count | Should -Be 12
        @($rows | Where-Object Status -EQ 'completed').Count | Should -Be 12
        $runs = @(Get-CompassRun -Context $context -DeploymentId $research)
        $runs.Count | Should -Be 12 -Because 'a retried dispatch must not start a row twice'
        @($runs | Where-Object Output -EQ 'Tides follow the moon.').Count | Should -Be 12
    }
}
