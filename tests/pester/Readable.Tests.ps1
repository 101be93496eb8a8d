# Output people read: what Export-Csv writes for runs and deployments (with and without ConvertTo-CompassExport), the
# run table, and Watch-CompassRun -AsText,
# through the cmdlets against a local server.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'Common/CompassPS.TestCommon.psm1') -Force
    Import-CompassTestModule
    $server = Start-CompassTestServer -ArgumentList '--delay-scale', '0'
    Connect-Compass -BaseUrl $server.BaseUrl -ApiKey (ConvertTo-SecureString $server.ProjectKey -AsPlainText -Force)
    $deploymentId = '33333333-3333-4333-8333-333333333333'
    $workflowId = '22222222-2222-4222-8222-222222222222'
    $run = Start-CompassRun -DeploymentId $deploymentId -InputData ([ordered]@{ topic = 'tides'; detail = @{ depth = 2 } }) -Wait
}

AfterAll {
    Disconnect-Compass -ErrorAction SilentlyContinue
    Stop-CompassTestServer $server
}

Describe 'Export-Csv of runs' {
    BeforeAll {
        $csv = Join-Path $TestDrive 'runs.csv'
        Get-CompassRun -Id $run.Id | Export-Csv -Path $csv
        $rows = @(Import-Csv $csv)
        $header = (Get-Content $csv -TotalCount 1) -replace '"', '' -split ','
    }

    It 'puts identity and status first and no always-empty column before the run''s own fields' {
        $header[0..1] | Should -Be @('Id', 'Status')
        $header.IndexOf('ParentRunId') | Should -BeGreaterThan $header.IndexOf('Output')
        $header | Should -Not -Contain 'parent_run_id'
        $rows | Should -HaveCount 1
        $rows[0].Id | Should -Be $run.Id
        $rows[0].Status | Should -Be 'completed'
    }

    It 'writes times that read back to the same second' {
        $back = [DateTimeOffset]::Parse($rows[0].CreatedAt)
        [Math]::Abs(($back - $run.CreatedAt).TotalSeconds) | Should -BeLessThan 1
    }

    It 'writes the input and output as compact JSON text that reads back' {
        $rows[0].InputData | Should -Not -BeLike '@{*'
        $sent = $rows[0].InputData | ConvertFrom-Json
        $sent.topic | Should -Be 'tides'
        $sent.detail.depth | Should -Be 2
        $rows[0].InputData | Should -Not -Match '\s'
        $rows[0].Output | Should -Be $run.Output
    }

    It 'leaves the objects as they were: dates compute, inputs have properties, JSON is unchanged' {
        $same = Get-CompassRun -Id $run.Id
        $same.CreatedAt | Should -BeOfType [DateTimeOffset]
        ($same.CompletedAt - $same.CreatedAt) | Should -BeOfType [TimeSpan]
        $same.CreatedAt.Year | Should -Be $run.CreatedAt.Year
        $same.InputData.topic | Should -Be 'tides'
        $same.InputData.detail.depth | Should -Be 2
        ($same | ConvertTo-Json -Depth 5 | ConvertFrom-Json).InputData.topic | Should -Be 'tides'
        $text = "$($same.InputData)"
        $text | Should -BeLike '{*}'
        $text | Should -Not -Match '\s'
        ($text | ConvertFrom-Json).detail.depth | Should -Be 2
    }
}

Describe 'ConvertTo-CompassExport' {
    BeforeAll {
        # Writes the CSV of what the script block gives, converted, under the given culture.
        function Export-InCulture([string]$Culture, [scriptblock]$Items, [string]$Path) {
            $before = [cultureinfo]::CurrentCulture
            try {
                [cultureinfo]::CurrentCulture = [cultureinfo]::GetCultureInfo($Culture)
                & $Items | ConvertTo-CompassExport | Export-Csv -Path $Path
            }
            finally { [cultureinfo]::CurrentCulture = $before }
        }
        $csv = Join-Path $TestDrive 'runs-export.csv'
        Export-InCulture 'de-DE' { Get-CompassRun -Id $run.Id } $csv
        $rows = @(Import-Csv $csv)
        $header = (Get-Content $csv -TotalCount 1) -replace '"', '' -split ','
    }

    It 'keeps the object''s properties in their order, identity and status first' {
        $header[0..1] | Should -Be @('Id', 'Status')
        $header | Should -Be @((Get-CompassRun -Id $run.Id).PSObject.Properties.Name)
        $rows | Should -HaveCount 1
        $rows[0].Id | Should -Be $run.Id
    }

    It 'writes times as ISO 8601 in UTC that read back to the same instant, to the tick' {
        $rows[0].CreatedAt | Should -Match '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$'
        [DateTimeOffset]::Parse($rows[0].CreatedAt, [cultureinfo]::InvariantCulture).UtcTicks | Should -Be $run.CreatedAt.UtcTicks
        [DateTimeOffset]::Parse($rows[0].CompletedAt, [cultureinfo]::InvariantCulture).UtcTicks | Should -Be $run.CompletedAt.UtcTicks
    }

    It 'writes inputs and outputs as compact JSON that reads back' {
        $rows[0].InputData | Should -Not -Match '\s'
        ($rows[0].InputData | ConvertFrom-Json).detail.depth | Should -Be 2
        $rows[0].Output | Should -Be $run.Output
    }

    It 'writes the same file in any culture, fractions included' {
        $summaries = { Get-CompassRunSummary -Window 1d; Get-CompassRun -Id $run.Id }
        $german = Join-Path $TestDrive 'de.csv'
        $american = Join-Path $TestDrive 'us.csv'
        Export-InCulture 'de-DE' $summaries $german
        Export-InCulture 'en-US' $summaries $american
        Get-Content -Raw $german | Should -BeExactly (Get-Content -Raw $american)
        $rate = (Import-Csv $german | Select-Object -First 1).SuccessRate
        $rate | Should -Match '^(1|0\.\d+)$' -Because 'the run completed within the window, so the rate is a number'
    }

    It 'converts a run''s events in stream order, each time to the tick' {
        $events = @(Watch-CompassRun -Id $run.Id)
        $exported = @($events | ConvertTo-CompassExport)
        $exported.Count | Should -Be $events.Count
        $exported.Seq | Should -Be $events.Seq
        [DateTimeOffset]::Parse($exported[-1].Timestamp, [cultureinfo]::InvariantCulture).UtcTicks | Should -Be $events[-1].Timestamp.UtcTicks
    }

    It 'writes a step''s parent and children as their ids (a tree refers to itself both ways)' {
        $steps = @(Get-CompassRunTree -RunId $run.Id)
        $child = @($steps | Where-Object { $_.Parent }) | Select-Object -First 1
        $child | Should -Not -BeNullOrEmpty -Because 'a run of a workflow has a step under the run'
        $exported = $child | ConvertTo-CompassExport
        $exported.Parent | Should -Be $child.Parent.Id
        $root = $steps[0] | ConvertTo-CompassExport
        @($root.Children | ConvertFrom-Json) | Should -Be @($steps[0].Children.Id)
    }

    It 'refuses an object no CompassPS cmdlet wrote with one CompassPS.WrongObjectKind error, and goes on with the next' {
        $out = @([pscustomobject]@{ Id = 'not-a-run' }, $run | ConvertTo-CompassExport -ErrorVariable refused -ErrorAction SilentlyContinue)
        $out.Count | Should -Be 1
        $out[0].Id | Should -Be $run.Id
        @($refused).Count | Should -Be 1
        $refused[0].FullyQualifiedErrorId | Should -BeLike 'CompassPS.WrongObjectKind,*'
        $refused[0].TargetObject.Id | Should -Be 'not-a-run'
    }
}

Describe 'Export-Csv of deployments and workflows' {
    It 'puts Id, Name and Status first' {
        $csv = Join-Path $TestDrive 'deployments.csv'
        Get-CompassDeployment -Id $deploymentId | Export-Csv -Path $csv
        ((Get-Content $csv -TotalCount 1) -replace '"', '' -split ',')[0..2] | Should -Be @('Id', 'Name', 'Status')

        $workflows = Join-Path $TestDrive 'workflows.csv'
        Get-CompassWorkflow -Id $workflowId | Export-Csv -Path $workflows
        ((Get-Content $workflows -TotalCount 1) -replace '"', '' -split ',')[0..1] | Should -Be @('Id', 'Name')
    }
}

Describe 'The run table' {
    It 'shows the date with its year, what ran and a short input' {
        $text = Get-CompassRun -Id $run.Id | Out-String -Width 200
        $lines = $text -split '\r?\n' | Where-Object { $_.Trim() }
        $lines[0] | Should -Match '^Id\s+Status\s+Created\s+Workflow\s+Input\s+Elapsed\s+Output'
        $row = $lines | Where-Object { $_.StartsWith($run.Id) }
        $row | Should -Match ([regex]::Escape($run.CreatedAt.ToLocalTime().ToString('yyyy-MM-dd HH:mm')))
        $row | Should -Match '33333333\.\. v1'
        $row | Should -Match 'topic=tides'
    }

    It 'names a draft run by its workflow' {
        $draft = Start-CompassRun -WorkflowId $workflowId -InputData @{ topic = 'plain chat text' } -Wait
        $row = (Get-CompassRun -Id $draft.Id | Out-String -Width 200) -split '\r?\n' | Where-Object { $_.StartsWith($draft.Id) }
        $row | Should -Match '22222222\.\. draft'
        $row | Should -Match 'plain chat text'
    }
}

Describe 'Watch-CompassRun -AsText' {
    It 'shows a run started elsewhere as -Follow does, the answer joined into one line, and writes no events' {
        $records = @(Watch-CompassRun -Id $run.Id -AsText 6>&1)
        $records | Should -Not -BeNullOrEmpty
        @($records | Where-Object { $_ -isnot [System.Management.Automation.InformationRecord] }) | Should -BeNullOrEmpty
        # The host shows the messages in order; a NoNewLine message continues the line.
        $text = -join @($records | ForEach-Object { $_.MessageData.Message + $(if ($_.MessageData.NoNewLine) { '' } else { "`n" }) })
        $lines = $text -split "`n"
        $lines[0] | Should -Be "Run $($run.Id) started"
        $lines | Should -Contain "$($run.Output)"
        $lines | Where-Object { $_ -like 'Run completed*' } | Should -HaveCount 1
    }

    It 'writes only the finished run with -PassThru' {
        $out = @(Watch-CompassRun -Id $run.Id -AsText -PassThru -InformationAction Ignore)
        $out | Should -HaveCount 1
        $out[0].PSTypeNames | Should -Contain 'CompassPS.Run'
        $out[0].Status | Should -Be 'completed'
    }

    It 'leaves the default output as one event object per event' {
        $events = @(Watch-CompassRun -Id $run.Id)
        $events[0].PSTypeNames | Should -Contain 'CompassPS.RunEvent'
        @($events | Where-Object Type -EQ 'output.delta').Count | Should -BeGreaterThan 1
    }
}
