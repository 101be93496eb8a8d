<#
.SYNOPSIS
    Generates the module's Get-Help files from docs/help/*.md and docs/about_*.md.
.DESCRIPTION
    Imports the built module by path and, for every cmdlet it exports, merges the text of
    docs/help/<Verb-Noun>.md (format: docs/help/README.md) with what the compiled cmdlet declares:
    parameter sets, types, mandatory, positions, pipeline input, aliases, wildcards, default values,
    and the -WhatIf/-Confirm and -First/-Skip/-IncludeTotalCount parameters that SupportsShouldProcess
    and SupportsPaging add. Writes MAML to <ModuleDirectory>/en-US/CompassPS.dll-Help.xml and each about
    topic (docs/about_CompassPS.md, docs/about_CompassWorkflowDefinition.md, ...) to
    <ModuleDirectory>/en-US/about_<Topic>.help.txt, as plain text: tables become aligned columns.

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
    # The folder that holds help/<Verb-Noun>.md and the about_*.md topics.
    [Parameter(Mandatory)][string]$SourceDirectory
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

# This runs on every build, and each PowerShell statement or function call costs microseconds to tens of
# microseconds: pages are parsed with regular expressions over the whole text, and the MAML is built as
# text in one StringBuilder, with few helper calls per parameter.

$ModuleName = 'CompassPS'
$SectionOrder = @('SYNOPSIS', 'DESCRIPTION', 'PARAMETERS', 'EXAMPLES', 'INPUTS', 'OUTPUTS', 'NOTES', 'RELATED LINKS')
$EngineParameters = @('WhatIf', 'Confirm', 'IncludeTotalCount', 'Skip', 'First')
# Always-present common parameters never get an entry: Get-Help describes them under <CommonParameters>.
$CommonParameters = [HashSet[string]]::new([string[]][Cmdlet]::CommonParameters, [StringComparer]::OrdinalIgnoreCase)

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

$FenceLine = [regex]::new('(?m)^[ \t]*```.*$')
$HeadingLine = [regex]::new('(?m)^(#{1,6})[ \t]+(.*?)[ \t]*$')
# A fenced block: its language, then its lines. Split with this keeps both as captures.
$FencedBlock = [regex]::new('(?ms)^[ \t]*```[ \t]*([^\n]*?)[ \t]*\n(.*?)^[ \t]*```[ \t]*$')
$ListItemStart = [regex]::new('(?m)^[ \t]*(?=(?:[-*+]|\d+\.)[ \t])')
$BlankLines = [regex]::new('\n[ \t]*\n')
$LineBreak = [regex]::new('[ \t]*\n[ \t]*')
$Link = [regex]::new('\[([^\]]+)\]\(([^)\s]+)\)')
$Bold = [regex]::new('\*\*([^*]+)\*\*')
$CodeLanguages = @('', 'powershell', 'pwsh', 'ps', 'ps1')

function Get-LineNumber([string]$Text, [int]$Index) {
    $Text.Substring(0, $Index).Split("`n").Count
}

# A problem at a position in a page; the line number is worked out only when there is a problem.
function Add-ProblemAt([string]$File, [string]$Text, [int]$Index, [string]$Message) {
    Add-Problem $File (Get-LineNumber $Text $Index) $Message
}

# Paragraphs for MAML from a block of markdown: blank lines separate paragraphs, each list item is its own
# paragraph, wrapped lines join with a space, links keep their text and target, bold markers go; a fenced
# block stays one paragraph with its line breaks. With -Code, blocks in a PowerShell language are returned
# separately as the commands (for examples).
function ConvertTo-Paragraphs([string]$Markdown, [switch]$Code) {
    $paragraphs = [List[string]]::new()
    $commands = [List[string]]::new()
    # Split yields prose, then language and content of a block, then prose again, and so on.
    $parts = $FencedBlock.Split($Markdown)
    for ($i = 0; $i -lt $parts.Count; $i += 3) {
        $prose = $ListItemStart.Replace($parts[$i], "`n")
        foreach ($paragraph in $BlankLines.Split($prose.Trim())) {
            if ($paragraph) { $paragraphs.Add($Bold.Replace($Link.Replace($LineBreak.Replace($paragraph, ' '), '$1 ($2)'), '$1')) }
        }
        if ($i + 2 -lt $parts.Count) {
            $block = $parts[$i + 2].TrimEnd()
            if ($Code -and $parts[$i + 1] -in $CodeLanguages) { $commands.Add($block) } else { $paragraphs.Add($block) }
        }
    }
    if ($Code) { [pscustomobject]@{ Code = $commands -join "`n`n"; Remarks = $paragraphs.ToArray() } }
    else { , $paragraphs.ToArray() }
}

# Parses docs/help/<Verb-Noun>.md (format: docs/help/README.md). Returns nothing after recording
# problems when the file is malformed.
function Read-HelpSource([string]$Path, [string]$File, [string]$CommandName) {
    $text = [System.IO.File]::ReadAllText($Path).Replace("`r`n", "`n")
    $problemsBefore = $Problems.Count
    $fences = $FenceLine.Matches($text)
    if ($fences.Count % 2) { Add-Problem $File (Get-LineNumber $text $fences[$fences.Count - 1].Index) 'code block is not closed (missing ```)'; return }

    # Headings inside code blocks (a '# comment' in an example) are code, not structure.
    $headings = foreach ($h in $HeadingLine.Matches($text)) {
        $inBlock = $false
        for ($f = 0; $f -lt $fences.Count; $f += 2) { if ($h.Index -gt $fences[$f].Index -and $h.Index -lt $fences[$f + 1].Index) { $inBlock = $true } }
        if (-not $inBlock) { $h }
    }
    $headings = @($headings)
    if (-not $headings -or $headings[0].Value -cne "# $CommandName" -or $text.Substring(0, $headings[0].Index).Trim()) {
        Add-Problem $File $(if ($headings) { Get-LineNumber $text $headings[0].Index } else { 1 }) "the file must start with the heading '# $CommandName'"
        return
    }

    $help = [pscustomobject]@{
        File = $File; Source = $text; Synopsis = ''; Description = @(); Parameters = @{}; Examples = @()
        Inputs = @(); Outputs = @(); Notes = @(); Links = @()
    }
    $seen = [HashSet[string]]::new()
    $section = $null
    $lastOrder = -1
    $examples = [List[object]]::new()
    for ($i = 0; $i -lt $headings.Count; $i++) {
        $heading = $headings[$i]
        $level = $heading.Groups[1].Length
        $title = $heading.Groups[2].Value
        $bodyStart = $heading.Index + $heading.Length
        $bodyEnd = if ($i + 1 -lt $headings.Count) { $headings[$i + 1].Index } else { $text.Length }
        $body = $text.Substring($bodyStart, $bodyEnd - $bodyStart)
        $at = $heading.Index
        # Where text that should not be there starts, if there is any.
        $stray = if ($body.Trim()) { $bodyStart + $body.Length - $body.TrimStart().Length } else { -1 }
        if ($i -eq 0) { if ($stray -ge 0) { Add-ProblemAt $File $text $stray "text outside any '## SECTION'" }; continue }

        if ($level -eq 2) {
            $order = $SectionOrder.IndexOf($title)
            $section = $null
            # An unknown or repeated section is one problem; its text is not checked further.
            if ($order -lt 0) { Add-ProblemAt $File $text $at "unknown section '## $title'; the sections are: $($SectionOrder -join ', ')"; continue }
            if (-not $seen.Add($title)) { Add-ProblemAt $File $text $at "section '## $title' appears twice"; continue }
            if ($order -lt $lastOrder) { Add-ProblemAt $File $text $at "section '## $title' is out of order; the order is: $($SectionOrder -join ', ')" }
            $lastOrder = $order
            $section = $title
            switch ($title) {
                'SYNOPSIS' { $help.Synopsis = (ConvertTo-Paragraphs $body) -join ' ' }
                'DESCRIPTION' { $help.Description = ConvertTo-Paragraphs $body }
                'INPUTS' { $help.Inputs = ConvertTo-Paragraphs $body }
                'OUTPUTS' { $help.Outputs = ConvertTo-Paragraphs $body }
                'NOTES' { $help.Notes = ConvertTo-Paragraphs $body }
                'RELATED LINKS' { $help.Links = @(Read-RelatedLinks $body $File ((Get-LineNumber $text $bodyStart) + 1)) }
                default { if ($stray -ge 0) { Add-ProblemAt $File $text $stray "text in '## $title' before its first '### ' entry" } }
            }
            continue
        }
        if ($level -eq 3 -and $section -eq 'PARAMETERS') {
            if ($title -notmatch '^-([A-Za-z][A-Za-z0-9]*)$') { Add-ProblemAt $File $text $at "a parameter heading must be '### -Name', not '### $title'"; continue }
            $name = $Matches[1]
            if ($help.Parameters.ContainsKey($name)) { Add-ProblemAt $File $text $at "parameter -$name is documented twice"; continue }
            $help.Parameters[$name] = [pscustomobject]@{ Index = $at; Text = ConvertTo-Paragraphs $body }
            continue
        }
        if ($level -eq 3 -and $section -eq 'EXAMPLES') {
            if ($title -notmatch '^Example\s+\d+:\s*\S') { Add-ProblemAt $File $text $at "an example heading must be '### Example N: Title', not '### $title'"; continue }
            $example = ConvertTo-Paragraphs $body -Code
            if (-not $example.Code.Trim()) { Add-ProblemAt $File $text $at "'### $title' has no code block"; continue }
            $examples.Add([pscustomobject]@{ Title = $title; Code = $example.Code.Trim("`n"); Remarks = $example.Remarks })
            continue
        }
        $where = if ($section) { "in '## $section'" } else { 'here' }
        Add-ProblemAt $File $text $at "unexpected heading '$($heading.Value)' $where (level-3 headings belong under PARAMETERS and EXAMPLES only)"
    }
    $help.Examples = $examples.ToArray()
    if ($Problems.Count -eq $problemsBefore) { $help }
}

# "- Other-Cmdlet", "- about_CompassPS" or "- [text](https://...)".
function Read-RelatedLinks([string]$Markdown, [string]$File, [int]$FirstLine) {
    $lines = $Markdown.Split("`n")
    for ($i = 0; $i -lt $lines.Count; $i++) {
        $text = $lines[$i].Trim()
        if (-not $text) { continue }
        if ($text -match '^[-*]\s+\[([^\]]+)\]\(([^)\s]+)\)$') { [pscustomobject]@{ Text = $Matches[1]; Uri = $Matches[2] } }
        elseif ($text -match '^[-*]\s+(\S.*)$') { [pscustomobject]@{ Text = $Matches[1]; Uri = '' } }
        else { Add-Problem $File ($FirstLine + $i - 1) "a related link must be a list item ('- Name' or '- [text](uri)')" }
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
        $acceptedValues = $null
        foreach ($a in $metadata.Attributes) {
            if ($a -is [SupportsWildcardsAttribute]) { $globbing = $true }
            elseif ($a -is [ValidateSetAttribute]) { $acceptedValues = $a.ValidValues -join ', ' }
        }
        $parameters[$metadata.Name] = [pscustomobject]@{
            Name           = $metadata.Name
            Type           = $metadata.ParameterType
            IsSwitch       = $metadata.SwitchParameter
            Aliases        = if ($metadata.Aliases.Count) { $metadata.Aliases -join ', ' } else { 'none' }
            Globbing       = $globbing
            AcceptedValues = $acceptedValues
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

# One escape over all paragraphs at once, split again at a separator that escaping leaves alone. No text
# still gives one empty paragraph: Get-Help lays out an example without remarks askew otherwise.
function ConvertTo-ParaXml([string[]]$Paragraphs) {
    '<maml:para>' + [System.Security.SecurityElement]::Escape($Paragraphs -join "`u{1}").Replace("`u{1}", '</maml:para><maml:para>') + '</maml:para>'
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
        if ($text -and $p.AcceptedValues) { $text = @($text) + "Accepted values: $($p.AcceptedValues)" }
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

# Console text for an about topic in the classic layout PowerShell 5.1 and 7 both read: '## X' becomes
# an upper-case heading, '### Y' an underlined sub-heading; paragraphs and list items are wrapped to
# 80 columns; code blocks keep their lines; tables become aligned columns (no Markdown pipes); `code`,
# **bold** and links lose their Markdown marks.
$ListItem = [regex]::new('^(?:[-*+]|\d+\.)[ \t]')
$InlineCode = [regex]::new('`([^`]+)`')
$TableSeparatorCell = [regex]::new('^:?-+:?$')
$CellSplit = [regex]::new('(?<!\\)\|')

function ConvertTo-PlainInline([string]$Text) {
    $InlineCode.Replace($Bold.Replace($Link.Replace($Text, '$1 ($2)'), '$1'), '$1')
}

# Words wrapped to lines of at most $Width characters (a longer word stands alone on its line).
function Split-Words([string]$Text, [int]$Width) {
    $lines = [List[string]]::new()
    $line = ''
    foreach ($word in $Text.Split([char]' ', [StringSplitOptions]::RemoveEmptyEntries)) {
        if ($line -and $line.Length + 1 + $word.Length -gt $Width) { $lines.Add($line); $line = $word }
        elseif ($line) { $line += " $word" }
        else { $line = $word }
    }
    $lines.Add($line)
    , $lines
}

# A Markdown table as console text: aligned columns under an underlined header, the last column wrapped
# to 80 characters; a table whose last column would get fewer than 36 becomes one block per row ("Header: value" lines).
function Add-TableText([List[string]]$Out, [List[string[]]]$Rows) {
    $columns = ($Rows | ForEach-Object { $_.Count } | Measure-Object -Maximum).Maximum
    $widths = [int[]]::new($columns)
    foreach ($row in $Rows) { for ($c = 0; $c -lt $row.Count; $c++) { $widths[$c] = [Math]::Max($widths[$c], $row[$c].Length) } }
    $lastStart = 4
    for ($c = 0; $c -lt $columns - 1; $c++) { $lastStart += $widths[$c] + 2 }
    if ($columns -gt 1 -and 80 - $lastStart -lt 36) {
        $header = $Rows[0]
        for ($r = 1; $r -lt $Rows.Count; $r++) {
            if ($r -gt 1) { $Out.Add('') }
            $row = $Rows[$r]
            $Out.Add("    $($row[0])")
            for ($c = 1; $c -lt $row.Count; $c++) {
                if (-not $row[$c]) { continue }
                $label = if ($c -lt $header.Count -and $header[$c]) { "$($header[$c]): " } else { '' }
                $wrapped = Split-Words "$label$($row[$c])" 70
                $Out.Add("        $($wrapped[0])")
                for ($w = 1; $w -lt $wrapped.Count; $w++) { $Out.Add("          $($wrapped[$w])") }
            }
        }
        return
    }
    for ($r = 0; $r -lt $Rows.Count; $r++) {
        $row = $Rows[$r]
        $prefix = '    '
        for ($c = 0; $c -lt $columns - 1; $c++) { $prefix += $(if ($c -lt $row.Count) { $row[$c] } else { '' }).PadRight($widths[$c] + 2) }
        $last = if ($columns - 1 -lt $row.Count) { $row[$columns - 1] } else { '' }
        $wrapped = Split-Words $last (80 - $lastStart)
        $Out.Add(($prefix + $wrapped[0]).TrimEnd())
        for ($w = 1; $w -lt $wrapped.Count; $w++) { $Out.Add((' ' * $lastStart) + $wrapped[$w]) }
        if ($r -eq 0) {
            $rule = @(for ($c = 0; $c -lt $columns - 1; $c++) { '-' * [Math]::Max(1, $widths[$c]) }) + @('-' * [Math]::Max(1, [Math]::Min($widths[$columns - 1], 80 - $lastStart)))
            $Out.Add(('    ' + ($rule -join '  ')).TrimEnd())
        }
    }
}

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
    $tableRows = [List[string[]]]::new()
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
        if ($kind -eq 'table') {
            $cells = [string[]]@($CellSplit.Split($trimmed.Trim('|')) | ForEach-Object { (ConvertTo-PlainInline $_.Trim()).Replace('\|', '|') })
            $isSeparator = $tableRows.Count -eq 1 -and -not @($cells | Where-Object { -not $TableSeparatorCell.IsMatch($_) })
            if ($tableRows.Count -and $previous -eq 'table') {
                if (-not $isSeparator) { $tableRows.Add($cells) }
                continue
            }
        }
        # Anything else ends the table, paragraph or list item being gathered.
        if ($tableRows.Count) { Add-TableText $out $tableRows; $tableRows.Clear() }
        if ($paragraph.Length) {
            $words = (ConvertTo-PlainInline $paragraph.ToString()).Split([char]' ', [StringSplitOptions]::RemoveEmptyEntries)
            $line = '    '
            foreach ($word in $words) {
                # Get-Help reads only the first line under SHORT DESCRIPTION as the synopsis: that one is not wrapped.
                if ($line.Trim() -and $line.Length + 1 + $word.Length -gt 80 -and $sections[-1] -ne 'SHORT DESCRIPTION') { $out.Add($line); $line = (' ' * $hangingIndent) + $word }
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
            'table' { $tableRows.Add($cells) }
            'list' { $hangingIndent = 4 + $ListItem.Match($trimmed).Length; $null = $paragraph.Append($trimmed) }
            'text' { $hangingIndent = 4; $null = $paragraph.Append($trimmed) }
            'heading' {
                $match = $HeadingLine.Match($text)
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
$module = Import-Module (Join-Path ([System.IO.Path]::GetFullPath($ModuleDirectory)) "$ModuleName.psd1") -PassThru
# By name, in order (a sorted dictionary rather than Sort-Object, whose first use alone costs 0.1 s).
$commands = [SortedDictionary[string, CmdletInfo]]::new([StringComparer]::OrdinalIgnoreCase)
foreach ($c in $module.ExportedCmdlets.Values) { $commands[$c.Name] = $c }

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
        if (-not $shape.Parameters.Contains($name)) { Write-Warning "$($help.File):$(Get-LineNumber $help.Source $help.Parameters[$name].Index): $($command.Name) has no parameter -$name" }
    }
    $undocumented = @(foreach ($p in $shape.Parameters.Values) { if (-not $p.FromEngine -and -not $help.Parameters.ContainsKey($p.Name)) { "-$($p.Name)" } })
    if ($undocumented) { Write-Warning "$($help.File): no text for parameter(s) $($undocumented -join ', ')" }
    Add-CommandHelp $xml $shape $help
    $written++
}
$null = $xml.Append('</helpItems>')

# Every about_<Topic>.md beside help/ becomes about_<Topic>.help.txt; the module's own topic should exist.
$aboutTexts = [ordered]@{}
foreach ($aboutSource in [System.IO.DirectoryInfo]::new($SourceDirectory).GetFiles('about_*.md')) {
    $topicName = $aboutSource.BaseName
    $aboutTexts[$topicName] = ConvertTo-AboutText $aboutSource.FullName ([System.IO.Path]::GetRelativePath($displayRoot, $aboutSource.FullName)) $topicName
}
if (-not $aboutTexts.Contains("about_$ModuleName")) {
    Write-Warning "$([System.IO.Path]::GetRelativePath($displayRoot, (Join-Path $SourceDirectory "about_$ModuleName.md"))) is missing: Get-Help about_$ModuleName will find nothing"
}

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
foreach ($topicName in $aboutTexts.Keys) {
    if ($aboutTexts[$topicName]) { [System.IO.File]::WriteAllText((Join-Path $culture "$topicName.help.txt"), $aboutTexts[$topicName], [System.Text.UTF8Encoding]::new($false)) }
}
Write-Host ("Help for {0} of {1} cmdlet(s) written to {2} in {3:N0} ms" -f $written, $commands.Count, $culture, $clock.Elapsed.TotalMilliseconds)
