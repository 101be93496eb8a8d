using System.Management.Automation;

namespace CompassPS.Bench.Tools;

/// <summary>
/// The least any compiled cmdlet that reads a run has to do: one GET through the raw HttpClient, the bytes written
/// as they came (no decoding, no error handling, no cancellation). The reads benchmark times it to show how close
/// a cmdlet can come to the raw loop at all, and so how large a ratio against Invoke-RestMethod any cmdlet can
/// reach on the machine at hand; and, in a fresh process, what the first HTTP call of any binary module costs.
/// Imported by the benchmarks only, never shipped.
/// </summary>
[Cmdlet(VerbsCommon.Get, "BareCompassRun")]
public sealed class BareGetRunCommand : PSCmdlet
{
    /// <summary>The client every bare call uses: set by the benchmark, else made from COMPASS_BASE_URL and COMPASS_API_KEY.</summary>
    public static HttpClient? Http { get; set; }

    [Parameter(Mandatory = true, Position = 0)]
    public string Id { get; set; } = "";

    protected override void ProcessRecord()
    {
        var http = Http ??= BenchHttp.CreateClient(
            Environment.GetEnvironmentVariable("COMPASS_BASE_URL") ?? throw new InvalidOperationException("Set COMPASS_BASE_URL or [CompassPS.Bench.Tools.BareGetRunCommand]::Http."),
            Environment.GetEnvironmentVariable("COMPASS_API_KEY") ?? "");
        using var response = http.GetAsync("v1/runs/" + Id, HttpCompletionOption.ResponseContentRead).GetAwaiter().GetResult();
        response.EnsureSuccessStatusCode();
        WriteObject(response.Content.ReadAsByteArrayAsync().GetAwaiter().GetResult());
    }
}
