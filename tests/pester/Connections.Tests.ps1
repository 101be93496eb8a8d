# Connections, providers and gateways end to end against a local server: admin-only writes, secrets that never
# come back out (not in output, errors, verbose or debug), and a key that does reach the service it is for.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'Common/CompassPS.TestCommon.psm1') -Force
    Import-CompassTestModule

    $server = Start-CompassTestServer -ArgumentList '--delay-scale', '0'
    $member = Connect-Compass -BaseUrl $server.BaseUrl -ApiKey (ConvertTo-SecureString $server.ProjectKey -AsPlainText -Force) -PassThru
    $admin = Connect-Compass -BaseUrl $server.BaseUrl -ApiKey (ConvertTo-SecureString $server.AdminKey -AsPlainText -Force) -PassThru
    $localProviderId = '11111111-1111-4111-8111-111111111111'

    # The server's own answer, to check what the cmdlets did without going through them.
    function Invoke-Api([string]$Method, [string]$Path, $Body) { Invoke-CompassTestApi $server $server.AdminKey $Method $Path $Body }

    function ConnectionTotal([string]$Collection = 'connections') { (Invoke-Api GET "/v1/$Collection/?limit=1").total }

    function New-Secret { ConvertTo-SecureString ('sk-test-' + [guid]::NewGuid().ToString('N')) -AsPlainText -Force }
    function Get-PlainText([securestring]$Secret) { [System.Net.NetworkCredential]::new('', $Secret).Password }

    function Get-FreePort {
        $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $listener.Start()
        try { $listener.LocalEndpoint.Port } finally { $listener.Stop() }
    }

    # Everything a command leaves in any stream, as text.
    function Get-AllText($Records) {
        @($Records | ForEach-Object {
                $_ | Out-String -Width 1000
                if ($_ -is [System.Management.Automation.ErrorRecord]) { $_.Exception.ToString(); "$($_.ErrorDetails)" }
                if ($_ -is [psobject] -and $_.PSObject.TypeNames[0] -like 'CompassPS.*') { $_ | Format-List * | Out-String -Width 1000; $_ | ConvertTo-Json -Depth 10 }
            }) -join "`n"
    }
}

AfterAll {
    Stop-CompassTestServer $server
}

Describe 'Get-CompassConnection' {
    BeforeAll {
        $integration = New-CompassConnection -Context $admin -Name 'crm-api' -Kind integration -Type http -Configuration @{ base_url = 'http://127.0.0.1:9/crm' }
    }

    It 'gets the seeded provider by id, from the pipeline by value and by property name' {
        $local = Get-CompassConnection -Context $member -Id $localProviderId
        $local.PSObject.TypeNames[0] | Should -Be 'CompassPS.Connection'
        $local.Name | Should -Be 'local'
        $local.Kind | Should -Be 'provider'
        $local.Type | Should -Be 'local'
        $local.DefaultModel | Should -Be 'compass-local-1'
        ($localProviderId | Get-CompassConnection -Context $member).Name | Should -Be 'local'
        @($local, $integration | Get-CompassConnection -Context $member).Name | Should -Be @('local', 'crm-api')
        ([pscustomobject]@{ ConnectionId = $integration.Id } | Get-CompassConnection -Context $member).Name | Should -Be 'crm-api'
    }

    It 'filters by kind, type and name with wildcards' {
        @(Get-CompassConnection -Context $member -Kind integration).Id | Should -Contain $integration.Id
        @(Get-CompassConnection -Context $member -Kind integration).Kind | Sort-Object -Unique | Should -Be 'integration'
        @(Get-CompassConnection -Context $member -Type local).Id | Should -Be @($localProviderId)
        @(Get-CompassConnection -Context $member -Name 'CRM-*').Id | Should -Be @($integration.Id)
        @(Get-CompassConnection -Context $member -Name 'local').Id | Should -Be @($localProviderId)
        @(Get-CompassConnection -Context $member -Name 'nothing-like-this*') | Should -BeNullOrEmpty
    }

    It 'reports a name without wildcards that matches nothing, and an unknown id, as CompassPS.NotFound' {
        Get-CompassConnection -Context $member -Name 'no-such-connection' -ErrorVariable byName -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $byName[0].FullyQualifiedErrorId | Should -BeLike 'CompassPS.NotFound,*'
        $some = @(Get-CompassConnection -Context $member -Name 'local', 'missing-one', 'crm*' -ErrorVariable partly -ErrorAction SilentlyContinue)
        $some.Name | Sort-Object | Should -Be @('crm-api', 'local')
        $partly.Count | Should -Be 1
        $partly[0].Exception.Message | Should -BeLike "*'missing-one'*"
        Get-CompassConnection -Context $member -Id ([guid]::NewGuid()) -ErrorVariable byId -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $byId[0].FullyQualifiedErrorId | Should -BeLike 'CompassPS.NotFound,*'
    }

    It 'pages with -First and -Skip across more than one page, also over name matches' {
        # The module asks for 100 items a page: make sure the list is longer than that.
        $missing = 106 - (ConnectionTotal)
        for ($i = 0; $i -lt $missing; $i++) {
            $null = Invoke-Api POST '/v1/connections/' @{ name = ('bulk-{0:d3}' -f $i); kind = 'integration'; type = 'postgres' }
        }
        $expected = @((Invoke-Api GET '/v1/connections/?limit=200').items)

        @(Get-CompassConnection -Context $member -Skip 98 -First 5).Id | Should -Be $expected.id[98..102]
        @(Get-CompassConnection -Context $member -First 101).Id | Should -Be $expected.id[0..100]
        @(Get-CompassConnection -Context $member -Skip 100).Count | Should -Be ($expected.Count - 100)

        $bulk = @($expected | Where-Object name -Like 'bulk-*')
        @(Get-CompassConnection -Context $member -Name 'bulk-*' -Skip 2 -First 3).Id | Should -Be $bulk.id[2..4]
        @(Get-CompassConnection -Context $member -Name 'bulk-*' -Skip 100).Id | Should -Be $bulk.id[100..($bulk.Count - 1)]
    }
}

Describe 'New-CompassConnection' {
    It 'creates a connection with configuration and credentials (admin key); the credentials never come back' {
        $secret = New-Secret
        $credential = [pscredential]::new('svc-user', (New-Secret))
        $created = New-CompassConnection -Context $admin -Name 'warehouse' -Kind integration -Type postgres `
            -Configuration @{ host = 'db.local'; port = 5432 } -Credential $credential -SecretConfiguration @{ token = $secret }

        $created.Kind | Should -Be 'integration'
        $created.Type | Should -Be 'postgres'
        $created.HasCredentials | Should -BeTrue
        $created.Configuration.host | Should -Be 'db.local'
        $created.Configuration.port | Should -Be 5432
        $read = Invoke-Api GET "/v1/connections/$($created.Id)"
        $read.has_credentials | Should -BeTrue
        $read.PSObject.Properties.Name | Should -Not -Contain 'credentials'
    }

    It 'refuses a member key with CompassPS.AdminKeyRequired and creates nothing' {
        $before = ConnectionTotal
        New-CompassConnection -Context $member -Name 'nope' -Kind integration -Type http -ErrorVariable failures -ErrorAction SilentlyContinue |
            Should -BeNullOrEmpty
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'CompassPS.AdminKeyRequired,*'
        $failures[0].CategoryInfo.Category | Should -Be 'PermissionDenied'
        $failures[0].Exception.Message | Should -BeLike '*admin-scoped*'
        ConnectionTotal | Should -Be $before
    }

    It 'creates nothing with -WhatIf' {
        $before = ConnectionTotal
        New-CompassConnection -Context $admin -Name 'never' -Kind integration -Type http -ApiKey (New-Secret) -WhatIf | Should -BeNullOrEmpty
        ConnectionTotal | Should -Be $before
    }

    It 'refuses a plain-text -ApiKey without repeating it' {
        $plain = 'sk-plain-' + [guid]::NewGuid().ToString('N')
        $before = ConnectionTotal
        # A binding error stops the statement: catch it, and everything else it wrote.
        $records = & {
            try { New-CompassConnection -Context $admin -Name 'plain' -Kind provider -Type openai -ApiKey $plain -Verbose -Debug }
            catch { $_ }
        } *>&1
        $records | Should -Not -BeNullOrEmpty
        $records[-1] | Should -BeOfType [System.Management.Automation.ErrorRecord]
        $records[-1].Exception.Message | Should -BeLike '*SecureString*'
        Get-AllText $records | Should -Not -BeLike "*$plain*"
        ConnectionTotal | Should -Be $before
    }

    It 'refuses -SecretConfiguration values that are not SecureStrings with CompassPS.InvalidInput, without repeating them' {
        $plain = 'pw-plain-' + [guid]::NewGuid().ToString('N')
        $before = ConnectionTotal
        $records = & { New-CompassConnection -Context $admin -Name 'plain' -Kind integration -Type http -SecretConfiguration @{ password = $plain } -ErrorAction Continue } *>&1
        $records[0].FullyQualifiedErrorId | Should -BeLike 'CompassPS.InvalidInput,*'
        $records[0].Exception.Message | Should -BeLike "*'password' must be a SecureString*"
        Get-AllText $records | Should -Not -BeLike "*$plain*"
        ConnectionTotal | Should -Be $before
    }

    It 'refuses a secret put in -Configuration with CompassPS.InvalidInput' {
        $before = ConnectionTotal
        New-CompassConnection -Context $admin -Name 'misplaced' -Kind integration -Type http -Configuration @{ api_key = (New-Secret) } `
            -ErrorVariable failures -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'CompassPS.InvalidInput,*'
        $failures[0].Exception.Message | Should -BeLike "*'api_key'*-SecretConfiguration*"
        ConnectionTotal | Should -Be $before
    }

    It 'reports what the server rejects as CompassPS.ValidationFailed' {
        $before = ConnectionTotal
        New-CompassConnection -Context $admin -Name 'x' -Kind integration -Type ' ' -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures.Count | Should -Be 1
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'CompassPS.ValidationFailed,*'
        $failures[0].Exception.Message | Should -BeLike '*type*'
        ConnectionTotal | Should -Be $before
    }
}

Describe 'Secrets' {
    It 'appear in no stream, no output and no debug or verbose message of any connection cmdlet' {
        $apiKey = New-Secret
        $password = New-Secret
        $extra = New-Secret
        $texts = @((Get-PlainText $apiKey), (Get-PlainText $password), (Get-PlainText $extra))
        $credential = [pscredential]::new('svc-user', $password)

        $records = & {
            $created = New-CompassConnection -Context $admin -Name 'secretive' -Kind integration -Type http -ApiKey $apiKey -Credential $credential `
                -SecretConfiguration @{ signing_key = $extra } -Configuration @{ base_url = 'http://127.0.0.1:9/' } -Verbose -Debug
            $created
            Set-CompassConnection -Context $admin -Id $created.Id -ApiKey $apiKey -PassThru -Verbose -Debug
            Get-CompassConnection -Context $member -Id $created.Id -Verbose -Debug
            Get-CompassConnection -Context $member -Name 'secret*' -Verbose -Debug
            Test-CompassConnection -Context $member -Id $created.Id -Verbose -Debug
            New-CompassProvider -Context $admin -Name 'secret-provider' -Type openai -BaseUrl 'http://127.0.0.1:9/v1' -ApiKey $apiKey -Verbose -Debug
            New-CompassGateway -Context $admin -Name 'secret-gateway' -BaseUrl 'http://127.0.0.1:9/' -ApiKey $apiKey -HeaderName 'X-Key' -Verbose -Debug
            # A refused write: its error must not carry the secret either.
            New-CompassConnection -Context $member -Name 'refused' -Kind integration -Type http -ApiKey $apiKey -Credential $credential -Verbose -Debug -ErrorAction Continue
        } *>&1

        # The capture did see debug traffic and the error, so the search below is not over nothing.
        @($records | Where-Object { $_ -is [System.Management.Automation.DebugRecord] }).Count | Should -BeGreaterThan 5
        @($records | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] }).Count | Should -Be 1
        $all = Get-AllText $records
        $all | Should -BeLike '*secretive*'
        foreach ($text in $texts) { $all | Should -Not -BeLike "*$text*" }
        (Get-CompassConnection -Context $member -Name 'secretive').HasCredentials | Should -BeTrue
    }

    It 'reach the provider and the gateway they are for' {
        $providerKey = New-Secret
        $gatewayKey = New-Secret
        $port = Get-FreePort
        $listener = [System.Net.HttpListener]::new()
        $listener.Prefixes.Add("http://127.0.0.1:$port/")
        $listener.Start()
        $seen = [hashtable]::Synchronized(@{})
        # A stand-in for an OpenAI-compatible endpoint behind the gateway: it records the headers it gets and answers.
        $fake = [powershell]::Create().AddScript({
                param($listener, $seen)
                while ($listener.IsListening) {
                    try { $call = $listener.GetContext() } catch { break }
                    $seen.Path = $call.Request.Url.AbsolutePath
                    $seen.Authorization = $call.Request.Headers['Authorization']
                    $seen.GatewayKey = $call.Request.Headers['X-Gateway-Key']
                    $body = '{"id":"c1","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"hello from the fake provider"},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":5,"total_tokens":8}}'
                    $bytes = [System.Text.Encoding]::UTF8.GetBytes($body)
                    $call.Response.ContentType = 'application/json'
                    $call.Response.OutputStream.Write($bytes, 0, $bytes.Length)
                    $call.Response.Close()
                }
            }).AddArgument($listener).AddArgument($seen)
        $running = $fake.BeginInvoke()
        try {
            $gateway = New-CompassGateway -Context $admin -Name 'test-gateway' -BaseUrl "http://127.0.0.1:$port/v1" -HeaderName 'X-Gateway-Key' -ApiKey $gatewayKey
            $provider = New-CompassProvider -Context $admin -Name 'fake-openai' -Type openai -BaseUrl 'http://127.0.0.1:9/v1' -DefaultModel 'fake-model' `
                -ApiKey $providerKey -GatewayId $gateway.Id
            $provider.Configuration.gateway_id | Should -Be $gateway.Id

            $definition = @"
name: fake-chat
type: agent
nodes:
  - { id: input, type: component, component_type: input, config: { type: chat } }
  - id: agent
    type: agent
    model: { connection_id: $($provider.Id), model: "" }
    inputs: { input: { kind: ref, source: input, path: `$.message } }
  - { id: output, type: component, component_type: output, inputs: { value: { kind: ref, source: agent } } }
"@
            $workflow = Invoke-Api POST '/v1/workflows/' @{ name = 'fake-chat'; type = 'agent'; definition = $definition }
            $conversation = New-CompassConversation -Context $member -WorkflowId $workflow.id
            $reply = Send-CompassMessage -Context $member -ConversationId $conversation.Id -Message 'hi' -Quiet -TimeoutSec 60

            $reply.Status | Should -Be 'completed' -Because "$($reply.Error)"
            $reply.Text | Should -Be 'hello from the fake provider'
            $seen.Path | Should -Be '/v1/chat/completions'
            $seen.Authorization | Should -Be "Bearer $(Get-PlainText $providerKey)"
            $seen.GatewayKey | Should -Be (Get-PlainText $gatewayKey)
        }
        finally {
            $listener.Stop()
            $listener.Close()
            $null = $running.AsyncWaitHandle.WaitOne(5000)
            $fake.Dispose()
        }
    }
}

Describe 'Set-CompassConnection' {
    BeforeEach {
        $target = New-CompassConnection -Context $admin -Name ('to-change-' + [guid]::NewGuid().ToString('N').Substring(0, 6)) -Kind integration -Type http `
            -Configuration @{ base_url = 'http://127.0.0.1:9/' } -ApiKey (New-Secret)
    }

    It 'changes only what is given, and writes the connection with -PassThru' {
        Set-CompassConnection -Context $admin -Id $target.Id -Name 'renamed' | Should -BeNullOrEmpty
        $changed = Set-CompassConnection -Context $admin -Id $target.Id -Status inactive -DefaultModel 'm2' -PassThru
        $changed.Name | Should -Be 'renamed'
        $changed.Status | Should -Be 'inactive'
        $changed.DefaultModel | Should -Be 'm2'
        $changed.Configuration.base_url | Should -Be 'http://127.0.0.1:9/'
        $changed.HasCredentials | Should -BeTrue
    }

    It 'binds connections from the pipeline, replaces and clears credentials' {
        $replaced = $target | Set-CompassConnection -Context $admin -ApiKey (New-Secret) -Configuration @{ base_url = 'http://127.0.0.1:10/' } -PassThru
        $replaced.HasCredentials | Should -BeTrue
        $replaced.Configuration.base_url | Should -Be 'http://127.0.0.1:10/'
        ($target | Set-CompassConnection -Context $admin -ClearCredential -PassThru).HasCredentials | Should -BeFalse
        (Invoke-Api GET "/v1/connections/$($target.Id)").has_credentials | Should -BeFalse
    }

    It 'changes nothing with -WhatIf' {
        Set-CompassConnection -Context $admin -Id $target.Id -Name 'never' -ClearCredential -WhatIf | Should -BeNullOrEmpty
        $read = Invoke-Api GET "/v1/connections/$($target.Id)"
        $read.name | Should -Be $target.Name
        $read.has_credentials | Should -BeTrue
    }

    It 'refuses a member key with CompassPS.AdminKeyRequired and changes nothing' {
        Set-CompassConnection -Context $member -Id $target.Id -Name 'never' -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'CompassPS.AdminKeyRequired,*'
        (Invoke-Api GET "/v1/connections/$($target.Id)").name | Should -Be $target.Name
    }

    It 'reports an unknown id as CompassPS.NotFound and a call with nothing to change as CompassPS.InvalidInput' {
        Set-CompassConnection -Context $admin -Id ([guid]::NewGuid()) -Name 'x' -ErrorVariable missing -ErrorAction SilentlyContinue
        $missing[0].FullyQualifiedErrorId | Should -BeLike 'CompassPS.NotFound,*'
        Set-CompassConnection -Context $admin -Id $target.Id -ErrorVariable empty -ErrorAction SilentlyContinue
        $empty[0].FullyQualifiedErrorId | Should -BeLike 'CompassPS.InvalidInput,*'
    }
}

Describe 'Remove-CompassConnection' {
    It 'confirms by default (ConfirmImpact High)' {
        Get-CompassTestConfirmImpact Remove-CompassConnection | Should -Be 'High'
    }

    It 'removes piped connections; -WhatIf and a member key remove nothing' {
        $one = New-CompassConnection -Context $admin -Name 'remove-one' -Kind integration -Type http
        $two = New-CompassConnection -Context $admin -Name 'remove-two' -Kind integration -Type http

        $one | Remove-CompassConnection -Context $admin -WhatIf
        (Invoke-Api GET "/v1/connections/$($one.Id)").id | Should -Be $one.Id

        $one | Remove-CompassConnection -Context $member -Confirm:$false -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'CompassPS.AdminKeyRequired,*'
        (Invoke-Api GET "/v1/connections/$($one.Id)").id | Should -Be $one.Id

        Get-CompassConnection -Context $member -Name 'remove-*' | Remove-CompassConnection -Context $admin -Confirm:$false
        { Invoke-Api GET "/v1/connections/$($one.Id)" } | Should -Throw
        { Invoke-Api GET "/v1/connections/$($two.Id)" } | Should -Throw
    }

    It 'reports an unknown id as CompassPS.NotFound' {
        Remove-CompassConnection -Context $admin -Id ([guid]::NewGuid()) -Confirm:$false -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'CompassPS.NotFound,*'
    }
}

Describe 'Test-CompassConnection' {
    It 'checks connections with any key and returns the result as an object' {
        $health = Test-CompassConnection -Context $member -Id $localProviderId
        $health.PSObject.TypeNames[0] | Should -Be 'CompassPS.ConnectionHealth'
        $health.ConnectionId | Should -Be $localProviderId
        $health.Status | Should -Be 'connected'
        $health.IsHealthy | Should -BeTrue
        $health.Detail | Should -Not -BeNullOrEmpty
        $health.CheckedAt | Should -BeOfType [DateTimeOffset]
    }

    It 'binds from the pipeline and reports an unreachable service as an error status, recorded on the connection' {
        $unreachable = New-CompassProvider -Context $admin -Name 'unreachable' -Type lmstudio -BaseUrl "http://127.0.0.1:$(Get-FreePort)/v1"
        $results = @(Get-CompassProvider -Context $member -Name 'unreachable', 'local' | Test-CompassConnection -Context $member)
        $results.Count | Should -Be 2
        ($results | Where-Object ConnectionId -EQ $unreachable.Id).Status | Should -Be 'error'
        ($results | Where-Object ConnectionId -EQ $unreachable.Id).IsHealthy | Should -BeFalse
        (Get-CompassConnection -Context $member -Id $unreachable.Id).Status | Should -Be 'error'
    }

    It 'reports an unknown id as CompassPS.NotFound' {
        Test-CompassConnection -Context $member -Id ([guid]::NewGuid()) -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'CompassPS.NotFound,*'
    }
}

Describe 'Providers and gateways' {
    BeforeAll {
        $provider = New-CompassProvider -Context $admin -Name 'studio' -Type lmstudio -BaseUrl 'http://127.0.0.1:1234/v1' -DefaultModel 'qwen-7b' `
            -Configuration @{ timeout_sec = 30 }
        $gateway = New-CompassGateway -Context $admin -Name 'edge' -BaseUrl 'https://proxy.example.invalid/v1' -HeaderName 'x-apikey' -ApiKey (New-Secret)
    }

    It 'creates a provider with its base URL, default model and extra settings' {
        $provider.Kind | Should -Be 'provider'
        $provider.Type | Should -Be 'lmstudio'
        $provider.DefaultModel | Should -Be 'qwen-7b'
        $provider.Configuration.base_url | Should -Be 'http://127.0.0.1:1234/v1'
        $provider.Configuration.timeout_sec | Should -Be 30
        $provider.HasCredentials | Should -BeFalse
    }

    It 'creates a gateway (apigee by default) with its header name and key' {
        $gateway.Kind | Should -Be 'gateway'
        $gateway.Type | Should -Be 'apigee'
        $gateway.Configuration.base_url | Should -Be 'https://proxy.example.invalid/v1'
        $gateway.Configuration.header_name | Should -Be 'x-apikey'
        $gateway.HasCredentials | Should -BeTrue
    }

    It 'lists each kind only under its own noun' {
        $providers = @(Get-CompassProvider -Context $member)
        $providers.Id | Should -Contain $provider.Id
        $providers.Id | Should -Not -Contain $gateway.Id
        $providers.Kind | Sort-Object -Unique | Should -Be 'provider'
        $gateways = @(Get-CompassGateway -Context $member)
        $gateways.Id | Should -Contain $gateway.Id
        $gateways.Id | Should -Not -Contain $provider.Id
        $gateways.Kind | Sort-Object -Unique | Should -Be 'gateway'
        (Get-CompassProvider -Context $member -Name 'stud*').Id | Should -Be $provider.Id
        (Get-CompassProvider -Context $member -Type lmstudio).Id | Should -Contain $provider.Id
        (Get-CompassGateway -Context $member -Id $gateway.Id).Name | Should -Be 'edge'
        Get-CompassProvider -Context $member -Id $gateway.Id -ErrorVariable failures -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'CompassPS.NotFound,*'
    }

    It 'pages providers with -First and -Skip' {
        $expected = @((Invoke-Api GET '/v1/providers/?limit=200').items.id)
        @(Get-CompassProvider -Context $member -Skip 1 -First 2).Id | Should -Be $expected[1..2]
    }

    It 'refuses a member key with CompassPS.AdminKeyRequired and -WhatIf creates nothing' {
        $providers = ConnectionTotal 'providers'
        $gateways = ConnectionTotal 'gateways'
        New-CompassProvider -Context $member -Name 'nope' -Type openai -ErrorVariable providerFailure -ErrorAction SilentlyContinue
        New-CompassGateway -Context $member -Name 'nope' -BaseUrl 'https://proxy.example.invalid/' -ErrorVariable gatewayFailure -ErrorAction SilentlyContinue
        $providerFailure[0].FullyQualifiedErrorId | Should -BeLike 'CompassPS.AdminKeyRequired,*'
        $gatewayFailure[0].FullyQualifiedErrorId | Should -BeLike 'CompassPS.AdminKeyRequired,*'
        New-CompassProvider -Context $admin -Name 'never' -Type openai -WhatIf | Should -BeNullOrEmpty
        New-CompassGateway -Context $admin -Name 'never' -BaseUrl 'https://proxy.example.invalid/' -WhatIf | Should -BeNullOrEmpty
        ConnectionTotal 'providers' | Should -Be $providers
        ConnectionTotal 'gateways' | Should -Be $gateways
    }

    It 'refuses a base URL that is not absolute http(s) with CompassPS.InvalidInput' {
        New-CompassProvider -Context $admin -Name 'bad' -Type openai -BaseUrl 'ftp://127.0.0.1/x' -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'CompassPS.InvalidInput,*'
    }
}

Describe 'Connection completion' {
    BeforeAll {
        $edge = Get-CompassGateway -Context $member -Name 'edge'
    }

    It 'completes connection ids by name, showing name, kind and type; provider and gateway cmdlets see only their kind' {
        Connect-Compass -BaseUrl $server.BaseUrl -ApiKey (ConvertTo-SecureString $server.ProjectKey -AsPlainText -Force)
        try {
            $matches = @(Get-CompassTestCompletion 'Test-CompassConnection -Id loc')
            $matches.CompletionText | Should -Contain $localProviderId
            ($matches | Where-Object CompletionText -EQ $localProviderId).ListItemText | Should -BeLike 'local `[provider/local`]*'
            $gateways = @((Invoke-Api GET '/v1/gateways/?limit=200').items.id)
            @(Get-CompassTestCompletion 'Get-CompassGateway -Id ').CompletionText | Sort-Object | Should -Be ($gateways | Sort-Object)
            @(Get-CompassTestCompletion 'Get-CompassGateway -Id ').CompletionText | Should -Contain $edge.Id
            @(Get-CompassTestCompletion 'Get-CompassProvider -Id ').CompletionText | Should -Not -Contain $edge.Id
            @(Get-CompassTestCompletion 'Get-CompassProvider -Id ').CompletionText | Should -Contain $localProviderId
            @(Get-CompassTestCompletion 'New-CompassProvider -Name x -Type openai -GatewayId ').CompletionText | Sort-Object | Should -Be ($gateways | Sort-Object)
            @(Get-CompassTestCompletion "Remove-CompassConnection -Id $($localProviderId.Substring(0, 6))").CompletionText | Should -Be @($localProviderId)
        }
        finally {
            Disconnect-Compass
        }
    }

    It 'offers nothing, and no error, without a context' {
        $Error.Clear()
        @(Get-CompassTestCompletion 'Get-CompassConnection -Id loc').Count | Should -Be 0
        $Error.Count | Should -Be 0
    }

    It 'completes -Type for the kind at hand' {
        @(Get-CompassTestCompletion 'New-CompassProvider -Type l').CompletionText | Should -Be @('lmstudio', 'local')
        @(Get-CompassTestCompletion 'New-CompassConnection -Kind integration -Type ').CompletionText | Should -Be @('http', 'postgres')
        @(Get-CompassTestCompletion 'New-CompassGateway -Type ').CompletionText | Should -Be @('apigee')
    }
}
