using System.Management.Automation;
using System.Security;

namespace CompassPS.Commands
{
    /// <summary>
    /// Lets -ApiKey take plain text too (a key read from a runbook variable or secret store often arrives as a
    /// string); it is turned into a SecureString at once and never echoed.
    /// </summary>
    internal sealed class SecureStringTransformationAttribute : ArgumentTransformationAttribute
    {
        public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
        {
            var value = inputData is PSObject ps ? ps.BaseObject : inputData;
            return value is string text ? ContextStore.ToSecureString(text) : value;
        }
    }
}
