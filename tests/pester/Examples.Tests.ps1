# What every runbook in examples/ must have. How each one behaves is tested in examples/tests/ (one file per runbook,
# each against its own server from Start-CompassLocalServer, as docs/testing-runbooks.md shows users).

BeforeDiscovery {
    $examples = @(Get-ChildItem (Join-Path $PSScriptRoot '../../examples') -Filter '*.ps1' |
            Where-Object Name -NE 'demo.ps1' | ForEach-Object { @{ Name = $_.Name; Path = $_.FullName } })
}

Describe 'examples/<Name>' -ForEach $examples {
    It 'has comment-based help with a synopsis, a description and examples' {
        $help = Get-Help $Path -Full
        "$($help.Synopsis)".Trim() | Should -Not -BeLike "$Name*" -Because 'Get-Help falls back to the syntax when there is no help header'
        ($help.description | Out-String).Trim() | Should -Not -BeNullOrEmpty
        @($help.examples.example).Count | Should -BeGreaterOrEqual 1
    }

    It 'has its own test in examples/tests' {
        Join-Path $PSScriptRoot "../../examples/tests/$([IO.Path]::GetFileNameWithoutExtension($Name)).Tests.ps1" | Should -Exist
    }

    It 'takes the key from the environment, never from the script' {
        Get-Content $Path -Raw | Should -Not -Match 'cmp_[a-z_]*key'
    }
}
