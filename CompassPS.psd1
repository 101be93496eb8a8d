# The one source of truth for the module's version and its export lists.
# Directory.Build.props reads ModuleVersion from here, so the assemblies and the local server's tool package carry
# the same number; build.ps1 copies this file into the module folder with ReleaseNotes filled in from CHANGELOG.md.
# Supported hosts: Windows PowerShell 5.1 (.NET Framework 4.7.2 or later) and PowerShell 7.4, 7.5, 7.6 (every patch)
# and 7.7. One CompassPS.dll serves them all; Windows PowerShell also loads the dependencies in Desktop/,
# bound there by the nested module CompassPS.Loading.dll.
@{
    RootModule           = 'CompassPS.dll'
    # Imported before the root module: it binds the dependencies in Desktop/ where the host lacks them, and
    # PowerShell already needs some of them while it reads CompassPS.dll's types.
    NestedModules        = @('CompassPS.Loading.dll')
    ModuleVersion        = '0.2.0'
    GUID                 = 'b4a6f0d2-3c1e-4f57-9d2a-6e8b1c7a5f30'
    Author               = 'CompassPS'
    CompanyName          = 'CompassPS'
    Copyright            = '(c) CompassPS contributors. MIT licence.'
    Description          = 'Drive Compass AI agents and workflows from PowerShell: dispatch, wait for and stream runs, read their traces, and manage workflows, deployments, conversations and connections. Runs on Windows PowerShell 5.1 and PowerShell 7.4 or later.'
    PowerShellVersion    = '5.1'
    CompatiblePSEditions = @('Desktop', 'Core')
    # Checked by Windows PowerShell only: the Desktop build is netstandard2.0, in the box from 4.7.2 on.
    DotNetFrameworkVersion = '4.7.2'
    FormatsToProcess     = @(
        'CompassPS.format.ps1xml', 'CompassPS.Workflows.format.ps1xml', 'CompassPS.Conversations.format.ps1xml',
        'CompassPS.Connections.format.ps1xml', 'CompassPS.RunDetails.format.ps1xml', 'CompassPS.LocalServer.format.ps1xml'
    )
    CmdletsToExport      = @(
        # Contexts
        'Connect-Compass', 'Disconnect-Compass', 'Get-CompassContext',
        # Runs
        'Start-CompassRun', 'Get-CompassRun', 'Wait-CompassRun', 'Watch-CompassRun', 'Stop-CompassRun',
        'Get-CompassRunExecution', 'Get-CompassRunTree', 'Get-CompassRunSummary',
        # Exports
        'ConvertTo-CompassExport',
        # Workflows and agents
        'Get-CompassWorkflow', 'New-CompassWorkflow', 'Set-CompassWorkflow', 'Remove-CompassWorkflow',
        'Test-CompassWorkflow', 'Publish-CompassWorkflow', 'Get-CompassWorkflowVersion', 'New-CompassAgent',
        # Deployments
        'Get-CompassDeployment', 'Suspend-CompassDeployment', 'Resume-CompassDeployment', 'Set-CompassDeployment',
        # Conversations
        'Get-CompassConversation', 'New-CompassConversation', 'Remove-CompassConversation', 'Send-CompassMessage',
        # Connections, providers, gateways
        'Get-CompassConnection', 'New-CompassConnection', 'Set-CompassConnection', 'Remove-CompassConnection', 'Test-CompassConnection',
        'Get-CompassProvider', 'New-CompassProvider', 'Get-CompassGateway', 'New-CompassGateway',
        # Approvals
        'Get-CompassApproval', 'Approve-CompassApproval', 'Deny-CompassApproval',
        # The local server (the compass-local .NET tool), for testing runbooks offline
        'Start-CompassLocalServer', 'Stop-CompassLocalServer', 'Get-CompassLocalServer'
    )
    FunctionsToExport    = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('Compass', 'AI', 'Agents', 'Workflows', 'REST', 'SSE', 'Automation',
                             'PSEdition_Desktop', 'PSEdition_Core', 'Windows', 'Linux', 'MacOS')
            # The licence travels as the LICENSE file in the module folder; the project has no public web address
            # yet, so LicenseUri and ProjectUri are left out rather than empty (PSResourceGet refuses empty ones).
            ReleaseNotes = 'See CHANGELOG.md in the module folder.'
        }
    }
}
