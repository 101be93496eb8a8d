# The demo a new user runs first: build.ps1 Demo (against a local server it starts and stops) and the script itself.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'Common/CompassPS.TestCommon.psm1') -Force
    $script:Root = Get-CompassTestRoot
    $script:Environment = @{
        COMPASSPS_MODULE     = (Get-CompassTestModulePath)
        COMPASSPS_SERVER_DLL = $(if ($env:COMPASSPS_SERVER_DLL) { $env:COMPASSPS_SERVER_DLL } else { Join-Path $Root 'out/LocalServer/compass-local.dll' })
    }
}

Describe 'build.ps1 Demo' {
    BeforeAll {
        $script:Result = Invoke-ChildPwsh -Arguments @('-File', (Join-Path $Root 'build.ps1'), 'Demo', '-NoBuild') -Environment $Environment -TimeoutSec 180
    }

    It 'exits 0' {
        $Result.ExitCode | Should -Be 0 -Because ($Result.Output + $Result.Errors)
    }

    It 'shows the run live and then the final output' {
        $Result.Output | Should -Match 'Run [0-9a-f-]{36} started'
        $Result.Output | Should -Match 'tool lookup'
        $Result.Output | Should -Match 'Run completed'
        $Result.Output | Should -Match '(?s)Final output:\s*\r?\n.*history of the compass'
    }

    It 'shows the answer arriving live, in pieces' {
        $start = ($Result.Chunks | Where-Object Text -Match 'tool lookup done' | Select-Object -First 1).At
        $end = ($Result.Chunks | Where-Object Text -Match '> Output' | Select-Object -First 1).At
        $answerChunks = @($Result.Chunks | Where-Object { $_.At -gt $start -and $_.At -lt $end })
        $answerChunks.Count | Should -BeGreaterThan 3 -Because 'the answer should arrive in several pieces'
        ($answerChunks[-1].At - $answerChunks[0].At) | Should -BeGreaterThan 0.2
    }

    It 'leaves no process behind' {
        $Result.Output | Should -Match 'process (\d+)'
        $serverId = [int]([regex]::Match($Result.Output, 'process (\d+)').Groups[1].Value)
        Wait-Until { -not (Get-Process -Id $serverId -ErrorAction SilentlyContinue) } -TimeoutSec 15 | Should -BeTrue
    }
}

Describe 'examples/demo.ps1' {
    BeforeAll {
        $script:Server = Start-CompassTestServer
        $script:Result = Invoke-ChildPwsh -Arguments @('-File', (Join-Path $Root 'examples/demo.ps1'), '-ModulePath', (Get-CompassTestModulePath), '-BaseUrl', $Server.BaseUrl) -TimeoutSec 120
    }
    AfterAll { Stop-CompassTestServer $Server }

    It 'writes the answer in pieces as it arrives' {
        $Result.ExitCode | Should -Be 0 -Because ($Result.Output + $Result.Errors)
        # The answer is written between the agent's tool call and the output node.
        $start = ($Result.Chunks | Where-Object Text -Match 'tool lookup done' | Select-Object -First 1).At
        $end = ($Result.Chunks | Where-Object Text -Match '> Output' | Select-Object -First 1).At
        $answerChunks = @($Result.Chunks | Where-Object { $_.At -gt $start -and $_.At -lt $end })
        $answerChunks.Count | Should -BeGreaterThan 3 -Because 'the answer should arrive in several pieces'
        ($answerChunks[-1].At - $answerChunks[0].At) | Should -BeGreaterThan 0.2
        (-join $answerChunks.Text) | Should -Match 'history of the compass'
    }
}
