using System;
using System.Globalization;
using System.IO;
using System.Text;
using System.Text.Json;

namespace CompassPS
{
    /// <summary>
    /// One turn of a conversation as Send-CompassMessage returns it: what was sent, the agent's answer as text,
    /// and the run that produced it (PSTypeName CompassPS.MessageReply).
    /// </summary>
    public sealed class MessageReply
    {
        private MessageReply(Run run, string message, string? text)
        {
            Run = run;
            Message = message;
            Text = text;
        }

        public string ConversationId => Run.ConversationId ?? "";
        public string RunId => Run.Id;
        /// <summary>The message sent.</summary>
        public string Message { get; }
        /// <summary>
        /// The answer as text: the run's output when it is text, else the output as JSON. A run that ended without an
        /// output (failed or cancelled mid-answer) keeps the text that had streamed, or null when none had.
        /// </summary>
        public string? Text { get; }
        /// <summary>The run's status: completed, failed or cancelled (or still running after a timeout).</summary>
        public string Status => Run.Status;
        public long? TotalTokens => Run.TotalTokens;
        public long? DurationMs => Run.DurationMs;
        /// <summary>The run's error, when it failed.</summary>
        public object? Error => Run.Error;
        /// <summary>The run's output as it came (a string for an agent's answer, any JSON shape otherwise).</summary>
        public object? Output => Run.Output;
        /// <summary>The whole run, for everything else (Get-CompassRunTree, Get-CompassRunExecution bind its RunId).</summary>
        public Run Run { get; }

        /// <summary>
        /// The reply for a finished run. <paramref name="streamedText"/> is what output.delta events carried: used
        /// when the run ended without an output (e.g. it failed mid-answer) so that what the user saw is kept.
        /// </summary>
        public static MessageReply From(Run run, string message, string? streamedText)
        {
            return new MessageReply(run, message, TextOf(run.Output) ?? (string.IsNullOrEmpty(streamedText) ? null : streamedText));
        }

        private static string? TextOf(object? output)
        {
            switch (output)
            {
                case null:
                    return null;
                case string text:
                    return text;
                case bool or long or double:
                    return Convert.ToString(output, CultureInfo.InvariantCulture);
                default:
                    using (var buffer = new MemoryStream())
                    {
                        using (var writer = new Utf8JsonWriter(buffer)) JsonValues.WriteInput(writer, output, "output");
                        return Encoding.UTF8.GetString(buffer.ToArray());
                    }
            }
        }

        public override string ToString() => Text ?? "";
    }
}
