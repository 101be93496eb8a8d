# The fault suite: 500 runs dispatched and followed live while the local server refuses, resets and cuts ~20% of what
# it is asked (503, 429, connection resets, streams cut every few events). Afterwards the same data is opened by a
# fault-free server and checked independently of the module: exactly 500 runs exist (no dispatch was lost or made
# twice), and each run's events as the module delivered them are exactly the events the server recorded, once each
# and in order.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'Common/CompassPS.TestCommon.psm1') -Force
    Import-CompassTestModule

    $researchDeployment = '33333333-3333-4333-8333-333333333333'
    $runCount = 500
    # Unique to this test run, so the counts below can only be this test's runs.
    $marker = 'fault-' + [guid]::NewGuid().ToString('n').Substring(0, 8)
    $dataDirectory = Join-Path ([IO.Path]::GetTempPath()) "compassps-$marker"
    $null = New-Item -ItemType Directory -Path $dataDirectory

    # 10% 503 + 3% 429 + 7% resets = 20% of requests fail; every stream is cut after 4 events. A reset on
    # POST /v1/runs/ comes after the run was created: only the Idempotency-Key keeps the retry from making a second.
    # Retry-After 0 keeps the suite fast; honouring larger values is covered by the xunit retry tests.
    $faults = @('--delay-scale', '0.02', '--fault-503-rate', '0.10', '--fault-429-rate', '0.03', '--fault-reset-rate', '0.07',
        '--fault-retry-after', '0', '--fault-cut-stream-after', '4', '--fault-seed', '20261130')
    $server = Start-CompassTestServer -DataDirectory $dataDirectory -ArgumentList $faults
    $context = Connect-Compass -BaseUrl $server.BaseUrl -ApiKey $server.ProjectKey -MaxRetries 25 -RetryMaxDelaySec 0.05 -TimeoutSec 30 -PassThru

    # Reads a run's stream as the server recorded it: the (seq, type) of each event, straight from the wire.
    function Read-RecordedEvents([System.Net.Http.HttpClient]$Http, [string]$BaseUrl, [string]$RunId) {
        $text = $Http.GetStringAsync("$BaseUrl/v1/streams/$RunId").GetAwaiter().GetResult()
        $recorded = [System.Collections.Generic.List[string]]::new()
        $seq = $null
        foreach ($line in $text -split "`r?`n") {
            if ($line -match '^id: ?(\d+)$') { $seq = $Matches[1] }
            elseif ($line -match '^event: ?(\S+)$') { $recorded.Add("$seq $($Matches[1])") }
        }
        , $recorded
    }
}

AfterAll {
    Stop-CompassTestServer $server
    Remove-Item $dataDirectory -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Under 20% injected faults' {
    BeforeAll {
        $dispatchErrors = $null; $watchErrors = $null; $warnings = $null
        $clock = [Diagnostics.Stopwatch]::StartNew()
        # Dispatch 500 runs, 16 at a time, and follow each one live as soon as it is created.
        # Their verbose streams go to files: the proof that the faults really happened and were retried.
        $dispatchLog = Join-Path $dataDirectory 'dispatch-verbose.txt'
        $watchLog = Join-Path $dataDirectory 'watch-verbose.txt'
        $events = 1..$runCount | ForEach-Object { @{ topic = "$marker-$_" } } |
            Start-CompassRun -DeploymentId $researchDeployment -ThrottleLimit 16 -Context $context -ErrorVariable dispatchErrors -Verbose 4> $dispatchLog |
            Watch-CompassRun -Context $context -ErrorVariable +watchErrors -WarningVariable warnings -Verbose 4> $watchLog
        $dispatchVerbose = Get-Content $dispatchLog -Raw
        $watchVerbose = Get-Content $watchLog -Raw
        $elapsed = $clock.Elapsed
        Write-Host ("500 runs dispatched and followed under faults in {0:N1} s, {1} events" -f $elapsed.TotalSeconds, @($events).Count)
        $received = @{}
        foreach ($e in $events) {
            if (-not $received.ContainsKey($e.RunId)) { $received[$e.RunId] = [System.Collections.Generic.List[string]]::new() }
            $received[$e.RunId].Add("$($e.Seq) $($e.Type)")
        }

        # Now open the same data with a server that injects nothing and check from there.
        Start-Sleep -Milliseconds 500   # let the server's writer commit the last events
        Stop-CompassTestServer $server
        $clean = Start-CompassTestServer -DataDirectory $dataDirectory
        $http = [System.Net.Http.HttpClient]::new()
        $http.DefaultRequestHeaders.Authorization = [System.Net.Http.Headers.AuthenticationHeaderValue]::new('Bearer', $clean.ProjectKey)
        $listed = $http.GetStringAsync("$($clean.BaseUrl)/v1/runs/?deployment_id=$researchDeployment&limit=1").GetAwaiter().GetResult() | ConvertFrom-Json
        $cleanContext = Connect-Compass -BaseUrl $clean.BaseUrl -ApiKey $clean.ProjectKey -PassThru
        $allRuns = @(Get-CompassRun -DeploymentId $researchDeployment -Context $cleanContext)
    }

    AfterAll {
        if ($http) { $http.Dispose() }
        Stop-CompassTestServer $clean
    }

    It 'reports no error, and no warning but the first retry of the command' {
        @($dispatchErrors) | Should -HaveCount 0 -Because ($dispatchErrors | Out-String)
        @($watchErrors) | Should -HaveCount 0 -Because ($watchErrors | Out-String)
        # A command's first retry or reconnect is a warning (later ones are progress): exactly one here, and never a
        # warning about events that could not be recovered.
        @($warnings) | Should -HaveCount 1 -Because ($warnings | Out-String)
        "$($warnings[0])" | Should -Match ' failed \(.+\); (retry|reconnect) 1 of 25 in [\d.]+ s, at \d\d:\d\d:\d\d\.$'
    }

    It 'leaves exactly 500 runs on the server, one per input' {
        $listed.total | Should -Be $runCount
        $ours = @($allRuns | Where-Object { "$($_.InputData.topic)".StartsWith("$marker-") })
        $ours | Should -HaveCount $runCount
        @($ours.InputData.topic | Sort-Object -Unique) | Should -HaveCount $runCount -Because 'no input may be dispatched twice'
        @($ours | Where-Object Status -NE 'completed') | Should -HaveCount 0
    }

    It 'met every kind of fault, and retried or resumed each' {
        ([regex]::Matches($dispatchVerbose, 'POST /v1/runs/: HTTP 503; retry')).Count | Should -BeGreaterThan 10
        ([regex]::Matches($dispatchVerbose, 'POST /v1/runs/: HTTP 429; retry')).Count | Should -BeGreaterThan 0
        ([regex]::Matches($dispatchVerbose, 'POST /v1/runs/: ConnectionFailed; retry')).Count | Should -BeGreaterThan 5 -Because 'resets after the run was created must be retried with the same Idempotency-Key'
        ([regex]::Matches($watchVerbose, 'the stream closed after event \d+; resuming')).Count | Should -BeGreaterThan 1000 -Because 'every stream is cut after 4 events'
        ([regex]::Matches($watchVerbose, 'GET /v1/streams/\S+: (HTTP 503|HTTP 429|ConnectionFailed); retry')).Count | Should -BeGreaterThan 10 -Because 'refused and reset stream requests are retried'
    }

    It 'followed every run to its end' {
        $received.Count | Should -Be $runCount
        @($allRuns | Where-Object { -not $received.ContainsKey($_.Id) }) | Should -HaveCount 0
    }

    It 'delivered every event of every run once and in order' {
        $mismatches = [System.Collections.Generic.List[string]]::new()
        foreach ($run in $allRuns) {
            $recorded = Read-RecordedEvents $http $clean.BaseUrl $run.Id
            $got = $received[$run.Id]
            if ($recorded.Count -lt 3 -or $recorded[-1] -notmatch ' run\.completed$') { $mismatches.Add("$($run.Id): the server recorded $($recorded -join ', ')") }
            elseif (($got -join ',') -ne ($recorded -join ',')) { $mismatches.Add("$($run.Id): received $($got -join ', ') but the server recorded $($recorded -join ', ')") }
        }
        $mismatches | Should -HaveCount 0 -Because ($mismatches | Select-Object -First 3 | Out-String)
    }

    It 'shows each retry with -Verbose' {
        # The fault-free server cannot show a retry; a short second faulty server can (seeded: a fault comes at once).
        $faulty = Start-CompassTestServer -ArgumentList '--fault-503-rate', '0.5', '--fault-retry-after', '0', '--fault-seed', '7'
        try {
            $c = Connect-Compass -BaseUrl $faulty.BaseUrl -ApiKey $faulty.ProjectKey -MaxRetries 30 -RetryMaxDelaySec 0.01 -PassThru
            $verbose = 1..20 | ForEach-Object { Get-CompassDeployment -Context $c -Verbose 4>&1 } | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
            ($verbose.Message -join "`n") | Should -Match 'GET /v1/deployments/\S*: HTTP 503; retry 1 of 30'
        }
        finally { Stop-CompassTestServer $faulty }
    }
}
