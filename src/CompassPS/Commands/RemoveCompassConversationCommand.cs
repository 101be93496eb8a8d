using System.Management.Automation;

namespace CompassPS.Commands
{
    /// <summary>
    /// Deletes conversations (their runs stay), once the input has ended. Confirms first (ConfirmImpact High) unless
    /// -Confirm:$false.
    /// </summary>
    [Cmdlet(VerbsCommon.Remove, "CompassConversation", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
    public sealed class RemoveCompassConversationCommand : CompassApiCmdlet
    {
        private PipelineWrites? _removals;

        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("ConversationId")]
        [PipeBindNull]
        [ValidatePipeBind]
        [ArgumentCompleter(typeof(ConversationIdCompleter))]
        public ConversationPipeBind[] Id { get; set; } = System.Array.Empty<ConversationPipeBind>();

        /// <summary>A removal shrinks every list the conversation was in: held until the input ends.</summary>
        private PipelineWrites Removals => _removals ??= new PipelineWrites(holdUntilInputEnds: true, Remove);

        protected override void ProcessRecordCore() => Removals.Add(Resolve(Id, PipeBindRules.For<Conversation>(MyInvocation.MyCommand.Name, c => c.Id)));

        protected override void EndProcessingCore() => Removals.Complete();

        private void Remove(string id)
        {
            if (!ShouldProcess("conversation " + id, "Remove")) return;
            Guarded(() => Await(Client.DeleteConversationAsync(id, StopToken)), id);
        }
    }
}
