<#
.SYNOPSIS
    Generates the module's Get-Help files from docs/help/*.md and docs/about_CompassPS.md.
.DESCRIPTION
    Imports the built module by path and, for every cmdlet it exports, merges the text of
    docs/help/<Verb-Noun>.md (format: docs/help/README.md) with what the compiled cmdlet declares:
    parameter sets, types, mandatory, positions, pipeline input, aliases, wildcards, default values,
    and the -WhatIf/-Confirm and -First/-Skip/-IncludeTotalCount parameters that SupportsShouldProcess
    and SupportsPaging add. Writes MAML to <ModuleDirectory>/en-US/CompassPS.dll-Help.xml and the about
    topic to <ModuleDirectory>/en-US/about_CompassPS.help.txt.

    A malformed source file fails the run (exit code 1) with every problem listed as file:line.
    A missing page or an undocumented parameter only warns: tests/pester/Help.Tests.ps1 reports those.
    Run it in a fresh process (build.ps1 does): it loads the module's assembly, which cannot be unloaded.
.EXAMPLE
    pwsh -NoProfile -File build/New-CompassHelp.ps1 -ModuleDirectory out/CompassPS -SourceDirectory docs
#>
#requires -Version 7.4
using namespace System.Collections.Generic
using namespace System.Management.Automation

[CmdletBinding()]
param(
    # The laid-out module folder (holds CompassPS.psd1 and CompassPS.dll).
    [Parameter(Mandatory)][string]$ModuleDirectory,
    # The folder that holds help/<Verb-Noun>.md and about_CompassPS.md.
    [Parameter(Mandatory)][string]$SourceDirectory
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

# This runs on every build. A PowerShell function call costs tens of microseconds, so the loops over
# lines and parameters below work inline on strings and StringBuilders instead of calling small helpers.

$ModuleName = 'CompassPS'
$SectionOrder = @('SYNOPSIS', 'DESCRIPTION', 'PARAMETERS', 'EXAMPLES', 'INPUTS', 'OUTPUTS', 'NOTES', 'RELATED LINKS')
$EngineParameters = @('WhatIf', 'Confirm', 'IncludeTotalCount', 'Skip', 'First')
# Always-present common parameters never get an entry: Get-Help describes them under <CommonParameters>.
$CommonParameters = [HashSet[string]]::new([string[]][Cmdlet]::CommonParameters, [StringComparer]::OrdinalIgnoreCase)
$ListItem = [regex]'^([-*+]|\d+\.)\s'
$Heading = [regex]'^(#{1,6})\s+(.*)$'
$Link = [regex]'\[([^\]]+)\]\(([^)\s]+)\)'
$Bold = [regex]'\*\*([^*]+)\*\*'

# Texts for the parameters the engine adds; a help page may override them with its own entry.
$EngineParameterText = @{
    WhatIf            = 'Shows what would happen if the cmdlet runs. The cmdlet does not run and changes nothing.'
    Confirm           = 'Prompts you for confirmation before running the cmdlet.'
    First             = 'Gets only the first N items. Pages are requested one at a time, and no more once N items have arrived.'
    Skip              = 'Ignores the first N items and then gets the remaining items.'
    IncludeTotalCount = 'Writes the total number of items that match before the items themselves.'
}
$HighImpactConfirmText = ' This cmdlet asks by default; use -Confirm:$false to skip the prompt, for example in a runbook.'

$Problems = [List[string]]::new()
function Add-Problem([string]$File, [int]$Line, [string]$Message) {
    $where = if ($Line -gt 0) { "${File}:$Line" } else { $File }
    if (-not $Problems.Contains("${where}: $Message")) { $Problems.Add("${where}: $Message") }
}

#region Markdown sources

# A run of source lines under one heading, with each line's number for problem reports.
function New-Block([string]$Title, [int]$Line) {
    [pscustomobject]@{ Title = $Title; Line = $Line; Lines = [List[string]]::new(); Numbers = [List[int]]::new(); Entries = [List[object]]::new() }
}

# Paragraphs for MAML: blank lines separate paragraphs, each list item is its own paragraph, wrapped
# lines join with a space, and a fenced block stays one paragraph with its line breaks. Console help
# has no markup, so links keep their text and target and bold markers go.
function ConvertTo-Paragraphs($Block, [string]$File) {
    $paragraphs = [List[string]]::new()
    $current = [System.Text.StringBuilder]::new()
    $fence = $null
    $fenceLine = 0
    for ($i = 0; $i -lt $Block.Lines.Count; $i++) {
        $trimmed = $Block.Lines[$i].Trim()
        if ($trimmed.StartsWith('```')) {
            if ($null -eq $fence) { $fence = [System.Text.StringBuilder]::new(); $fenceLine = $Block.Numbers[$i] }
            else { $paragraphs.Add($fence.ToString().TrimEnd()); $fence = $null; continue }
        }
        elseif ($null -ne $fence) { $null = $fence.Append($Block.Lines[$i]).Append("`n"); continue }
        if ($current.Length -and (-not $trimmed -or $null -ne $fence -or $ListItem.IsMatch($trimmed))) {
            $paragraphs.Add($Bold.Replace($Link.Replace($current.ToString(), '$1 ($2)'), '$1'))
            $null = $current.Clear()
        }
        if (-not $trimmed -or $null -ne $fence) { continue }
        if ($current.Length) { $null = $current.Append(' ') }
        $null = $current.Append($trimmed)
    }
    if ($null -ne $fence) { Add-Problem $File $fenceLine 'code block is not closed (missing ```)' }
    if ($current.Length) { $paragraphs.Add($Bold.Replace($Link.Replace($current.ToString(), '$1 ($2)'), '$1')) }
    , $paragraphs.ToArray()
}

# Parses docs/help/<Verb-Noun>.md (format: docs/help/README.md). Returns nothing after recording
# problems when the file is malformed.
function Read-HelpSource([string]$Path, [string]$File, [string]$CommandName) {
    $problemsBefore = $Problems.Count
    $lines = [System.IO.File]::ReadAllLines($Path)
    $titleIndex = 0
    while ($titleIndex -lt $lines.Count -and -not $lines[$titleIndex].Trim()) { $titleIndex++ }
    if ($titleIndex -ge $lines.Count -or $lines[$titleIndex].TrimEnd() -cne "# $CommandName") {
        Add-Problem $File ([Math]::Min($titleIndex + 1, [Math]::Max($lines.Count, 1))) "the file must start with the heading '# $CommandName'"
        return
    }

    # Level-2 headings open sections; under PARAMETERS and EXAMPLES, level-3 headings open entries.
    $sections = [ordered]@{}
    $section = $null
    $entry = $null
    $fenceLine = 0
    $lastOrder = -1
    $skipping = $false
    for ($i = $titleIndex + 1; $i -lt $lines.Count; $i++) {
        $text = $lines[$i].TrimEnd()
        $number = $i + 1
        if ($text.TrimStart().StartsWith('```')) { $fenceLine = if ($fenceLine) { 0 } else { $number } }
        elseif (-not $fenceLine -and $text.StartsWith('#')) {
            $match = $Heading.Match($text)
            $level = $match.Groups[1].Length
            $title = $match.Groups[2].Value.Trim()
            if ($level -eq 2) {
                $order = $SectionOrder.IndexOf($title)
                # After an unknown or repeated section heading its text is skipped: one problem is enough.
                $section = $entry = $null
                $skipping = $true
                if ($order -lt 0) { Add-Problem $File $number "unknown section '## $title'; the sections are: $($SectionOrder -join ', ')"; continue }
                if ($sections.Contains($title)) { Add-Problem $File $number "section '## $title' appears twice"; continue }
                $skipping = $false
                if ($order -lt $lastOrder) { Add-Problem $File $number "section '## $title' is out of order; the order is: $($SectionOrder -join ', ')" }
                $lastOrder = $order
                $section = $sections[$title] = New-Block $title $number
                continue
            }
            if ($level -eq 3 -and $section -and $section.Title -in 'PARAMETERS', 'EXAMPLES') {
                $entry = New-Block $title $number
                $section.Entries.Add($entry)
                continue
            }
            $where = if ($section) { "in '## $($section.Title)'" } else { 'before the first section' }
            Add-Problem $File $number "unexpected heading '$text' $where (level-3 headings belong under PARAMETERS and EXAMPLES only)"
            continue
        }
        $target = if ($entry) { $entry } elseif ($section -and $section.Title -notin 'PARAMETERS', 'EXAMPLES') { $section }
        if ($target) { $target.Lines.Add($text); $target.Numbers.Add($number) }
        elseif ($text -and -not $skipping) {
            $where = if ($section) { "in '## $($section.Title)' before its first '### ' entry" } else { "outside any '## SECTION'" }
            Add-Problem $File $number "text $where"
        }
    }
    if ($fenceLine) { Add-Problem $File $fenceLine 'code block is not closed (missing ```)' }

    $help = [pscustomobject]@{
        File = $File; Synopsis = ''; Description = @(); Parameters = @{}; Examples = @()
        Inputs = @(); Outputs = @(); Notes = @(); Links = @()
    }
    foreach ($s in $sections.Values) {
        switch ($s.Title) {
            'SYNOPSIS' { $help.Synopsis = (ConvertTo-Paragraphs $s $File) -join ' ' }
            'DESCRIPTION' { $help.Description = ConvertTo-Paragraphs $s $File }
            'INPUTS' { $help.Inputs = ConvertTo-Paragraphs $s $File }
            'OUTPUTS' { $help.Outputs = ConvertTo-Paragraphs $s $File }
            'NOTES' { $help.Notes = ConvertTo-Paragraphs $s $File }
            'RELATED LINKS' { $help.Links = @(Read-RelatedLinks $s $File) }
            'PARAMETERS' {
                foreach ($e in $s.Entries) {
                    if ($e.Title -notmatch '^-([A-Za-z][A-Za-z0-9]*)$') { Add-Problem $File $e.Line "a parameter heading must be '### -Name', not '### $($e.Title)'"; continue }
                    $name = $Matches[1]
                    if ($help.Parameters.ContainsKey($name)) { Add-Problem $File $e.Line "parameter -$name is documented twice"; continue }
                    $help.Parameters[$name] = [pscustomobject]@{ Line = $e.Line; Text = ConvertTo-Paragraphs $e $File }
                }
            }
            'EXAMPLES' { $help.Examples = @(foreach ($e in $s.Entries) { Read-Example $e $File }) }
        }
    }
    if ($Problems.Count -eq $problemsBefore) { $help }
}

# "### Example N: Title", then the commands in code blocks and what they do in paragraphs.
function Read-Example($Entry, [string]$File) {
    if ($Entry.Title -notmatch '^Example\s+\d+:\s*\S') { Add-Problem $File $Entry.Line "an example heading must be '### Example N: Title', not '### $($Entry.Title)'"; return }
    $code = [System.Text.StringBuilder]::new()
    $remarks = New-Block $Entry.Title $Entry.Line
    $inCommands = $false
    $inOther = $false
    for ($i = 0; $i -lt $Entry.Lines.Count; $i++) {
        $text = $Entry.Lines[$i]
        $trimmed = $text.Trim()
        if (-not $inCommands -and -not $inOther -and $trimmed.StartsWith('```')) {
            # Commands become the example's code; any other block (```output, ```text) stays with the remarks.
            $inCommands = $trimmed.Substring(3).Trim() -in '', 'powershell', 'pwsh', 'ps', 'ps1'
            $inOther = -not $inCommands
            if ($inCommands) { if ($code.Length) { $null = $code.Append("`n") }; continue }
        }
        elseif ($inCommands) {
            if ($trimmed -eq '```') { $inCommands = $false }
            else { $null = $code.Append($text).Append("`n") }
            continue
        }
        elseif ($inOther -and $trimmed -eq '```') { $inOther = $false }
        $remarks.Lines.Add($text)
        $remarks.Numbers.Add($Entry.Numbers[$i])
    }
    if (-not $code.ToString().Trim()) { Add-Problem $File $Entry.Line "'### $($Entry.Title)' has no code block"; return }
    [pscustomobject]@{ Title = $Entry.Title; Code = $code.ToString().Trim("`n"); Remarks = ConvertTo-Paragraphs $remarks $File }
}

# "- Other-Cmdlet", "- about_CompassPS" or "- [text](https://...)".
function Read-RelatedLinks($Block, [string]$File) {
    for ($i = 0; $i -lt $Block.Lines.Count; $i++) {
        $text = $Block.Lines[$i]
        if (-not $text) { continue }
        if ($text -match '^\s*[-*]\s+\[([^\]]+)\]\(([^)\s]+)\)\s*$') { [pscustomobject]@{ Text = $Matches[1]; Uri = $Matches[2] } }
        elseif ($text -match '^\s*[-*]\s+(\S.*)$') { [pscustomobject]@{ Text = $Matches[1].Trim(); Uri = '' } }
        else { Add-Problem $File $Block.Numbers[$i] "a related link must be a list item ('- Name' or '- [text](uri)')" }
    }
}

#endregion

#region What the compiled cmdlet declares

$TypeNames = @{}
# The short name Get-Help shows after a parameter (String[], Hashtable) and the full name for its type
# entry, with nullables unwrapped and generics written as PowerShell writes them.
function Get-TypeName([type]$Type, [switch]$Full) {
    $key = "$Full|$($Type.AssemblyQualifiedName)"
    if ($TypeNames.ContainsKey($key)) { return $TypeNames[$key] }
    $underlying = [Nullable]::GetUnderlyingType($Type)
    $name = if ($underlying) { Get-TypeName $underlying -Full:$Full }
    elseif ($Type.IsArray) { (Get-TypeName $Type.GetElementType() -Full:$Full) + '[]' }
    elseif ($Type.IsGenericType) {
        $arguments = @(foreach ($a in $Type.GetGenericArguments()) { Get-TypeName $a -Full:$Full }) -join ', '
        $(if ($Full) { $Type.GetGenericTypeDefinition().FullName } else { $Type.Name }) -replace '`\d+$', "[$arguments]"
    }
    elseif ($Full) { $Type.FullName }
    else { $Type.Name }
    $TypeNames[$key] = $name
    $name
}

# The default a user gets when they leave a parameter out: [PSDefaultValue] if declared, else the value
# a new cmdlet object starts with when that says something (not null, empty, or the type's zero).
function Get-ParameterDefault($Metadata, $FreshInstance) {
    foreach ($a in $Metadata.Attributes) {
        if ($a -is [PSDefaultValueAttribute]) {
            if ($a.Help) { return $a.Help }
            if ($null -ne $a.Value) { return [string]$a.Value }
        }
    }
    if ($Metadata.SwitchParameter) { return 'False' }
    if ($null -eq $FreshInstance -or $Metadata.IsDynamic) { return 'None' }
    $property = $FreshInstance.GetType().GetProperty($Metadata.Name)
    $value = if ($property) { $property.GetValue($FreshInstance) }
    if ($null -eq $value) { return 'None' }
    if ($value -is [string]) { if ($value) { return $value } else { return 'None' } }
    if ($value -is [System.Collections.ICollection]) { if ($value.Count) { return @(foreach ($v in $value) { [string]$v }) -join ', ' } else { return 'None' } }
    if ($value.GetType().IsValueType -and $value.Equals([Activator]::CreateInstance($value.GetType()))) { return 'None' }
    [string]$value
}

$PipelineInputText = @{ 'FalseFalse' = 'False'; 'TrueFalse' = 'True (ByValue)'; 'FalseTrue' = 'True (ByPropertyName)'; 'TrueTrue' = 'True (ByValue, ByPropertyName)' }

# Everything Get-Help needs about one cmdlet's parameters: merged for the parameters section, and per
# parameter set for the syntax.
function Get-CommandShape([CmdletInfo]$Command) {
    $attribute = $Command.ImplementingType.GetCustomAttributes([CmdletAttribute], $false)[0]
    $fresh = $null
    try { $fresh = [Activator]::CreateInstance($Command.ImplementingType) }
    catch { Write-Verbose "No default values for $($Command.Name): $($_.Exception.Message)" }

    # Declaration order, which is how the parameters section lists them.
    $parameters = [ordered]@{}
    foreach ($metadata in $Command.Parameters.Values) {
        if ($CommonParameters.Contains($metadata.Name)) { continue }
        $globbing = $false
        foreach ($a in $metadata.Attributes) { if ($a -is [SupportsWildcardsAttribute]) { $globbing = $true } }
        $parameters[$metadata.Name] = [pscustomobject]@{
            Name           = $metadata.Name
            Type           = $metadata.ParameterType
            IsSwitch       = $metadata.SwitchParameter
            Aliases        = if ($metadata.Aliases.Count) { $metadata.Aliases -join ', ' } else { 'none' }
            Globbing       = $globbing
            Default        = Get-ParameterDefault $metadata $fresh
            Mandatory      = $true
            Position       = $null
            ByValue        = $false
            ByPropertyName = $false
            FromEngine     = $metadata.Name -in $EngineParameters
        }
    }

    $sets = @(foreach ($s in $Command.ParameterSets) { if ($s.IsDefault) { $s } }) + @(foreach ($s in $Command.ParameterSets) { if (-not $s.IsDefault) { $s } })
    $syntax = foreach ($set in $sets) {
        $entries = [SortedDictionary[double, object]]::new()
        foreach ($p in $set.Parameters) {
            if ($CommonParameters.Contains($p.Name)) { continue }
            $position = if ($p.Position -ge 0) { [string]$p.Position } else { 'named' }
            $merged = $parameters[$p.Name]
            $merged.Mandatory = $merged.Mandatory -and $p.IsMandatory
            # Where positions differ between sets, the default set's is listed; the syntax shows each.
            if ($null -eq $merged.Position) { $merged.Position = $position }
            $merged.ByValue = $merged.ByValue -or $p.ValueFromPipeline
            $merged.ByPropertyName = $merged.ByPropertyName -or $p.ValueFromPipelineByPropertyName
            # Order as Get-Command -Syntax does: positional by position, mandatory, optional, then the
            # engine's parameters; the count keeps declaration order among equals.
            $engineIndex = $EngineParameters.IndexOf($p.Name)
            $rank = if ($engineIndex -ge 0) { 3000 + $engineIndex } elseif ($p.Position -ge 0) { $p.Position } elseif ($p.IsMandatory) { 1000 } else { 2000 }
            $entries.Add($rank * 1000 + $entries.Count, [pscustomobject]@{
                    Name      = $p.Name
                    Mandatory = $p.IsMandatory
                    Position  = $position
                    Pipeline  = $PipelineInputText["$($p.ValueFromPipeline)$($p.ValueFromPipelineByPropertyName)"]
                })
        }
        [pscustomobject]@{ Name = $set.Name; Parameters = @($entries.Values) }
    }

    $outputTypes = [List[string]]::new()
    foreach ($o in $Command.OutputType) {
        $name = if ($o.Type) { Get-TypeName $o.Type -Full } else { $o.Name }
        if (-not $outputTypes.Contains($name)) { $outputTypes.Add($name) }
    }
    [pscustomobject]@{
        Name          = $Command.Name
        Verb          = $Command.Verb
        Noun          = $Command.Noun
        Syntax        = @($syntax)
        Parameters    = $parameters
        OutputTypes   = $outputTypes
        ConfirmImpact = $attribute.ConfirmImpact
    }
}

#endregion

#region MAML

$Namespaces = 'xmlns:maml="http://schemas.microsoft.com/maml/2004/10" xmlns:command="http://schemas.microsoft.com/maml/dev/command/2004/10" xmlns:dev="http://schemas.microsoft.com/maml/dev/2004/10" xmlns:MSHelp="http://msdn.microsoft.com/mshelp"'
# {0} required, {1} variableLength, {2} globbing, {3} pipelineInput, {4} position, {5} aliases, {6} name,
# {7} description paragraphs, {8} parameterValue element or nothing, {9} full type name, {10} default.
$ParameterTemplate = '<command:parameter required="{0}" variableLength="{1}" globbing="{2}" pipelineInput="{3}" position="{4}" aliases="{5}"><maml:name>{6}</maml:name><maml:description>{7}</maml:description>{8}<dev:type><maml:name>{9}</maml:name></dev:type><dev:defaultValue>{10}</dev:defaultValue></command:parameter>'

function ConvertTo-ParaXml([string[]]$Paragraphs) {
    $xml = ''
    foreach ($p in $Paragraphs) { $xml += '<maml:para>' + [System.Security.SecurityElement]::Escape($p) + '</maml:para>' }
    $xml
}

function Add-CommandHelp([System.Text.StringBuilder]$Xml, $Shape, $Help) {
    $esc = [System.Security.SecurityElement]
    $null = $Xml.Append("<command:command $Namespaces><command:details>").
        Append("<command:name>$($Shape.Name)</command:name><command:verb>$($Shape.Verb)</command:verb><command:noun>$($Shape.Noun)</command:noun>").
        Append('<maml:description>').Append((ConvertTo-ParaXml $Help.Synopsis)).Append('</maml:description></command:details>').
        Append('<maml:description>').Append((ConvertTo-ParaXml $Help.Description)).Append('</maml:description>')

    # What each parameter contributes, computed once and used in the syntax and the parameters section.
    $parts = @{}
    foreach ($p in $Shape.Parameters.Values) {
        $text = if ($Help.Parameters.ContainsKey($p.Name)) { $Help.Parameters[$p.Name].Text }
        elseif ($EngineParameterText.ContainsKey($p.Name)) {
            $EngineParameterText[$p.Name] + $(if ($p.Name -eq 'Confirm' -and $Shape.ConfirmImpact -eq [ConfirmImpact]::High) { $HighImpactConfirmText })
        }
        $isArray = $p.Type.IsArray.ToString().ToLowerInvariant()
        $value = '<command:parameterValue required="{0}" variableLength="{1}">{2}</command:parameterValue>' -f (-not $p.IsSwitch).ToString().ToLowerInvariant(), $isArray, $esc::Escape((Get-TypeName $p.Type))
        $parts[$p.Name] = [pscustomobject]@{
            IsArray     = $isArray
            Globbing    = $p.Globbing.ToString().ToLowerInvariant()
            Aliases     = $esc::Escape($p.Aliases)
            Description = ConvertTo-ParaXml $text
            # A switch takes no value: the syntax line shows [-Name], the parameters section its type.
            SyntaxValue = if ($p.IsSwitch) { '' } else { $value }
            Value       = $value
            TypeName    = $esc::Escape((Get-TypeName $p.Type -Full))
            Default     = $esc::Escape($p.Default)
        }
    }

    $null = $Xml.Append('<command:syntax>')
    foreach ($set in $Shape.Syntax) {
        $null = $Xml.Append("<command:syntaxItem><maml:name>$($Shape.Name)</maml:name>")
        foreach ($entry in $set.Parameters) {
            $part = $parts[$entry.Name]
            $null = $Xml.AppendFormat($ParameterTemplate, $entry.Mandatory.ToString().ToLowerInvariant(), $part.IsArray, $part.Globbing, $entry.Pipeline,
                $entry.Position, $part.Aliases, $entry.Name, $part.Description, $part.SyntaxValue, $part.TypeName, $part.Default)
        }
        $null = $Xml.Append('</command:syntaxItem>')
    }
    $null = $Xml.Append('</command:syntax><command:parameters>')
    foreach ($p in $Shape.Parameters.Values) {
        $part = $parts[$p.Name]
        $null = $Xml.AppendFormat($ParameterTemplate, $p.Mandatory.ToString().ToLowerInvariant(), $part.IsArray, $part.Globbing,
            $PipelineInputText["$($p.ByValue)$($p.ByPropertyName)"], $p.Position, $part.Aliases, $p.Name, $part.Description, $part.Value, $part.TypeName, $part.Default)
    }
    $null = $Xml.Append('</command:parameters><command:inputTypes>')

    # Inputs: what the pipeline-bound parameters accept, described by the page's INPUTS text if it has one.
    $inputs = [List[object]]::new()
    $byName = [List[string]]::new()
    foreach ($p in $Shape.Parameters.Values) {
        if ($p.ByValue) { $inputs.Add(@((Get-TypeName $p.Type -Full), "You can pipe values of this type to -$($p.Name).")) }
        if ($p.ByPropertyName) { $byName.Add($(if ($p.Aliases -ne 'none') { "$($p.Name) (or $($p.Aliases))" } else { $p.Name })) }
    }
    if ($byName.Count) { $inputs.Add(@('System.Management.Automation.PSObject', "You can pipe objects with a property named $($byName -join ', '); each binds to the parameter of that name.")) }
    if ($Help.Inputs) { $inputs = @(, @($(if ($inputs.Count) { @(foreach ($i in $inputs) { $i[0] }) -join ', ' } else { 'None' }), $Help.Inputs)) }
    elseif (-not $inputs.Count) { $inputs.Add(@('None', 'This cmdlet takes no pipeline input.')) }
    foreach ($i in $inputs) {
        $null = $Xml.Append('<command:inputType><dev:type><maml:name>').Append($esc::Escape($i[0])).Append('</maml:name></dev:type><maml:description>').
            Append((ConvertTo-ParaXml $i[1])).Append('</maml:description></command:inputType>')
    }

    $outputType = if ($Shape.OutputTypes.Count) { $Shape.OutputTypes -join ', ' } else { 'None' }
    $null = $Xml.Append('</command:inputTypes><command:returnValues><command:returnValue><dev:type><maml:name>').Append($esc::Escape($outputType)).
        Append('</maml:name></dev:type><maml:description>').Append((ConvertTo-ParaXml $Help.Outputs)).Append('</maml:description></command:returnValue></command:returnValues>')

    if ($Help.Notes) { $null = $Xml.Append('<maml:alertSet><maml:alert>').Append((ConvertTo-ParaXml $Help.Notes)).Append('</maml:alert></maml:alertSet>') }

    $null = $Xml.Append('<command:examples>')
    foreach ($example in $Help.Examples) {
        $null = $Xml.Append('<command:example><maml:title>').Append($esc::Escape("---------- $($example.Title) ----------")).Append('</maml:title><dev:code>').
            Append($esc::Escape($example.Code)).Append('</dev:code><dev:remarks>').Append((ConvertTo-ParaXml $example.Remarks)).Append('</dev:remarks></command:example>')
    }
    $null = $Xml.Append('</command:examples><command:relatedLinks>')
    foreach ($link in $Help.Links) {
        $null = $Xml.Append('<maml:navigationLink><maml:linkText>').Append($esc::Escape($link.Text)).Append('</maml:linkText><maml:uri>').Append($esc::Escape($link.Uri)).Append('</maml:uri></maml:navigationLink>')
    }
    $null = $Xml.Append('</command:relatedLinks></command:command>')
}

#endregion

#region about topic

# Console text for about_CompassPS in the classic layout PowerShell 5.1 and 7 both read: '## X' becomes
# an upper-case heading, '### Y' an underlined sub-heading; paragraphs and list items are wrapped to
# 80 columns; code blocks and tables keep their lines.
function ConvertTo-AboutText([string]$Path, [string]$File, [string]$TopicName) {
    $lines = [System.IO.File]::ReadAllLines($Path)
    $titleIndex = 0
    while ($titleIndex -lt $lines.Count -and -not $lines[$titleIndex].Trim()) { $titleIndex++ }
    if ($titleIndex -ge $lines.Count -or $lines[$titleIndex].TrimEnd() -cne "# $TopicName") {
        Add-Problem $File ($titleIndex + 1) "the file must start with the heading '# $TopicName'"
        return
    }
    $out = [List[string]]::new()
    $out.AddRange([string[]]@('TOPIC', "    $TopicName"))
    $paragraph = [System.Text.StringBuilder]::new()
    $hangingIndent = 4
    $previous = 'heading'
    $fenceLine = 0
    $sections = [List[string]]::new()
    for ($i = $titleIndex + 1; $i -le $lines.Count; $i++) {
        $text = if ($i -lt $lines.Count) { $lines[$i].TrimEnd() } else { '' }
        $trimmed = $text.Trim()
        if ($fenceLine) {
            if ($trimmed -eq '```') { $fenceLine = 0 } else { $out.Add(('        ' + $text).TrimEnd()) }
            continue
        }
        $kind = if (-not $trimmed) { 'blank' } elseif ($trimmed.StartsWith('```')) { 'code' } elseif ($text.StartsWith('#')) { 'heading' }
        elseif ($trimmed.StartsWith('|')) { 'table' } elseif ($ListItem.IsMatch($trimmed)) { 'list' } else { 'text' }
        if ($kind -eq 'text' -and $paragraph.Length) { $null = $paragraph.Append(' ').Append($trimmed); continue }
        # Anything else ends the paragraph or list item being gathered.
        if ($paragraph.Length) {
            $words = $Bold.Replace($Link.Replace($paragraph.ToString(), '$1 ($2)'), '$1').Split([char]' ', [StringSplitOptions]::RemoveEmptyEntries)
            $line = '    '
            foreach ($word in $words) {
                if ($line.Trim() -and $line.Length + 1 + $word.Length -gt 80) { $out.Add($line); $line = (' ' * $hangingIndent) + $word }
                elseif ($line.Trim()) { $line += " $word" }
                else { $line += $word }
            }
            $out.Add($line)
            $null = $paragraph.Clear()
        }
        if ($kind -eq 'blank') { continue }
        if (-not $sections.Count -and $kind -ne 'heading') { Add-Problem $File ($i + 1) "text before the first '## SECTION'"; continue }
        # One blank line between blocks, none right under a section heading, between the items of one
        # list or between the rows of one table.
        $sameBlock = $kind -eq $previous -and $kind -in 'list', 'table'
        if (-not $sameBlock -and ($previous -ne 'heading' -or $kind -eq 'heading')) { $out.Add('') }
        $previous = $kind
        switch ($kind) {
            'code' { $fenceLine = $i + 1 }
            'table' { $out.Add("    $trimmed") }
            'list' { $hangingIndent = 4 + $ListItem.Match($trimmed).Length; $null = $paragraph.Append($trimmed) }
            'text' { $hangingIndent = 4; $null = $paragraph.Append($trimmed) }
            'heading' {
                $match = $Heading.Match($text)
                $title = $match.Groups[2].Value.Trim()
                if ($match.Groups[1].Length -eq 2) { $sections.Add($title.ToUpperInvariant()); $out.Add($title.ToUpperInvariant()) }
                elseif ($match.Groups[1].Length -eq 3 -and $sections.Count) { $out.Add("  $title"); $out.Add('  ' + ('-' * $title.Length)) }
                else { Add-Problem $File ($i + 1) "unexpected heading '$text' (use '## SECTION' and '### Sub-heading')" }
            }
        }
    }
    if ($fenceLine) { Add-Problem $File $fenceLine 'code block is not closed (missing ```)' }
    # Get-Help takes the topic's synopsis from this section.
    if ('SHORT DESCRIPTION' -notin $sections) { Add-Problem $File 0 "the '## SHORT DESCRIPTION' section is missing" }
    ($out -join [Environment]::NewLine) + [Environment]::NewLine
}

#endregion

$clock = [Diagnostics.Stopwatch]::StartNew()
# Problems and warnings name files as the repository does (docs/help/X.md), whatever the working folder.
$displayRoot = Split-Path ([System.IO.Path]::GetFullPath($SourceDirectory))
$helpSourceDirectory = Join-Path $SourceDirectory 'help'
# A full path: Import-Module would take a relative one without ./ for a module name.
Import-Module (Join-Path ([System.IO.Path]::GetFullPath($ModuleDirectory)) "$ModuleName.psd1")
$commands = [ordered]@{}
foreach ($c in @(Get-Command -Module $ModuleName -CommandType Cmdlet | Sort-Object Name)) { $commands[$c.Name] = $c }

$pages = @{}
if (Test-Path $helpSourceDirectory) {
    foreach ($page in [System.IO.DirectoryInfo]::new($helpSourceDirectory).GetFiles('*.md')) {
        if ($page.Name -eq 'README.md') { continue }
        $display = [System.IO.Path]::GetRelativePath($displayRoot, $page.FullName)
        $command = $commands[$page.BaseName]
        if (-not $command) { Write-Warning "${display}: $ModuleName exports no cmdlet $($page.BaseName); the page is not used"; continue }
        $pages[$command.Name] = Read-HelpSource $page.FullName $display $command.Name
    }
}

$xml = [System.Text.StringBuilder]::new('<?xml version="1.0" encoding="utf-8"?><helpItems schema="maml" xmlns="http://msh">')
$written = 0
foreach ($command in $commands.Values) {
    # Without a page the cmdlet keeps PowerShell's own syntax-only help, which the help test reports.
    if (-not $pages.ContainsKey($command.Name)) {
        Write-Warning "$([System.IO.Path]::GetRelativePath($displayRoot, (Join-Path $helpSourceDirectory "$($command.Name).md"))) is missing: Get-Help $($command.Name) shows only its syntax"
        continue
    }
    $help = $pages[$command.Name]
    if (-not $help) { continue }
    $shape = Get-CommandShape $command
    foreach ($name in $help.Parameters.Keys) {
        if (-not $shape.Parameters.Contains($name)) { Write-Warning "$($help.File):$($help.Parameters[$name].Line): $($command.Name) has no parameter -$name" }
    }
    $undocumented = @(foreach ($p in $shape.Parameters.Values) { if (-not $p.FromEngine -and -not $help.Parameters.ContainsKey($p.Name)) { "-$($p.Name)" } })
    if ($undocumented) { Write-Warning "$($help.File): no text for parameter(s) $($undocumented -join ', ')" }
    Add-CommandHelp $xml $shape $help
    $written++
}
$null = $xml.Append('</helpItems>')

$aboutSource = Join-Path $SourceDirectory "about_$ModuleName.md"
$aboutText = if (Test-Path $aboutSource) { ConvertTo-AboutText $aboutSource ([System.IO.Path]::GetRelativePath($displayRoot, $aboutSource)) "about_$ModuleName" }
else { Write-Warning "$([System.IO.Path]::GetRelativePath($displayRoot, $aboutSource)) is missing: Get-Help about_$ModuleName will find nothing" }

if ($Problems.Count) {
    [Console]::Error.WriteLine("Help sources are malformed ($($Problems.Count) problem(s); the format is in docs/help/README.md):")
    foreach ($p in $Problems) { [Console]::Error.WriteLine("  $p") }
    exit 1
}

$culture = Join-Path $ModuleDirectory 'en-US'
$null = [System.IO.Directory]::CreateDirectory($culture)
# Loading the text checks it is well-formed XML; saving it indented keeps the file readable.
$document = [System.Xml.XmlDocument]::new()
$document.LoadXml($xml.ToString())
$settings = [System.Xml.XmlWriterSettings]@{ Indent = $true; Encoding = [System.Text.UTF8Encoding]::new($false) }
$writer = [System.Xml.XmlWriter]::Create((Join-Path $culture "$ModuleName.dll-Help.xml"), $settings)
try { $document.Save($writer) } finally { $writer.Dispose() }
if ($aboutText) { [System.IO.File]::WriteAllText((Join-Path $culture "about_$ModuleName.help.txt"), $aboutText, [System.Text.UTF8Encoding]::new($false)) }
Write-Host ("Help for {0} of {1} cmdlet(s) written to {2} in {3:N0} ms" -f $written, $commands.Count, $culture, $clock.Elapsed.TotalMilliseconds)
