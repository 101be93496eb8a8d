using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace CompassPS.Commands
{
    /// <summary>Completes conversation ids from the server, showing each conversation's title.</summary>
    public sealed class ConversationIdCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters) =>
            IdCompletion.Complete(wordToComplete,
                (client, first, token) => client.ListConversationsAsync(null, null, 0, first, token),
                conversation => conversation.Id,
                conversation => conversation.Title);
    }
}
