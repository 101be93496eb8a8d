using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
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
    /// Times as ISO 8601, and every value as text that reads the same in any culture, come from
    /// ConvertTo-CompassExport (<see cref="Cell"/>), which a user puts before Export-Csv.
    /// </remarks>
    public static class ExportShape
    {
        /// <summary>The text of a JSON object: compact JSON.</summary>
        public static string JsonText(PSObject instance) => CompactJson(instance);

        /// <summary>
        /// A value as one cell of a flat export (ConvertTo-CompassExport): times as ISO 8601 in UTC, numbers with
        /// fractions in the invariant culture, text, whole numbers and booleans as they are, and anything with parts
        /// (a JSON object, a list, a nested object) as compact JSON text. Each reads back the same in any culture.
        /// </summary>
        public static object? Cell(object? value)
        {
            if (value is PSObject ps && !(ps.BaseObject is PSCustomObject)) value = ps.BaseObject;
            switch (value)
            {
                case null: return null;
                case string or bool or char: return value;
                case byte or sbyte or short or ushort or int or uint or long or ulong: return value;
                case DateTimeOffset time: return IsoTime(time);
                case DateTime time: return IsoTime(new DateTimeOffset(time.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(time, DateTimeKind.Utc) : time));
                case TimeSpan span: return span.ToString("c", CultureInfo.InvariantCulture);
                case Guid or Enum or Uri or Version: return value.ToString();
                case IFormattable number when value is float or double or decimal: return number.ToString(null, CultureInfo.InvariantCulture);
                // Another object of the API (a step's Parent) or a list of them (its Children) stands as its id: the
                // record is flat, and a tree of steps refers to itself both ways.
                case CompassObject related: return IdOf(related);
                case IEnumerable<CompassObject> related: return CompactJson(related.Select(IdOf).ToArray());
                default:
                    return CompactJson(value);
            }
        }

        private static string? IdOf(CompassObject item) =>
            PSObject.AsPSObject(item).Properties["Id"]?.Value?.ToString();

        private static string CompactJson(object value)
        {
            using var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            {
                JsonValues.WriteInput(writer, value, "value");
            }
            return Encoding.UTF8.GetString(buffer.ToArray());
        }

        /// <summary>ISO 8601 in UTC with every digit the time has, e.g. 2026-12-04T16:05:09.1234567Z.</summary>
        public static string IsoTime(DateTimeOffset time) => time.UtcDateTime.ToString("o", CultureInfo.InvariantCulture);

        /// <summary>Built (and its method checked) once; each JSON object gets a copy.</summary>
        private static readonly PSCodeMethod JsonTextMethod = new PSCodeMethod("ToString", typeof(ExportShape).GetMethod(nameof(JsonText))!);

        /// <summary>Gives a JSON object (a PSCustomObject) its compact JSON text.</summary>
        internal static void AddJsonText(PSObject jsonObject) => jsonObject.Methods.Add((PSMethodInfo)JsonTextMethod.Copy());
    }
}
