using System.Management.Automation;

namespace CompassPS.Commands
{
    /// <summary>The context cmdlets use when given no -Context: the runspace default, else one from the environment.</summary>
    [Cmdlet(VerbsCommon.Get, "CompassContext")]
    [OutputType(typeof(CompassContext))]
    public sealed class GetCompassContextCommand : CompassCmdletBase
    {
        protected override void EndProcessingCore()
        {
            var context = ContextStore.Default ?? ContextStore.FromEnvironment(UserAgent());
            if (context != null) WriteObject(context.ToPSObject());
        }
    }
}
