# Wait-CompassRun on many runs: each poll is answered by list requests, so what a poll costs is bounded by the pages
# of one list, not by the number of runs being waited for.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'Common/CompassPS.TestCommon.psm1') -Force
    Import-CompassTestModule
    # Slow enough that the runs are still going for several polls.
    $script:Server = Start-CompassTestServer -ArgumentList @('--delay-scale', '2')
    Connect-Compass -BaseUrl $Server.BaseUrl -ApiKey $Server.ProjectKey
    $script:DeploymentId = '33333333-3333-4333-8333-333333333333'

    # The requests a command sent, from its debug log: 'list' for a collection GET, 'item' for a GET of one run.
    function Get-RunRequests([scriptblock]$Command) {
        $DebugPreference = 'Continue'
        $script:Finished = @(& $Command 5>&1 | ForEach-Object {
                if ($_ -is [System.Management.Automation.DebugRecord]) {
                    if ($_.Message -match '^HTTP GET (\S*/v1/runs/(\?\S*)?)(\s|$)') {
                        $script:Requests.Add($(if ($Matches[1] -match '[?&]offset=[1-9]') { 'list, later page' } else { 'list' }))
                    }
                    elseif ($_.Message -match '^HTTP GET \S*/v1/runs/[0-9a-f-]{36}(\s|$)') { $script:Requests.Add('item') }
                }
                else { $_ }
            })
    }
}

AfterAll {
    Disconnect-Compass
    Stop-CompassTestServer $Server
}

Describe 'Wait-CompassRun on many runs' {
    It 'polls 40 runs with one list request a poll, and writes each finished run once' {
        $runs = 1..40 | ForEach-Object { @{ topic = "wait $_" } } | Start-CompassRun -DeploymentId $DeploymentId -ThrottleLimit 16
        $script:Requests = [System.Collections.Generic.List[string]]::new()

        Get-RunRequests { $runs | Wait-CompassRun -TimeoutSec 300 }

        $Finished.Count | Should -Be 40
        @($Finished.Id | Sort-Object -Unique).Count | Should -Be 40
        $Finished.Status | Sort-Object -Unique | Should -Be 'completed'
        $Requests | Should -Not -Contain 'item' -Because 'a list request answers for every run it shows'
        $Requests | Should -Contain 'list'
        # A poll pages only until it has seen the oldest run still going, and one page holds all 40: one request a poll.
        $Requests | Should -Not -Contain 'list, later page'
    }
}
