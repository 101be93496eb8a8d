# Write cmdlets fed by a list cmdlet whose listing their own change shrinks: Get-X | Remove-X, or a filtered list
# piped into a change of the filtered field. The list is paged lazily (100 items a page), so a write acted on as each
# item arrives would move the list under its offsets and skip the items beyond the first page without a word. Every
# set here holds more than a page, is checked on the server through its own HTTP API, and writes that cannot move a
# listing are checked to stream (each item is written before the next page is asked for).

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'Common/CompassPS.TestCommon.psm1') -Force
    Import-CompassTestModule

    $server = Start-CompassTestServer -ArgumentList '--delay-scale', '0'
    # The admin key: connection writes need it, and it reaches the project's workflows as well.
    Connect-Compass -BaseUrl $server.BaseUrl -ApiKey (ConvertTo-SecureString $server.AdminKey -AsPlainText -Force)

    # More than the 100 items a page of the module holds.
    $setSize = 105

    function Invoke-Api([string]$Method, [string]$Path, $Body) { Invoke-CompassTestApi $server $server.AdminKey $Method $Path $Body }

    # Every item of a collection the server holds, past any page limit, for checks independent of the module.
    function Get-ServerItems([string]$Path) { Get-CompassTestServerItems $server $server.AdminKey $Path }

    function New-Definition([string]$Name) { New-CompassTestDefinition $Name -WithoutPrompt }

    # The list GETs and the writes a pipeline sent, in the order it sent them (from the cmdlets' debug log).
    function Get-RequestOrder([scriptblock]$Pipeline) {
        $DebugPreference = 'Continue'
        @(& $Pipeline 5>&1 | Where-Object { $_ -is [System.Management.Automation.DebugRecord] -and $_.Message -match '^HTTP (GET|PATCH|DELETE) \S+' } |
                ForEach-Object { if ($_.Message -match '^HTTP GET \S+\?') { 'list' } elseif ($_.Message -match '^HTTP (PATCH|DELETE) ') { 'write' } })
    }

    # Deployed workflows named deployed-NNN (each deployment is named after its workflow), retyped-NNN workflows,
    # conversations of one workflow, and integrations of type old-type.
    $deployed = foreach ($n in 1..$setSize) {
        $name = 'deployed-{0:000}' -f $n
        $workflow = Invoke-Api Post '/v1/workflows/' @{ name = $name; definition = (New-Definition $name) }
        $null = Invoke-Api Post "/v1/workflows/$($workflow.id)/deploy"
        $workflow
    }
    $retyped = foreach ($n in 1..$setSize) {
        $name = 'retyped-{0:000}' -f $n
        Invoke-Api Post '/v1/workflows/' @{ name = $name; type = 'workflow'; definition = (New-Definition $name) }
    }
    $chatWorkflow = Invoke-Api Post '/v1/workflows/' @{ name = 'chat'; definition = (New-Definition 'chat') }
    $conversations = foreach ($n in 1..$setSize) {
        Invoke-Api Post '/v1/conversations/' @{ workflow_id = $chatWorkflow.id; title = "chat $n" }
    }
    $integrations = foreach ($n in 1..$setSize) {
        Invoke-Api Post '/v1/connections/' @{ name = ('crm-{0:000}' -f $n); kind = 'integration'; type = 'old-type'; configuration = @{ base_url = 'http://127.0.0.1:9/' } }
    }
}

AfterAll {
    Stop-CompassTestServer $server
}

Describe 'Deployment status changes fed by a list filtered by status' {
    It 'Suspend-CompassDeployment pauses every deployment of an active list longer than a page' {
        $paused = @(Get-CompassDeployment -Name 'deployed-*' -Status active | Suspend-CompassDeployment -PassThru)
        $paused.Count | Should -Be $setSize
        @($paused.WorkflowId | Sort-Object) | Should -Be @($deployed.id | Sort-Object)
        @(Get-ServerItems '/v1/deployments/?status=paused' | Where-Object name -Like 'deployed-*').Count | Should -Be $setSize
    }

    It 'Resume-CompassDeployment makes every deployment of a paused list longer than a page active again' {
        $resumed = @(Get-CompassDeployment -Name 'deployed-*' -Status paused | Resume-CompassDeployment -PassThru)
        $resumed.Count | Should -Be $setSize
        @($resumed.Status | Select-Object -Unique) | Should -Be 'active'
        @(Get-ServerItems '/v1/deployments/?status=active' | Where-Object name -Like 'deployed-*').Count | Should -Be $setSize
    }

    It 'Set-CompassDeployment -Status archives every deployment of an active list longer than a page' {
        $archived = @(Get-CompassDeployment -Name 'deployed-*' -Status active | Set-CompassDeployment -Status archived -PassThru)
        $archived.Count | Should -Be $setSize
        @(Get-ServerItems '/v1/deployments/?status=archived' | Where-Object name -Like 'deployed-*').Count | Should -Be $setSize
        @(Get-ServerItems '/v1/deployments/?status=active' | Where-Object name -Like 'deployed-*').Count | Should -Be 0
    }

    It '-WhatIf changes no deployment of the list' {
        Get-CompassDeployment -Name 'deployed-*' -Status archived -First 3 | Resume-CompassDeployment -WhatIf
        @(Get-ServerItems '/v1/deployments/?status=archived' | Where-Object name -Like 'deployed-*').Count | Should -Be $setSize
    }

    It 'Publish-CompassWorkflow makes every deployment of an archived list longer than a page active again' {
        $published = @(Get-CompassDeployment -Name 'deployed-*' -Status archived | Publish-CompassWorkflow)
        $published.Count | Should -Be $setSize
        @(Get-ServerItems '/v1/deployments/?status=archived' | Where-Object name -Like 'deployed-*').Count | Should -Be 0
    }

    It 'Set-CompassDeployment -LiveVersion, which moves no deployment in any list, changes each as it arrives' {
        $order = Get-RequestOrder { Get-CompassDeployment -Name 'deployed-*' | Set-CompassDeployment -LiveVersion 1 }
        @($order | Where-Object { $_ -eq 'write' }).Count | Should -Be $setSize
        $order.IndexOf('write') | Should -BeLessThan ([array]::LastIndexOf($order, 'list')) -Because 'the first deployment is changed before the last page is asked for'
    }
}

Describe 'Workflow changes fed by a list filtered by the field they change' {
    It 'Set-CompassWorkflow -Type changes every workflow of a type-filtered list longer than a page' {
        $changed = @(Get-CompassWorkflow -Type workflow -Name 'retyped-*' | Set-CompassWorkflow -Type agent -PassThru)
        $changed.Count | Should -Be $setSize
        @($changed.Id | Sort-Object) | Should -Be @($retyped.id | Sort-Object)
        @(Get-ServerItems '/v1/workflows/?type=agent' | Where-Object name -Like 'retyped-*').Count | Should -Be $setSize
    }

    It 'Set-CompassWorkflow -Name renames every workflow of a list filtered by that exact name' {
        $retyped | Select-Object -First 101 | ForEach-Object { $null = Invoke-Api Patch "/v1/workflows/$($_.id)" @{ name = 'same-name' } }
        $renamed = @(Get-CompassWorkflow -Name 'same-name' | Set-CompassWorkflow -Name 'other-name' -PassThru)
        $renamed.Count | Should -Be 101
        (Invoke-Api Get '/v1/workflows/?name=same-name&limit=1').total | Should -Be 0
        (Invoke-Api Get '/v1/workflows/?name=other-name&limit=1').total | Should -Be 101
    }

    It 'Set-CompassWorkflow -Description, which moves no workflow in any list, changes each as it arrives' {
        $order = Get-RequestOrder { Get-CompassWorkflow -Name 'deployed-*' | Set-CompassWorkflow -Description 'bulk' }
        @($order | Where-Object { $_ -eq 'write' }).Count | Should -Be $setSize
        $order.IndexOf('write') | Should -BeLessThan ([array]::LastIndexOf($order, 'list'))
        @(Get-ServerItems '/v1/workflows/' | Where-Object { $_.name -like 'deployed-*' -and $_.description -eq 'bulk' }).Count | Should -Be $setSize
    }
}

Describe 'Remove-CompassWorkflow fed by Get-CompassWorkflow' {
    It '-WhatIf removes nothing' {
        Get-CompassWorkflow -Name 'deployed-*' -First 3 | Remove-CompassWorkflow -WhatIf
        @(Get-ServerItems '/v1/workflows/' | Where-Object name -Like 'deployed-*').Count | Should -Be $setSize
    }

    It 'removes every workflow of a list longer than a page, with its deployment, although each removal shrinks the list' {
        Get-CompassWorkflow -Name 'deployed-*' | Remove-CompassWorkflow -Confirm:$false
        @(Get-ServerItems '/v1/workflows/' | Where-Object name -Like 'deployed-*').Count | Should -Be 0
        @(Get-ServerItems '/v1/deployments/' | Where-Object name -Like 'deployed-*').Count | Should -Be 0
    }

    It 'gives one CompassPS.NotFound per id that is gone and removes the others' {
        $unknown = '00000000-0000-4000-8000-00000000000{0}'
        $ids = @(($unknown -f 1), $retyped[0].id, ($unknown -f 2), $retyped[1].id)
        $ids | Remove-CompassWorkflow -Confirm:$false -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures.Count | Should -Be 2
        $failures | ForEach-Object { $_.FullyQualifiedErrorId | Should -BeLike 'CompassPS.NotFound*' }
        @($failures.TargetObject) | Should -Be @(($unknown -f 1), ($unknown -f 2))
        @(Get-ServerItems '/v1/workflows/' | Where-Object id -In $retyped[0].id, $retyped[1].id).Count | Should -Be 0
    }
}

Describe 'Remove-CompassConversation fed by Get-CompassConversation' {
    It '-WhatIf removes nothing' {
        Get-CompassConversation -WorkflowId $chatWorkflow.id -First 3 | Remove-CompassConversation -WhatIf
        (Invoke-Api Get "/v1/conversations/?workflow_id=$($chatWorkflow.id)&limit=1").total | Should -Be $setSize
    }

    It 'removes every conversation of a list longer than a page, although each removal shrinks the list' {
        Get-CompassConversation -WorkflowId $chatWorkflow.id | Remove-CompassConversation -Confirm:$false
        (Invoke-Api Get "/v1/conversations/?workflow_id=$($chatWorkflow.id)&limit=1").total | Should -Be 0
    }
}

Describe 'Connection writes fed by Get-CompassConnection' {
    It 'Set-CompassConnection -Type changes every connection of a type-filtered list longer than a page' {
        $changed = @(Get-CompassConnection -Type old-type | Set-CompassConnection -Type new-type -PassThru)
        $changed.Count | Should -Be $setSize
        @($changed.Id | Sort-Object) | Should -Be @($integrations.id | Sort-Object)
        (Invoke-Api Get '/v1/connections/?type=old-type&limit=1').total | Should -Be 0
        (Invoke-Api Get '/v1/connections/?type=new-type&limit=1').total | Should -Be $setSize
    }

    It 'Set-CompassConnection -Status, which moves no connection in any list, changes each as it arrives' {
        $order = Get-RequestOrder { Get-CompassConnection -Kind integration -Name 'crm-*' | Set-CompassConnection -Status inactive }
        @($order | Where-Object { $_ -eq 'write' }).Count | Should -Be $setSize
        $order.IndexOf('write') | Should -BeLessThan ([array]::LastIndexOf($order, 'list'))
        @(Get-ServerItems '/v1/connections/?kind=integration' | Where-Object { $_.name -like 'crm-*' -and $_.status -eq 'inactive' }).Count | Should -Be $setSize
    }

    It '-WhatIf removes nothing' {
        Get-CompassConnection -Kind integration -Name 'crm-*' -First 3 | Remove-CompassConnection -WhatIf
        @(Get-ServerItems '/v1/connections/?kind=integration' | Where-Object name -Like 'crm-*').Count | Should -Be $setSize
    }

    It 'Remove-CompassConnection removes every connection of a list longer than a page, although each removal shrinks the list' {
        Get-CompassConnection -Kind integration -Name 'crm-*' | Remove-CompassConnection -Confirm:$false
        @(Get-ServerItems '/v1/connections/?kind=integration' | Where-Object name -Like 'crm-*').Count | Should -Be 0
    }
}
