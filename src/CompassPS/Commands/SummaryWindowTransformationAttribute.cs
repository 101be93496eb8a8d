using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Management.Automation;

namespace CompassPS.Commands
{
    /// <summary>
    /// Makes -Window 7d and -Window 30s mean what they say. PowerShell reads an unquoted 7d as the decimal 7 and
    /// (from 6.2 on) 30s as the short 30, so without this the window would reach the server as "7" or "30".
    /// A decimal is taken back as days, a short as seconds, a TimeSpan as its largest whole unit; text is kept.
    /// </summary>
    public sealed class SummaryWindowTransformationAttribute : ArgumentTransformationAttribute
    {
        public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
        {
            var value = Unwrap(inputData);
            if (value is string || value is null || !(value is IEnumerable sequence)) return Window(value);
            var windows = new List<string?>();
            foreach (var item in sequence) windows.Add(Window(Unwrap(item)));
            return windows.ToArray();
        }

        private static object? Unwrap(object? value) => value is PSObject ps ? ps.BaseObject : value;

        private static string? Window(object? value)
        {
            switch (value)
            {
                case null: return null;
                case decimal days when days == decimal.Truncate(days): return days.ToString(CultureInfo.InvariantCulture) + "d";
                case short seconds: return seconds.ToString(CultureInfo.InvariantCulture) + "s";
                case TimeSpan span: return FromTimeSpan(span);
                default: return Convert.ToString(value, CultureInfo.InvariantCulture);
            }
        }

        private static string FromTimeSpan(TimeSpan span)
        {
            var seconds = (long)Math.Round(span.TotalSeconds);
            if (seconds > 0 && seconds % 86400 == 0) return (seconds / 86400).ToString(CultureInfo.InvariantCulture) + "d";
            if (seconds > 0 && seconds % 3600 == 0) return (seconds / 3600).ToString(CultureInfo.InvariantCulture) + "h";
            if (seconds > 0 && seconds % 60 == 0) return (seconds / 60).ToString(CultureInfo.InvariantCulture) + "m";
            return seconds.ToString(CultureInfo.InvariantCulture) + "s";
        }
    }
}
