using System.Globalization;
using System.Text;

namespace CompassPS.Benchmarks;

/// <summary>Bodies shaped exactly as the local server sends them (shared/reference/wire.md).</summary>
internal static class WireSamples
{
    public static string Run(int index) => string.Create(CultureInfo.InvariantCulture, $$"""
        {"id":"{{Guid(index)}}","workflow_id":"44444444-4444-4444-8444-444444444444","deployment_id":"55555555-5555-4555-8555-555555555555","conversation_id":null,"version":1,"status":"completed","trigger":"manual","input_data":{"query":"row {{index}}"},"output":"Reference notes for 'row {{index}}': one offline source, the Compass local library.","error":null,"total_tokens":0,"duration_ms":3,"step_count":3,"created_at":"2026-11-30T00:31:14.1234567+00:00","started_at":"2026-11-30T00:31:14.1244567+00:00","completed_at":"2026-11-30T00:31:14.1274567+00:00"}
        """);

    public static byte[] RunBytes() => Encoding.UTF8.GetBytes(Run(1));

    public static byte[] PageBytes(int count)
    {
        var page = new StringBuilder("{\"items\":[");
        for (var i = 0; i < count; i++)
        {
            if (i > 0) page.Append(',');
            page.Append(Run(i));
        }
        page.Append(CultureInfo.InvariantCulture, $"],\"total\":50000,\"limit\":{count},\"offset\":0}}");
        return Encoding.UTF8.GetBytes(page.ToString());
    }

    /// <summary>A run's event stream: output.delta events (one word each) and the final run.completed.</summary>
    public static byte[] EventStreamBytes(int events)
    {
        const string runId = "66666666-6666-4666-8666-666666666666";
        var stream = new StringBuilder();
        for (var seq = 1; seq < events; seq++)
        {
            stream.Append(CultureInfo.InvariantCulture,
                $"id: {seq}\nevent: output.delta\ndata: {{\"type\":\"output.delta\",\"run_id\":\"{runId}\",\"seq\":{seq},\"ts\":\"2026-11-30T00:31:14.123Z\",\"node_id\":\"researcher\",\"text\":\"w{seq % 26} \"}}\n\n");
        }
        stream.Append(CultureInfo.InvariantCulture,
            $"id: {events}\nevent: run.completed\ndata: {{\"type\":\"run.completed\",\"run_id\":\"{runId}\",\"seq\":{events},\"ts\":\"2026-11-30T00:31:15.123Z\",\"output\":\"done\",\"total_tokens\":{events},\"duration_ms\":1000}}\n\n");
        return Encoding.UTF8.GetBytes(stream.ToString());
    }

    private static string Guid(int index) => $"00000000-0000-4000-8000-{index:D12}";
}
