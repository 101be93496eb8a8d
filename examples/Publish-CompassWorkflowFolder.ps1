<#
.SYNOPSIS
    Validates and publishes every workflow definition in a folder: the deployment step of a CI pipeline.
.DESCRIPTION
    Each *.yaml, *.yml or *.json file in the folder is one workflow, named after the file
    (nightly-report.yaml is the workflow 'nightly-report'). The script works in two steps, so that one bad
    file never leaves the project half updated:

    1. Check. Every file is validated, and nothing on the server changes: a workflow that exists already is
       checked against the file without being changed; a new one's file is checked as a dry run
       (Test-CompassWorkflow -Path), so a pull request's check leaves no draft behind.
    2. Publish, only when every file is valid. A new workflow is created from its file; each existing one gets
       its file as its new draft. Then every workflow is published: its draft becomes the next version, live on
       its deployment. A file identical to the live version makes no new version (Published is then False).

    It writes one object per file (File, Workflow, WorkflowId, Valid, Problems, Published, Version,
    DeploymentId) and warns about each validation error. Its exit code tells the pipeline what happened:
        0  every workflow was published (with -ValidateOnly: every file is valid)
        1  at least one file is invalid; nothing was published
        2  the script could not run (no such folder, no connection, bad key)

    It never prompts. The Compass URL and key come from the environment (see NOTES).
.PARAMETER Path
    The folder that holds the definitions.
.PARAMETER ValidateOnly
    Check every file and stop, publishing nothing: for a pull request's build.
.EXAMPLE
    pwsh -NoProfile -NonInteractive -File ./Publish-CompassWorkflowFolder.ps1 -Path ./workflows

    Checks and publishes every definition in ./workflows; exit code 1 if any of them is invalid.
.EXAMPLE
    ./Publish-CompassWorkflowFolder.ps1 -Path ./workflows -ValidateOnly

    Only checks the definitions, e.g. in a pull request's build.
.NOTES
    Set these in the pipeline's secret variables, never in the script:
        COMPASS_BASE_URL    e.g. https://compass.example.com
        COMPASS_API_KEY     a key of the project
        COMPASS_PROJECT_ID  optional
    See: Get-Help about_CompassPS, Get-Help Test-CompassWorkflow
#>
#requires -Version 5.1
#requires -Modules CompassPS

[CmdletBinding()]
param(
    [Parameter(Mandatory)]
    [string]$Path,

    [switch]$ValidateOnly
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

try {
    $files = @(Get-ChildItem -Path $Path -File | Where-Object Extension -In '.yaml', '.yml', '.json' | Sort-Object Name)
    if ($files.Count -eq 0) { throw "$Path holds no .yaml, .yml or .json file." }

    # Step 1: check every file, changing nothing on the server; remember what step 2 needs.
    $results = foreach ($file in $files) {
        $existing = @(Get-CompassWorkflow -Name $file.BaseName | Where-Object Name -EQ $file.BaseName)
        if ($existing.Count -gt 1) { throw "More than one workflow is named '$($file.BaseName)'; rename one of them." }
        # An existing workflow is checked against the file without saving it; a new file is checked as a dry run.
        $validation = if ($existing) { Test-CompassWorkflow -WorkflowId $existing[0].Id -Path $file.FullName } else { Test-CompassWorkflow -Path $file.FullName }
        [pscustomobject]@{
            File         = $file.Name
            Workflow     = $file.BaseName
            WorkflowId   = if ($existing) { $existing[0].Id } else { $null }
            IsNew        = -not $existing
            Valid        = $validation.Valid
            Problems     = @($validation.Errors | ForEach-Object { "$($_.Code) at node '$($_.NodeId)': $($_.Message)" }) -join '; '
            Published    = $false
            Version      = $null
            DeploymentId = if ($existing) { $existing[0].DeploymentId } else { $null }
        }
    }
    $results = @($results)
    $invalid = @($results | Where-Object { -not $_.Valid })

    # Step 2: publish, only if everything is valid.
    if (-not $invalid -and -not $ValidateOnly) {
        foreach ($result in $results) {
            $file = $files | Where-Object Name -EQ $result.File
            if ($result.IsNew) { $result.WorkflowId = (New-CompassWorkflow -Path $file.FullName).Id }
            else { Set-CompassWorkflow -WorkflowId $result.WorkflowId -Path $file.FullName }
            # A file identical to the live version makes no new version; the warning that says so is kept quiet here
            # and reported as Published = False.
            $deployment = Publish-CompassWorkflow -WorkflowId $result.WorkflowId -WarningVariable unchanged -WarningAction SilentlyContinue
            $result.Published = -not $unchanged
            $result.Version = $deployment.Version
            $result.DeploymentId = $deployment.Id
        }
    }
}
catch {
    Write-Error "The workflows could not be published: $($_.Exception.Message)" -ErrorAction Continue
    exit 2
}

$results | Select-Object File, Workflow, WorkflowId, Valid, Problems, Published, Version, DeploymentId
foreach ($result in $invalid) { Write-Warning "$($result.File) is invalid: $($result.Problems)" }
if ($invalid) {
    Write-Host "$($invalid.Count) of $($results.Count) definition(s) invalid; nothing was published."
    exit 1
}
if ($ValidateOnly) { Write-Host "All $($results.Count) definition(s) are valid." }
else {
    $published = @($results | Where-Object Published).Count
    Write-Host "Published $published workflow(s); $($results.Count - $published) unchanged."
}
exit 0
