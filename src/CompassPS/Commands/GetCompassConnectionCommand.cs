using System.Management.Automation;
using CompassPS.Client;

namespace CompassPS.Commands
{
    /// <summary>Gets connections of every kind by id, or lists them (newest first) by kind, type and name.</summary>
    [Cmdlet(VerbsCommon.Get, "CompassConnection", DefaultParameterSetName = ListSet, SupportsPaging = true)]
    [OutputType(typeof(Connection))]
    public sealed class GetCompassConnectionCommand : ConnectionListCmdlet
    {
        [Parameter(ParameterSetName = ListSet)]
        [ValidateSet(ConnectionKinds.Provider, ConnectionKinds.Integration, ConnectionKinds.Gateway)]
        public string? Kind { get; set; }

        protected override string Collection => CompassClient.ConnectionsCollection;

        protected override string? KindFilter => Kind;
    }
}
