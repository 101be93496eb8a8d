using System.Management.Automation;
using CompassPS.Client;

namespace CompassPS.Commands
{
    /// <summary>Gets gateway connections by id, or lists them (newest first) by type and name.</summary>
    [Cmdlet(VerbsCommon.Get, "CompassGateway", DefaultParameterSetName = ListSet, SupportsPaging = true)]
    [OutputType(typeof(Connection))]
    public sealed class GetCompassGatewayCommand : ConnectionListCmdlet
    {
        protected override string Collection => CompassClient.GatewaysCollection;
    }
}
