using System.Management.Automation;

namespace CompassPS.Commands
{
    /// <summary>Deletes conversations (their runs stay). Confirms first (ConfirmImpact High) unless -Confirm:$false.</summary>
    [Cmdlet(VerbsCommon.Remove, "CompassConversation", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
    public sealed class RemoveCompassConversationCommand : CompassApiCmdlet
    {
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("ConversationId")]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(ConversationIdCompleter))]
        public string[] Id { get; set; } = System.Array.Empty<string>();

        protected override void ProcessRecordCore()
        {
            foreach (var id in Id)
            {
                if (!ShouldProcess("conversation " + id, "Remove")) continue;
                Guarded(() => Await(Client.DeleteConversationAsync(id, StopToken)), id);
            }
        }
    }
}
