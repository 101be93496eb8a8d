using System.Management.Automation;
using CompassPS.Client;

namespace CompassPS.Commands
{
    /// <summary>Gets model provider connections by id, or lists them (newest first) by type and name.</summary>
    [Cmdlet(VerbsCommon.Get, "CompassProvider", DefaultParameterSetName = ListSet, SupportsPaging = true)]
    [OutputType(typeof(Connection))]
    public sealed class GetCompassProviderCommand : ConnectionListCmdlet
    {
        protected override string Collection => CompassClient.ProvidersCollection;
    }
}
