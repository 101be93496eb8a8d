using System;
using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;
using System.Management.Automation.Language;
using CompassPS.Client;

namespace CompassPS.Commands
{
    /// <summary>
    /// Completes connection ids from the server, showing each connection's name and type; for the provider and
    /// gateway cmdlets (and -GatewayId) only connections of that kind.
    /// </summary>
    public sealed class ConnectionIdCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            var collection = parameterName == "GatewayId" ? CompassClient.GatewaysCollection : CollectionFor(commandName);
            return IdCompletion.Complete(wordToComplete,
                (client, first, token) => client.ListConnectionsAsync(collection, null, null, 0, first, token),
                connection => connection.Id,
                connection => connection.Name is null ? null : $"{connection.Name} [{connection.Kind}/{connection.Type}]");
        }

        private static string CollectionFor(string? commandName)
        {
            if (commandName != null && commandName.EndsWith("Provider", StringComparison.OrdinalIgnoreCase)) return CompassClient.ProvidersCollection;
            // New-CompassAgent -Provider takes a provider connection.
            if (commandName != null && commandName.EndsWith("Agent", StringComparison.OrdinalIgnoreCase)) return CompassClient.ProvidersCollection;
            if (commandName != null && commandName.EndsWith("Gateway", StringComparison.OrdinalIgnoreCase)) return CompassClient.GatewaysCollection;
            return CompassClient.ConnectionsCollection;
        }
    }
}
