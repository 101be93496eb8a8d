using System.Management.Automation;

namespace CompassPS.Commands
{
    /// <summary>
    /// A context read back from a file or another process (Import-Clixml, a background job, a remote session) is a
    /// property bag without a key, since a context serializes without it: say so, instead of PowerShell's
    /// "cannot convert Deserialized.CompassPS.CompassContext".
    /// </summary>
    internal sealed class ContextTransformationAttribute : ArgumentTransformationAttribute
    {
        public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
        {
            if (inputData is PSObject ps && !(ps.BaseObject is CompassContext))
            {
                foreach (var name in ps.TypeNames)
                {
                    if (name == "Deserialized." + typeof(CompassContext).FullName || name == "Deserialized." + CompassContext.TypeName)
                    {
                        throw new ArgumentTransformationMetadataException(
                            "This context was read back from a file or another process (Import-Clixml, a background job, a remote session) " +
                            "and carries no API key: a context is never saved with its key. Build it again where it is used, with " +
                            "Connect-Compass -PassThru or from COMPASS_BASE_URL and COMPASS_API_KEY.");
                    }
                }
            }
            return inputData;
        }
    }
}
