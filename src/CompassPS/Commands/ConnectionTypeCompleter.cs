using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace CompassPS.Commands
{
    /// <summary>
    /// Completes -Type with the connection types the contract names, narrowed to the kind at hand (-Kind, or the
    /// provider/gateway cmdlets). Any other type is still accepted.
    /// </summary>
    public sealed class ConnectionTypeCompleter : IArgumentCompleter
    {
        private static readonly string[] ProviderTypes = { "openai", "anthropic", "lmstudio", "local" };
        private static readonly string[] IntegrationTypes = { "http", "postgres" };
        private static readonly string[] GatewayTypes = { "apigee" };

        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            var prefix = (wordToComplete ?? "").Trim('\'', '"');
            return TypesFor(commandName, fakeBoundParameters?["Kind"] as string)
                .Where(type => type.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
                .Select(type => new CompletionResult(type, type, CompletionResultType.ParameterValue, type));
        }

        private static IEnumerable<string> TypesFor(string? commandName, string? kind)
        {
            if (commandName?.EndsWith("Provider", StringComparison.OrdinalIgnoreCase) == true) kind = ConnectionKinds.Provider;
            if (commandName?.EndsWith("Gateway", StringComparison.OrdinalIgnoreCase) == true) kind = ConnectionKinds.Gateway;
            switch (kind?.ToLowerInvariant())
            {
                case ConnectionKinds.Provider: return ProviderTypes;
                case ConnectionKinds.Integration: return IntegrationTypes;
                case ConnectionKinds.Gateway: return GatewayTypes;
                default: return ProviderTypes.Concat(IntegrationTypes).Concat(GatewayTypes);
            }
        }
    }
}
