using System.Management.Automation;
using System.Text.Json;

namespace CompassPS.Bench.Tools;

/// <summary>
/// The least a compiled cmdlet that returns the run as an object has to do: the bare cmdlet's GET, then the answer
/// turned into a PSCustomObject the cheapest way (one JsonDocument, a note property per field, as ConvertFrom-Json
/// and Invoke-RestMethod do). No typed model, no error handling, no deadline. The reads benchmark times it as the
/// floor of any cmdlet a user could call instead of Get-CompassRun. Imported by the benchmarks only, never shipped.
/// </summary>
[Cmdlet(VerbsCommon.Get, "BareCompassRunObject")]
public sealed class BareGetRunObjectCommand : PSCmdlet
{
    [Parameter(Mandatory = true, Position = 0)]
    public string Id { get; set; } = "";

    protected override void ProcessRecord()
    {
        var http = BareGetRunCommand.Http ?? throw new InvalidOperationException("Set [CompassPS.Bench.Tools.BareGetRunCommand]::Http first.");
        using var response = http.GetAsync("v1/runs/" + Id, HttpCompletionOption.ResponseContentRead).GetAwaiter().GetResult();
        response.EnsureSuccessStatusCode();
        var body = response.Content.ReadAsByteArrayAsync().GetAwaiter().GetResult();
        using var document = JsonDocument.Parse(body);
        WriteObject(ToPSObject(document.RootElement));
    }

    private static object? ToPSObject(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var result = new PSObject();
                foreach (var property in element.EnumerateObject()) result.Properties.Add(new PSNoteProperty(property.Name, ToPSObject(property.Value)));
                return result;
            case JsonValueKind.Array:
                return element.EnumerateArray().Select(ToPSObject).ToArray();
            case JsonValueKind.String:
                return element.GetString();
            case JsonValueKind.Number:
                return element.TryGetInt64(out var whole) ? whole : element.GetDouble();
            case JsonValueKind.True:
                return true;
            case JsonValueKind.False:
                return false;
            default:
                return null;
        }
    }
}
