using System.IO;
using System.Management.Automation;
using System.Text;
using System.Text.Json;

namespace CompassPS
{
    /// <summary>
    /// How JSON objects from the server (a run's InputData or Output) read as text: compact JSON ({"topic":"tides"})
    /// instead of PowerShell's @{topic=tides}, so Export-Csv writes JSON that ConvertFrom-Json reads back, and
    /// "$($run.Output)" reads as JSON. Their properties and ConvertTo-Json are unchanged.
    /// </summary>
    /// <remarks>
    /// A member added per object costs a few microseconds, so only this one is added (a run listing carries one JSON
    /// object per run). Declaring members per type instead (a types.ps1xml) costs every Import-Module about 100 ms,
    /// and wrapping each time so that Export-Csv writes it as ISO 8601 costs a member per time per object; both were
    /// measured and left out. The model's own property order (Id and Status first) is what Export-Csv follows.
    /// </remarks>
    public static class ExportShape
    {
        /// <summary>The text of a JSON object: compact JSON.</summary>
        public static string JsonText(PSObject instance)
        {
            using var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            {
                JsonValues.WriteInput(writer, instance, "value");
            }
            return Encoding.UTF8.GetString(buffer.ToArray());
        }

        /// <summary>Built (and its method checked) once; each JSON object gets a copy.</summary>
        private static readonly PSCodeMethod JsonTextMethod = new PSCodeMethod("ToString", typeof(ExportShape).GetMethod(nameof(JsonText))!);

        /// <summary>Gives a JSON object (a PSCustomObject) its compact JSON text.</summary>
        internal static void AddJsonText(PSObject jsonObject) => jsonObject.Methods.Add((PSMethodInfo)JsonTextMethod.Copy());
    }
}
