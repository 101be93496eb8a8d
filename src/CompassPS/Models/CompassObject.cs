using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Reflection;
using System.Text.Json;

namespace CompassPS
{
    /// <summary>
    /// Base of every object the module emits from the API. Fields the server sends that the model does not name
    /// are kept and appear as extra properties (PascalCase) on the object written to the pipeline, so nothing
    /// the server sends is lost.
    /// </summary>
    public abstract class CompassObject
    {
        private List<KeyValuePair<string, object?>>? _additional;

        /// <summary>Fields the model does not name, by wire name.</summary>
        internal IReadOnlyList<KeyValuePair<string, object?>> AdditionalFields =>
            (IReadOnlyList<KeyValuePair<string, object?>>?)_additional ?? System.Array.Empty<KeyValuePair<string, object?>>();

        /// <summary>Keeps every field of <paramref name="json"/> whose name is not in <paramref name="known"/>.</summary>
        protected void KeepUnknownFields(JsonElement json, HashSet<string> known)
        {
            foreach (var property in json.EnumerateObject())
            {
                if (known.Contains(property.Name)) continue;
                (_additional ??= new List<KeyValuePair<string, object?>>()).Add(
                    new KeyValuePair<string, object?>(property.Name, JsonValues.ToPowerShell(property.Value)));
            }
        }

        /// <summary>Keeps one field that the model does not name (for models that read their fields in one pass).</summary>
        protected void KeepUnknownField(JsonProperty property) => KeepUnknownField(property.Name, property.Value);

        protected void KeepUnknownField(string name, JsonElement value)
        {
            (_additional ??= new List<KeyValuePair<string, object?>>()).Add(new KeyValuePair<string, object?>(name, JsonValues.ToPowerShell(value)));
        }

        /// <summary>The object as written to the pipeline: the model plus a note property per unknown field.</summary>
        public PSObject ToPSObject()
        {
            var ps = PSObject.AsPSObject(this);
            if (_additional is null) return ps;
            var modelled = ModelledPropertyNames(GetType());
            var added = new List<string>(_additional.Count);
            bool Taken(string name) => modelled.Contains(name) || added.Exists(a => string.Equals(a, name, StringComparison.OrdinalIgnoreCase));
            foreach (var field in _additional)
            {
                // PascalCase like the model's own properties; the wire name where that would hide a modelled one or
                // one added before (PowerShell's names ignore case, and a second Add would replace the first).
                var name = JsonValues.PascalCase(field.Key);
                if (Taken(name))
                {
                    name = field.Key;
                    if (Taken(name)) continue;
                }
                added.Add(name);
                ps.Properties.Add(new PSNoteProperty(name, field.Value));
            }
            return ps;
        }

        private static readonly ConcurrentDictionary<Type, HashSet<string>> PropertyNamesByType = new ConcurrentDictionary<Type, HashSet<string>>();

        /// <summary>
        /// The model's public property names (as PowerShell matches them, ignoring case), read once per type: asking
        /// the PSObject instead goes through PowerShell's adapter, which a listing of thousands of runs pays per field.
        /// </summary>
        private static HashSet<string> ModelledPropertyNames(Type type) =>
            PropertyNamesByType.GetOrAdd(type, t => new HashSet<string>(
                t.GetProperties(BindingFlags.Public | BindingFlags.Instance).Select(p => p.Name), StringComparer.OrdinalIgnoreCase));
    }
}
