using System;
using System.Collections.Generic;
using System.IO;
using System.Net.ServerSentEvents;
using System.Text;
using System.Text.Json;

namespace Neighbour
{
    /// <summary>Uses each of the shared dependencies once and says which versions it ran on.</summary>
    public static class NeighbourProbe
    {
        public static string Run()
        {
            var json = JsonSerializer.Serialize(new Dictionary<string, int> { ["answer"] = 42 });
            int answer;
            using (var document = JsonDocument.Parse(json)) { answer = document.RootElement.GetProperty("answer").GetInt32(); }

            var events = new List<string>();
            var text = Encoding.UTF8.GetBytes("event: ping\ndata: one\n\ndata: two\n\n");
            var enumerator = SseParser.Create(new MemoryStream(text)).EnumerateAsync().GetAsyncEnumerator();
            try
            {
                while (enumerator.MoveNextAsync().AsTask().GetAwaiter().GetResult())
                {
                    events.Add(enumerator.Current.EventType + ":" + enumerator.Current.Data);
                }
            }
            finally { enumerator.DisposeAsync().AsTask().GetAwaiter().GetResult(); }

            return "answer=" + answer + ";events=" + string.Join(",", events) +
                   ";stj=" + VersionOf(typeof(JsonSerializer)) + ";sse=" + VersionOf(typeof(SseParser)) +
                   ";bcl=" + VersionOf(typeof(IAsyncEnumerable<>));
        }

        private static string VersionOf(Type type) => type.Assembly.GetName().Version?.ToString() ?? "?";
    }
}
