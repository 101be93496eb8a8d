using System.Linq;
using System.Management.Automation;
using CompassPS.Client;

namespace CompassPS.Commands
{
    /// <summary>
    /// What Get-CompassConnection, Get-CompassProvider and Get-CompassGateway share: -Id, or a list narrowed by -Type
    /// (on the server) and -Name (wildcards, here), streamed page by page with -First/-Skip counted over the matches.
    /// </summary>
    public abstract class ConnectionListCmdlet : CompassListCmdlet<Connection>
    {
        protected const string ListSet = "List";
        protected const string ByIdSet = "ById";

        [Parameter(ParameterSetName = ByIdSet, Mandatory = true, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("ConnectionId")]
        [PipeBindNull]
        [ValidatePipeBind]
        [ArgumentCompleter(typeof(ConnectionIdCompleter))]
        public ConnectionPipeBind[] Id { get; set; } = System.Array.Empty<ConnectionPipeBind>();

        /// <summary>Names to match, with wildcards (* ? [ ]); a name without wildcards that matches nothing is an error.</summary>
        [Parameter(ParameterSetName = ListSet, Position = 0)]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        public string[]? Name { get; set; }

        [Parameter(ParameterSetName = ListSet)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(ConnectionTypeCompleter))]
        public string? Type { get; set; }

        /// <summary>The collection read: connections, providers or gateways.</summary>
        protected abstract string Collection { get; }

        /// <summary>The kind filter of a list (only Get-CompassConnection has one).</summary>
        protected virtual string? KindFilter => null;

        protected override void ProcessRecordCore()
        {
            if (ParameterSetName == ByIdSet)
            {
                foreach (var id in Resolve(Id, PipeBinds.Connections(MyInvocation.MyCommand.Name)))
                {
                    Guarded(() => WriteObject(Await(Client.GetConnectionAsync(Collection, id, StopToken)).ToPSObject()), id);
                }
                return;
            }
            var (skip, first) = PageWindow;
            if (Name is null)
            {
                WritePages(Client.ListConnectionsAsync(Collection, KindFilter, Type, skip, first, StopToken));
                return;
            }
            WriteNameMatches(skip, first);
        }

        /// <summary>The server has no name filter: every page is read and matched here, and -Skip/-First count matches.</summary>
        private void WriteNameMatches(ulong skip, ulong? first)
        {
            var names = Name!;
            var patterns = names.Select(name => WildcardPattern.Get(name, WildcardOptions.IgnoreCase | WildcardOptions.CultureInvariant)).ToArray();
            var found = new bool[names.Length];
            ulong matched = 0, written = 0;
            foreach (var page in Enumerate(Client.ListConnectionsAsync(Collection, KindFilter, Type, 0, null, StopToken)))
            {
                foreach (var connection in page.Items)
                {
                    var isMatch = false;
                    for (var i = 0; i < patterns.Length; i++)
                    {
                        if (!patterns[i].IsMatch(connection.Name ?? "")) continue;
                        found[i] = isMatch = true;
                    }
                    if (!isMatch) continue;
                    matched++;
                    if (matched <= skip || (first is ulong limit && written >= limit)) continue;
                    WriteObject(connection.ToPSObject());
                    written++;
                }
                // Every name must be looked for to the end, or "not found" could not be told.
                var allFound = found.All(f => f) || names.All(WildcardPattern.ContainsWildcardCharacters);
                if (first is ulong wanted && written >= wanted && allFound && !PagingParameters.IncludeTotalCount) return;
            }
            if (PagingParameters.IncludeTotalCount) WriteObject(PagingParameters.NewTotalCount(matched, 1.0));
            for (var i = 0; i < names.Length; i++)
            {
                if (found[i] || WildcardPattern.ContainsWildcardCharacters(names[i])) continue;
                WriteError(CompassErrors.Record(CompassErrorKind.NotFound, $"No {Noun} is named '{names[i]}'.", names[i]));
            }
        }

        private string Noun => Collection == CompassClient.ProvidersCollection ? "provider" : Collection == CompassClient.GatewaysCollection ? "gateway" : "connection";
    }
}
