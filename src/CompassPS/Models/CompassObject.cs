using System.Collections.Generic;
using System.Management.Automation;
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
            foreach (var field in _additional)
            {
                var name = JsonValues.PascalCase(field.Key);
                if (ps.Properties[name] != null) name = field.Key;
                if (ps.Properties[name] != null) continue;
                ps.Properties.Add(new PSNoteProperty(name, field.Value));
            }
            return ps;
        }
    }
}
