# The runbooks in examples/ run the way a scheduler runs them: a fresh pwsh with -File, the URL and key in
# environment variables, the module found by name on PSModulePath, against one local Compass server shared by the
# cases here (examples/tests has each runbook's own test against its own server, as users would write it; these
# cases cover what those do not: a failed row's reason, the sample definitions and the command lines in the scripts'
# help).

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'Common/CompassPS.TestCommon.psm1') -Force
    Import-CompassTestModule
    $examplesDirectory = Join-Path (Get-CompassTestRoot) 'examples'
    $modulePath = Get-CompassTestModulePath

    $server = Start-CompassTestServer
    # The test's own view of the server, to check what the runbooks did.
    $context = Connect-Compass -BaseUrl $server.BaseUrl -ApiKey (ConvertTo-SecureString $server.ProjectKey -AsPlainText -Force) -PassThru
    $research = Get-CompassDeployment -Context $context | Where-Object Name -EQ 'demo-research'

    # Runs an example in a fresh pwsh; the child sees COMPASS_BASE_URL, COMPASS_API_KEY and the built module by name.
    function Invoke-Example([string]$Name, [string[]]$Arguments, [string]$ApiKey = $server.ProjectKey) {
        $saved = @{ COMPASS_BASE_URL = $env:COMPASS_BASE_URL; COMPASS_API_KEY = $env:COMPASS_API_KEY; PSModulePath = $env:PSModulePath; NO_COLOR = $env:NO_COLOR }
        try {
            $env:COMPASS_BASE_URL = $server.BaseUrl
            $env:COMPASS_API_KEY = $ApiKey
            $env:PSModulePath = (Split-Path (Split-Path $modulePath)) + [System.IO.Path]::PathSeparator + $env:PSModulePath
            $env:NO_COLOR = '1'
            $pwshDll = Join-Path $PSHOME 'pwsh.dll'
            $childArguments = @('-NoProfile', '-NonInteractive', '-File', (Join-Path $examplesDirectory $Name)) + $Arguments
            $output = if (Test-Path $pwshDll) { & ([Environment]::ProcessPath) $pwshDll @childArguments 2>&1 } else { & (Join-Path $PSHOME 'pwsh') @childArguments 2>&1 }
            [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = ($output | Out-String -Width 250) }
        }
        finally {
            foreach ($name in $saved.Keys) {
                if ($null -eq $saved[$name]) { Remove-Item "env:$name" -ErrorAction SilentlyContinue } else { Set-Item "env:$name" $saved[$name] }
            }
        }
    }
}

AfterAll {
    Stop-CompassTestServer $server
}

Describe 'examples/Invoke-NightlyBatch.ps1' {
    It 'names each failed run with the server''s reason and exits 1' {
        $csv = Join-Path $TestDrive 'wrong-column.csv'
        Set-Content $csv 'subject', 'tides', 'glaciers'

        $result = Invoke-Example 'Invoke-NightlyBatch.ps1' @('-Path', $csv, '-DeploymentId', $research.Id)

        $result.ExitCode | Should -Be 1 -Because $result.Output
        $result.Output | Should -BeLike '*2 row(s), 0 completed, 2 failed*'
        ([regex]::Matches($result.Output, "WARNING: Run '[0-9a-f-]{36}' failed: .*topic")).Count | Should -Be 2
    }

}

Describe 'examples/workflows: the sample definitions' {
    BeforeDiscovery {
        $samples = @(Get-ChildItem (Join-Path $PSScriptRoot '../../examples/workflows') -File |
                Where-Object Extension -In '.yaml', '.yml', '.json' | ForEach-Object { @{ Name = $_.Name; Path = $_.FullName } })
    }

    It '<Name> is valid on the local server, checked without creating anything' -ForEach $samples {
        $before = @(Get-CompassWorkflow -Context $context).Count
        $result = Test-CompassWorkflow -Context $context -Path $Path
        $result.Valid | Should -BeTrue -Because ($result.Errors | Out-String)
        $result.Warnings | Should -HaveCount 0 -Because ($result.Warnings | Out-String)
        @(Get-CompassWorkflow -Context $context).Count | Should -Be $before
    }

    It '<Name> runs to completion with the input its header shows' -ForEach $samples {
        $inputLine = @(Get-Content $Path | Where-Object { $_ -like '# input: *' })
        $inputLine | Should -HaveCount 1 -Because 'each sample shows an input to try it with'
        $workflow = New-CompassWorkflow -Context $context -Path $Path -Name "sample-$([guid]::NewGuid().ToString('n').Substring(0, 8))"
        try {
            $run = Start-CompassRun -Context $context -WorkflowId $workflow.Id -InputData ($inputLine[0].Substring('# input: '.Length)) -Wait
            $run.Status | Should -Be 'completed' -Because "$($run.Error)"
            $run.Output | Should -Not -BeNullOrEmpty
        }
        finally {
            Remove-CompassWorkflow -Context $context -WorkflowId $workflow.Id -Confirm:$false
        }
    }
}

Describe 'examples: each command line in the scripts'' help runs as written, the way a scheduler runs it' {
    BeforeDiscovery {
        # "pwsh ... -File ./Script.ps1 <arguments>" lines of every script's .EXAMPLE: under -File each argument is text,
        # so an example that needs PowerShell to evaluate it (e.g. -Since (New-TimeSpan -Days 7)) fails here.
        $commandLines = @(foreach ($script in Get-ChildItem (Join-Path $PSScriptRoot '../../examples') -Filter '*.ps1' | Where-Object Name -NE 'demo.ps1') {
                foreach ($example in @((Get-Help $script.FullName -Full).examples.example)) {
                    foreach ($line in "$($example.code)" -split '\r?\n') {
                        if ($line -match '^\s*pwsh\b.*?-File\s+\./(?<script>\S+\.ps1)(?<arguments>.*)$') {
                            @{ Script = $Matches.script; Arguments = $Matches.arguments.Trim(); Line = $line.Trim() }
                        }
                    }
                }
            })
    }

    It '<Line>' -ForEach $commandLines {
        # A working folder with what the examples name: a topics.csv and a ./workflows folder of definitions.
        $folder = New-Item -ItemType Directory (Join-Path $TestDrive ([guid]::NewGuid().ToString('n'))) -Force
        Set-Content (Join-Path $folder 'topics.csv') 'topic', 'tides'
        Copy-Item (Join-Path $examplesDirectory 'workflows') (Join-Path $folder 'workflows') -Recurse
        $arguments = @($Arguments -split '\s+' | Where-Object { $_ })
        Push-Location $folder
        try { $result = Invoke-Example $Script $arguments }
        finally { Pop-Location }

        $result.ExitCode | Should -BeIn @(0, 1) -Because "the example must run (exit code 2 or a binding error means it cannot): $($result.Output)"
        $result.Output | Should -Not -Match 'Cannot (convert|process argument transformation|bind)'
    }
}
