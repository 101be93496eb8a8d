using System.Management.Automation;

namespace Neighbour
{
    [Cmdlet(VerbsDiagnostic.Test, "Neighbour")]
    [OutputType(typeof(string))]
    public sealed class TestNeighbourCommand : PSCmdlet
    {
        protected override void EndProcessing() => WriteObject("lower;" + NeighbourProbe.Run());
    }
}
