using System.Management.Automation;

namespace CompassPS.Commands
{
    /// <summary>Gets conversations by id, or lists them (newest first) page by page, optionally for one workflow or deployment.</summary>
    [Cmdlet(VerbsCommon.Get, "CompassConversation", DefaultParameterSetName = ListSet, SupportsPaging = true)]
    [OutputType(typeof(Conversation))]
    public sealed class GetCompassConversationCommand : CompassListCmdlet<Conversation>
    {
        private const string ListSet = "List";
        private const string ByIdSet = "ById";

        [Parameter(ParameterSetName = ByIdSet, Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("ConversationId")]
        [PipeBindNull]
        [ValidatePipeBind]
        [ArgumentCompleter(typeof(ConversationIdCompleter))]
        public ConversationPipeBind[] Id { get; set; } = System.Array.Empty<ConversationPipeBind>();

        [Parameter(ParameterSetName = ListSet)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(WorkflowIdCompleter))]
        public string? WorkflowId { get; set; }

        [Parameter(ParameterSetName = ListSet)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(DeploymentIdCompleter))]
        public string? DeploymentId { get; set; }

        protected override void ProcessRecordCore()
        {
            if (ParameterSetName == ByIdSet)
            {
                foreach (var id in Resolve(Id, PipeBindRules.For<Conversation>(MyInvocation.MyCommand.Name, c => c.Id)
                    .Relate<Run>(r => r.ConversationId).Relate<MessageReply>(m => m.ConversationId)))
                {
                    Guarded(() => WriteObject(Await(Client.GetConversationAsync(id, StopToken)).ToPSObject()), id);
                }
                return;
            }
            var (skip, first) = PageWindow;
            WritePages(Client.ListConversationsAsync(WorkflowId, DeploymentId, skip, first, StopToken));
        }
    }
}
