using System;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;
using System.Text;
using System.Text.Json;
using CompassPS.Client;

namespace CompassPS.Commands
{
    /// <summary>
    /// One turn of a conversation: dispatches a run of the conversation's workflow or deployment with the message as
    /// its chat input, shows the answer live as it streams (LiveRunView, as Start-CompassRun -Follow does), and
    /// returns the reply. A chat is a loop of this one cmdlet.
    /// </summary>
    [Cmdlet(VerbsCommunications.Send, "CompassMessage", SupportsShouldProcess = true)]
    [OutputType(typeof(MessageReply))]
    public sealed class SendCompassMessageCommand : CompassRunCmdlet
    {
        /// <summary>Conversations already read in this invocation, so a pipeline of messages reads each only once.</summary>
        private readonly Dictionary<string, Conversation> _conversations = new Dictionary<string, Conversation>(StringComparer.OrdinalIgnoreCase);

        /// <summary>
        /// The conversation: an id, a conversation, or a reply (its conversation goes on). Other objects are a
        /// CompassPS.WrongObjectKind error; plain objects (CSV rows) bind their ConversationId or Id property.
        /// </summary>
        [Parameter(Mandatory = true, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("Id")]
        [PipeBindNull]
        [ValidatePipeBind]
        [ArgumentCompleter(typeof(ConversationIdCompleter))]
        public ConversationPipeBind? ConversationId { get; set; }

        /// <summary>
        /// The message: sent as the run's chat input. Binds from the pipeline by property name only (e.g. a CSV
        /// column), so a conversation piped in can never be sent as text by mistake.
        /// </summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string? Message { get; set; }

        /// <summary>Do not show the answer live; only return the reply.</summary>
        [Parameter]
        public SwitchParameter Quiet { get; set; }

        /// <summary>Give up waiting for the answer after this many seconds (CompassPS.Timeout); the run goes on.</summary>
        [Parameter]
        [ValidateRange(0, int.MaxValue)]
        public int? TimeoutSec { get; set; }

        protected override void ProcessRecordCore()
        {
            var conversationId = PipeBindRules.For<Conversation>(MyInvocation.MyCommand.Name, c => c.Id)
                .Relate<MessageReply>(m => m.ConversationId)
                .Resolve(ConversationId!, out var wrongKind);
            if (conversationId is null)
            {
                WriteError(wrongKind!);
                return;
            }
            if (!ShouldProcess("conversation " + conversationId, "Send a message")) return;
            Guarded(() => SendOne(conversationId, Message!), conversationId);
        }

        private void SendOne(string conversationId, string message)
        {
            var conversation = ConversationFor(conversationId);
            var dispatch = new RunDispatch
            {
                ConversationId = conversation.Id,
                // A deployment answers with its live version; a conversation with a workflow runs its draft.
                DeploymentId = conversation.DeploymentId,
                WorkflowId = conversation.DeploymentId is null ? conversation.WorkflowId : null,
                InputJson = ChatInput(message),
            };
            if (dispatch.DeploymentId is null && dispatch.WorkflowId is null)
            {
                throw new CompassApiException(CompassErrorKind.InvalidResponse,
                    $"The conversation {conversation.Id} names neither a workflow nor a deployment, so there is nothing to send the message to.");
            }

            var run = Await(Client.CreateRunAsync(dispatch, StopToken));
            var streamed = new StringBuilder();
            var view = Quiet ? null : new LiveRunView(this);
            try
            {
                FollowRun(run.Id, TimeoutSec, e =>
                {
                    if (e.Type == RunEvent.OutputDelta) streamed.Append(e.Text);
                    view?.Show(e);
                }, live: !Quiet);
            }
            finally
            {
                view?.Finish();
            }

            var finished = Await(Client.GetRunAsync(run.Id, StopToken));
            var reply = MessageReply.From(finished, message, streamed.ToString());
            if (!string.Equals(finished.Status, RunStatus.Completed, StringComparison.OrdinalIgnoreCase))
            {
                WriteError(TurnFailed(finished, reply));
            }
            WriteObject(reply);
        }

        private Conversation ConversationFor(string id)
        {
            if (!_conversations.TryGetValue(id, out var conversation))
            {
                conversation = Await(Client.GetConversationAsync(id, StopToken));
                _conversations[id] = conversation;
            }
            return conversation;
        }

        /// <summary>A chat input is a JSON string (never parsed as JSON, even when the text starts with a brace).</summary>
        private static byte[] ChatInput(string message)
        {
            using var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer)) writer.WriteStringValue(message);
            return buffer.ToArray();
        }

        /// <summary>A turn that did not complete: an error a script can catch, with the reply as its target.</summary>
        private static ErrorRecord TurnFailed(Run run, MessageReply reply)
        {
            var why = run.Error is null ? "" : ": " + (run.Error as string ?? reply.Error?.ToString());
            var exception = new InvalidOperationException($"The run {run.Id} of the conversation ended {run.Status}{why}");
            return new ErrorRecord(exception, RunNotCompletedErrorId, ErrorCategory.InvalidResult, reply);
        }
    }
}
