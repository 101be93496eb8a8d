# Get-Help for every cmdlet the module exports, about_CompassPS, the manifest's export list, and the help
# generator's handling of bad sources. The help is generated at build from docs/ (docs/help/README.md).

BeforeDiscovery {
    $modulePath = if ($env:COMPASSPS_MODULE) { $env:COMPASSPS_MODULE } else { Join-Path $PSScriptRoot '../../out/CompassPS/CompassPS.psd1' }
    Import-Module $modulePath
    # Discovery runs before any BeforeAll: the list of cmdlets to test has to come from the module here.
    $cmdlets = @(Get-Command -Module CompassPS -CommandType Cmdlet | Sort-Object Name | ForEach-Object { @{ Name = $_.Name } })
}

BeforeAll {
    $modulePath = if ($env:COMPASSPS_MODULE) { $env:COMPASSPS_MODULE } else { Join-Path $PSScriptRoot '../../out/CompassPS/CompassPS.psd1' }
    Import-Module $modulePath
    $repositoryRoot = Resolve-Path (Join-Path $PSScriptRoot '../..')
    $helpSources = Join-Path $repositoryRoot 'docs/help'
    # Parameters with PowerShell's own standard text: the common ones, -WhatIf/-Confirm and SupportsPaging's.
    $standardParameters = @([System.Management.Automation.Cmdlet]::CommonParameters) +
        @([System.Management.Automation.Cmdlet]::OptionalCommonParameters) + @('First', 'Skip', 'IncludeTotalCount')

    function Get-ParagraphText($Element) {
        (@($Element | ForEach-Object { $_.Text }) -join "`n").Trim()
    }
}

Describe 'Get-Help <Name>' -ForEach $cmdlets {
    BeforeAll {
        $command = Get-Command $Name
        $help = Get-Help $Name -Full
        $ownParameters = @($command.Parameters.Keys | Where-Object { $_ -notin $standardParameters })
    }

    It 'comes from the generated help file, not from PowerShell''s syntax-only fallback' {
        $help.PSObject.TypeNames | Should -Contain 'MamlCommandHelpInfo' -Because "docs/help/$Name.md should exist and build into en-US/CompassPS.dll-Help.xml"
    }

    It 'has a synopsis' {
        $synopsis = "$($help.Synopsis)".Trim()
        $synopsis | Should -Not -BeNullOrEmpty -Because "docs/help/$Name.md needs a '## SYNOPSIS'"
        $synopsis | Should -Not -BeLike "$Name *" -Because 'a synopsis that is the syntax line is PowerShell''s placeholder'
    }

    It 'has a description' {
        Get-ParagraphText $help.description | Should -Not -BeNullOrEmpty -Because "docs/help/$Name.md needs a '## DESCRIPTION'"
    }

    It 'describes every parameter' {
        $described = @{}
        foreach ($p in @($help.parameters.parameter)) { if ($p) { $described[$p.name] = Get-ParagraphText $p.description } }
        $missing = @($ownParameters | Where-Object { -not $described[$_] })
        $missing | Should -BeNullOrEmpty -Because "docs/help/$Name.md needs a '### -Name' entry with text for each of these parameters"
    }

    It 'answers Get-Help -Parameter for each parameter' {
        foreach ($parameter in $ownParameters) {
            $answer = Get-Help $Name -Parameter $parameter
            Get-ParagraphText $answer.description | Should -Not -BeNullOrEmpty -Because "Get-Help $Name -Parameter $parameter should show its text"
        }
    }

    It 'lists exactly the parameters the cmdlet has' {
        $listed = @($help.parameters.parameter | Where-Object { $_ } | ForEach-Object { $_.name }) | Sort-Object
        $actual = @($command.Parameters.Keys | Where-Object { $_ -notin [System.Management.Automation.Cmdlet]::CommonParameters }) | Sort-Object
        $listed | Should -Be $actual
    }

    It 'has at least two examples, each with code that uses the cmdlet' {
        $examples = @($help.examples.example | Where-Object { $_ })
        $examples.Count | Should -BeGreaterOrEqual 2 -Because "docs/help/$Name.md needs two '### Example N: Title' entries"
        foreach ($example in $examples) {
            "$($example.code)" | Should -Match ([regex]::Escape($Name)) -Because "the code of '$($example.title.Trim('- '))' should show $Name in use"
        }
    }

    It 'shows its examples with Get-Help -Examples' {
        $examples = @($help.examples.example | Where-Object { $_ })
        $examples | Should -Not -BeNullOrEmpty
        # The start of the first example's first line: short enough not to be wrapped, matched as plain text.
        $firstLine = ("$($examples[0].code)" -split "`n")[0].Trim()
        $start = $firstLine.Substring(0, [Math]::Min(60, $firstLine.Length))
        (Get-Help $Name -Examples | Out-String -Width 250).Contains($start) | Should -BeTrue -Because "Get-Help $Name -Examples should show '$start'"
    }

    It 'has examples that parse and name only parameters their CompassPS cmdlets have' {
        # Running every example needs the ids and objects each one assumes; this checks what can be checked without
        # them: the code parses, and each CompassPS command in it is given parameters it has (by name, alias or prefix).
        foreach ($example in @($help.examples.example | Where-Object { $_ })) {
            $code = "$($example.code)"
            $errors = $null
            $ast = [System.Management.Automation.Language.Parser]::ParseInput($code, [ref]$null, [ref]$errors)
            $errors | Should -BeNullOrEmpty -Because "the example '$($example.title.Trim('- '))' should parse"
            foreach ($commandAst in $ast.FindAll({ param($node) $node -is [System.Management.Automation.Language.CommandAst] }, $true)) {
                $target = Get-Command -Module CompassPS -Name $commandAst.GetCommandName() -ErrorAction SilentlyContinue
                if (-not $target) { continue }
                $names = @($target.Parameters.Values | ForEach-Object { $_.Name; $_.Aliases })
                foreach ($parameter in $commandAst.CommandElements | Where-Object { $_ -is [System.Management.Automation.Language.CommandParameterAst] }) {
                    @($names | Where-Object { $_ -like "$($parameter.ParameterName)*" }).Count | Should -BeGreaterThan 0 -Because "$($target.Name) in '$($example.title.Trim('- '))' is given -$($parameter.ParameterName)"
                }
            }
        }
    }

    It 'documents only parameters the cmdlet has' {
        $page = Join-Path $helpSources "$Name.md"
        # A missing page documents nothing; the tests above report it.
        $documented = @(if (Test-Path $page) { Select-String -Path $page -Pattern '^### -(\w+)\s*$' | ForEach-Object { $_.Matches[0].Groups[1].Value } })
        $unknown = @($documented | Where-Object { -not $command.Parameters.ContainsKey($_) })
        $unknown | Should -BeNullOrEmpty -Because "docs/help/$Name.md documents parameters $Name does not have"
    }
}

Describe 'about_CompassPS' {
    It 'is found by Get-Help and explains contexts, environment variables and error ids' {
        $topic = Get-Help about_CompassPS
        $topic.Category | Should -Be 'HelpFile'
        "$($topic.Synopsis)" | Should -Not -BeNullOrEmpty -Because 'Get-Help lists the topic with its SHORT DESCRIPTION'
        $text = $topic | Out-String
        foreach ($term in 'Connect-Compass', '-Context', 'COMPASS_API_KEY', 'COMPASS_BASE_URL', 'CompassPS.NotFound', 'Retry-After') {
            $text | Should -BeLike "*$term*"
        }
    }
}

Describe 'about topics read as plain text' -ForEach @(@{ Topic = 'about_CompassPS' }, @{ Topic = 'about_CompassWorkflowDefinition' }) {
    It '<Topic> shows no Markdown table pipes, rules or inline-code marks' {
        $topic = Get-Help $Topic
        $topic.Category | Should -Be 'HelpFile'
        "$($topic.Synopsis)" | Should -Not -BeNullOrEmpty
        $text = $topic | Out-String -Width 200
        $text | Should -Not -Match '(?m)^\s*\|' -Because 'a table row should read as aligned columns'
        $text | Should -Not -Match '\|\s*:?-{3}' -Because 'a Markdown table rule should not show'
        # Inline code marks (`x`) outside code blocks: code blocks are indented 8 spaces.
        @($text -split '\r?\n' | Where-Object { $_ -notmatch '^ {8}' -and $_ -match '`[^`]+`' }) | Should -BeNullOrEmpty
    }
}

Describe 'about_CompassWorkflowDefinition' {
    It 'documents node types, binding kinds and output modes' {
        $text = Get-Help about_CompassWorkflowDefinition | Out-String -Width 200
        foreach ($term in 'component', 'agent', 'integration', 'workflow', 'ref', 'template', 'literal', 'list', 'object', 'config',
            'single', 'structured', 'Test-CompassWorkflow -Path', 'MISSING_OUTPUT') {
            $text | Should -BeLike "*$term*"
        }
    }

    It 'lays a table out as aligned columns with its header underlined' {
        $lines = (Get-Help about_CompassWorkflowDefinition | Out-String -Width 200) -split '\r?\n'
        $header = [array]::FindIndex($lines, [Predicate[string]] { param($l) $l -match '^\s*kind\s+Fields\s+The value' })
        $header | Should -BeGreaterThan 0
        $lines[$header + 1] | Should -Match '^\s*-+\s+-+\s+-+'
        $lines[$header + 2] | Should -Match '^\s*ref\s+source, path\s+what the node'
    }
}

Describe 'Help sources' {
    It 'has a page only for cmdlets the module exports' {
        $exported = @(Get-Command -Module CompassPS -CommandType Cmdlet).Name
        $orphans = @(Get-ChildItem $helpSources -Filter '*.md' | Where-Object { $_.Name -ne 'README.md' -and $_.BaseName -notin $exported } | ForEach-Object Name)
        $orphans | Should -BeNullOrEmpty -Because 'a page for a cmdlet that does not exist (or is not exported) never reaches Get-Help'
    }
}

Describe 'Module manifest' {
    BeforeAll {
        $manifest = Import-PowerShellDataFile $modulePath
        $module = Get-Module CompassPS
        # The root module is the loader script; the cmdlets live in the build it imported for this edition.
        $assembly = (Get-Command -Module CompassPS -CommandType Cmdlet | Select-Object -First 1).ImplementingType.Assembly
        $defined = @(foreach ($type in $assembly.GetExportedTypes()) {
                $attribute = [System.Attribute]::GetCustomAttribute($type, [System.Management.Automation.CmdletAttribute])
                if ($attribute -and -not $type.IsAbstract) { "$($attribute.VerbName)-$($attribute.NounName)" }
            })
        $exported = @($module.ExportedCmdlets.Keys)
    }

    It 'exports every cmdlet in CmdletsToExport that the assembly defines' {
        $notExported = @($manifest.CmdletsToExport | Where-Object { $_ -in $defined -and $_ -notin $exported })
        $notExported | Should -BeNullOrEmpty
    }

    It 'lists every public cmdlet of the assembly in CmdletsToExport' {
        $unlisted = @($defined | Where-Object { $_ -notin $manifest.CmdletsToExport })
        $unlisted | Should -BeNullOrEmpty -Because 'CompassPS.psd1 is the one export list; a cmdlet missing from it is invisible to users'
    }

    It 'exports cmdlets only, by explicit name' {
        $exported.Count | Should -BeGreaterThan 0
        $manifest.CmdletsToExport | Should -Not -Contain '*'
        @($module.ExportedFunctions.Keys) | Should -BeNullOrEmpty
    }
}

Describe 'The help generator' {
    BeforeAll {
        $generator = Join-Path $repositoryRoot 'build/New-CompassHelp.ps1'
        $someCmdlet = @(Get-Command -Module CompassPS -CommandType Cmdlet | Sort-Object Name)[0].Name
        # A copy of the built module, so the generator's output cannot touch the module under test.
        $moduleCopy = Join-Path $TestDrive 'CompassPS'
        Copy-Item (Split-Path $modulePath) $moduleCopy -Recurse
        Remove-Item (Join-Path $moduleCopy 'en-US') -Recurse -ErrorAction SilentlyContinue

        # Runs the generator as build.ps1 does: in a fresh pwsh, which loads the module's assembly.
        function Invoke-Generator([string]$SourceDirectory) {
            $pwshDll = Join-Path $PSHOME 'pwsh.dll'
            $arguments = @('-NoProfile', '-NonInteractive', '-File', $generator, '-ModuleDirectory', $moduleCopy, '-SourceDirectory', $SourceDirectory)
            $output = if (Test-Path $pwshDll) { & ([Environment]::ProcessPath) $pwshDll @arguments 2>&1 } else { & (Join-Path $PSHOME 'pwsh') @arguments 2>&1 }
            [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = ($output | Out-String) }
        }
    }

    It 'fails with each problem as file:line when a page is malformed' {
        $docs = Join-Path $TestDrive 'malformed/docs'
        New-Item -ItemType Directory (Join-Path $docs 'help') -Force | Out-Null
        Set-Content (Join-Path $docs "help/$someCmdlet.md") @(
            "# $someCmdlet", '', '## SYNOPSIS', 'Text.', '', '## USAGE', 'Not a section.', '', '## EXAMPLES', '', '### Example 1: No code', 'Only words.')
        $result = Invoke-Generator $docs
        $result.ExitCode | Should -Be 1
        $result.Output | Should -BeLike "*help/$someCmdlet.md:6: unknown section '## USAGE'*"
        $result.Output | Should -BeLike "*help/$someCmdlet.md:11: '### Example 1: No code' has no code block*"
        Join-Path $moduleCopy 'en-US/CompassPS.dll-Help.xml' | Should -Not -Exist
    }

    It 'warns about a missing page but still writes the help and the about topic' {
        $docs = Join-Path $TestDrive 'missing/docs'
        New-Item -ItemType Directory (Join-Path $docs 'help') -Force | Out-Null
        Set-Content (Join-Path $docs 'about_CompassPS.md') @('# about_CompassPS', '', '## SHORT DESCRIPTION', 'A test topic.', '', '## LONG DESCRIPTION', 'Words.')
        $result = Invoke-Generator $docs
        $result.ExitCode | Should -Be 0 -Because $result.Output
        $result.Output | Should -BeLike "*help/$someCmdlet.md is missing*"
        [xml](Get-Content -Raw (Join-Path $moduleCopy 'en-US/CompassPS.dll-Help.xml')) | Should -Not -BeNullOrEmpty
        Get-Content -Raw (Join-Path $moduleCopy 'en-US/about_CompassPS.help.txt') | Should -BeLike "*SHORT DESCRIPTION*A test topic.*"
    }
}
