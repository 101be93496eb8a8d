using System;
using System.Collections.Concurrent;
using System.Globalization;
using System.IO;
using System.Management.Automation;
using System.Reflection;
using System.Text;
using System.Text.Json;

namespace CompassPS
{
    /// <summary>
    /// How the objects people export read in Export-Csv and other text: CompassPS.types.ps1xml declares, per model,
    /// code properties that stand in for the model's own Id, Name, Status and times. PowerShell lists type members
    /// before a .NET object's own properties, so Export-Csv writes identity and status first; a time keeps its
    /// DateTimeOffset value (it still compares and computes) but its text is ISO 8601. JSON objects from the server
    /// (a run's InputData, Output) are typed CompassPS.JsonObject, whose text is compact JSON. Declared once per type,
    /// not added per object: a listing of thousands of runs pays nothing until a property is read.
    /// </summary>
    public static class ExportShape
    {
        /// <summary>The PSTypeName of every JSON object JsonValues makes.</summary>
        public const string JsonObjectTypeName = "CompassPS.JsonObject";

        public static object? Id(PSObject instance) => Read(instance, nameof(Id));
        public static object? Name(PSObject instance) => Read(instance, nameof(Name));
        public static object? Status(PSObject instance) => Read(instance, nameof(Status));
        public static object? CreatedAt(PSObject instance) => Time(Read(instance, nameof(CreatedAt)));
        public static object? UpdatedAt(PSObject instance) => Time(Read(instance, nameof(UpdatedAt)));
        public static object? StartedAt(PSObject instance) => Time(Read(instance, nameof(StartedAt)));
        public static object? CompletedAt(PSObject instance) => Time(Read(instance, nameof(CompletedAt)));
        public static object? FinishedAt(PSObject instance) => Time(Read(instance, nameof(FinishedAt)));
        public static object? LastRunAt(PSObject instance) => Time(Read(instance, nameof(LastRunAt)));
        public static object? DecidedAt(PSObject instance) => Time(Read(instance, nameof(DecidedAt)));

        /// <summary>
        /// The text of a time: 2026-12-04T13:59:25.123+00:00 (what Export-Csv and Format-List write). This stands in
        /// for every ToString of the time, so a format or a culture given ($run.CreatedAt.ToString('o')) is passed
        /// on to DateTimeOffset.ToString as usual.
        /// </summary>
        public static string IsoText(PSObject instance, params object[] arguments)
        {
            if (!(instance.BaseObject is DateTimeOffset time)) return instance.BaseObject?.ToString() ?? "";
            var format = arguments.Length > 0 ? Unwrap(arguments[0]) : null;
            var provider = arguments.Length > 1 ? Unwrap(arguments[1]) as IFormatProvider : format as IFormatProvider;
            if (arguments.Length == 0) return time.ToString("yyyy-MM-dd'T'HH:mm:ss.fffzzz", CultureInfo.InvariantCulture);
            return time.ToString(format as string, provider);
        }

        private static object? Unwrap(object? value) => value is PSObject ps ? ps.BaseObject : value;

        /// <summary>The text of a JSON object: compact JSON ({"topic":"tides"}) instead of @{topic=tides}.</summary>
        public static string JsonText(PSObject instance)
        {
            using var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            {
                JsonValues.WriteInput(writer, instance, "value");
            }
            return Encoding.UTF8.GetString(buffer.ToArray());
        }

        private static readonly PSCodeMethod IsoTextMethod = new PSCodeMethod("ToString", typeof(ExportShape).GetMethod(nameof(IsoText))!);

        /// <summary>The time itself, wrapped so that its text is ISO 8601; made when the property is read.</summary>
        private static object? Time(object? value)
        {
            if (!(value is DateTimeOffset time)) return value;
            var wrapped = new PSObject(time);
            wrapped.Methods.Add((PSMethodInfo)IsoTextMethod.Copy());
            return wrapped;
        }

        private static readonly ConcurrentDictionary<(Type, string), PropertyInfo?> Properties = new ConcurrentDictionary<(Type, string), PropertyInfo?>();

        private static object? Read(PSObject instance, string name)
        {
            var model = instance.BaseObject;
            if (model is null) return null;
            var property = Properties.GetOrAdd((model.GetType(), name), key => key.Item1.GetProperty(key.Item2, BindingFlags.Public | BindingFlags.Instance));
            return property?.GetValue(model);
        }
    }
}
