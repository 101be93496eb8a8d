using System;
using System.Globalization;
using System.Management.Automation;
using System.Text.Json;

namespace CompassPS.Commands
{
    /// <summary>
    /// The console view of a followed run (Start-CompassRun -Follow): one line per step, and the answer written
    /// piece by piece on one line as output.delta events arrive. Written to the Information stream as host
    /// messages, so it shows at a console and lands in transcripts and runbook logs, while the output stream keeps
    /// only objects; -InformationAction Ignore silences it. Pipeline thread only.
    /// </summary>
    internal sealed class LiveRunView
    {
        private static readonly string[] Tags = { "PSHOST", "CompassPS.Live" };

        private readonly Cmdlet _cmdlet;
        private bool _midLine;

        public LiveRunView(Cmdlet cmdlet)
        {
            _cmdlet = cmdlet;
        }

        public void Show(RunEvent e)
        {
            switch (e.Type)
            {
                case RunEvent.OutputDelta:
                    if (!string.IsNullOrEmpty(e.Text)) Write(e.Text!, noNewLine: true);
                    return;
                case RunEvent.RunStarted:
                    Line($"Run {e.RunId} started");
                    return;
                case "node.started":
                    Line($"> {e.NodeName ?? e.NodeId} ({e.NodeType ?? "node"})");
                    return;
                case "node.failed":
                    Line($"! {e.NodeName ?? e.NodeId} failed: {Text(e.Error)}");
                    return;
                case RunEvent.ToolCallStarted:
                    Line($"  tool {e.Tool} {Text(e.Args)}");
                    return;
                case RunEvent.ToolCallCompleted:
                    Line($"  tool {e.Tool} done{Duration(e.DurationMs)}");
                    return;
                case "approval.requested":
                    Line($"? approval {e.ApprovalId} requested for tool {e.Tool}");
                    return;
                case RunEvent.RunCompleted:
                    Line($"Run completed{Duration(e.DurationMs)}{(e.TotalTokens is long t ? ", " + t.ToString(CultureInfo.InvariantCulture) + " tokens" : "")}");
                    return;
                case RunEvent.RunFailed:
                    Line($"Run failed: {Text(e.Error)}");
                    return;
                case RunEvent.RunCancelled:
                    Line("Run cancelled");
                    return;
            }
        }

        /// <summary>Ends a line of answer text left open, so what follows starts on its own line.</summary>
        public void Finish()
        {
            if (_midLine) Write("", noNewLine: false);
        }

        private void Line(string text)
        {
            Finish();
            Write(text, noNewLine: false);
        }

        private void Write(string text, bool noNewLine)
        {
            _midLine = noNewLine;
            _cmdlet.WriteInformation(new HostInformationMessage { Message = text, NoNewLine = noNewLine }, Tags);
        }

        private static string Duration(long? ms) => ms is long d ? string.Format(CultureInfo.InvariantCulture, " in {0} ms", d) : "";

        private static string Text(object? value)
        {
            if (value is null) return "";
            if (value is string s) return s;
            if (value is PSObject || value is object[])
            {
                using var buffer = new System.IO.MemoryStream();
                using (var writer = new Utf8JsonWriter(buffer)) JsonValues.WriteInput(writer, value, "value");
                var json = System.Text.Encoding.UTF8.GetString(buffer.ToArray());
                return json.Length > 120 ? json.Substring(0, 120) + "..." : json;
            }
            return Convert.ToString(value, CultureInfo.InvariantCulture) ?? "";
        }
    }
}
