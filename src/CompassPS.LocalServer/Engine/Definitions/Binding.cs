using System.Text.Json.Nodes;

namespace CompassPS.LocalServer.Engine.Definitions;

/// <summary>How a node parameter gets its value (Compass's binding kinds).</summary>
public abstract record Binding
{
    /// <summary>Ids of the upstream nodes this binding reads, in order of appearance.</summary>
    public abstract IEnumerable<string> SourceNodeIds();
}

public sealed record LiteralBinding(JsonNode? Value) : Binding
{
    public override IEnumerable<string> SourceNodeIds() => [];
}

public sealed record RefBinding(string Source, JsonPath Path) : Binding
{
    public override IEnumerable<string> SourceNodeIds() => [Source];
}

public sealed record TemplateBinding(TemplateText Template) : Binding
{
    public override IEnumerable<string> SourceNodeIds() => Template.Tokens.Select(token => token.Head).Distinct();
}

public sealed record ListBinding(IReadOnlyList<Binding> Items) : Binding
{
    public override IEnumerable<string> SourceNodeIds() => Items.SelectMany(item => item.SourceNodeIds());
}

public sealed record ObjectBinding(IReadOnlyList<KeyValuePair<string, Binding>> Entries) : Binding
{
    public override IEnumerable<string> SourceNodeIds() => Entries.SelectMany(entry => entry.Value.SourceNodeIds());
}

public sealed record ConfigBinding(string Key, bool Optional, JsonNode? Default) : Binding
{
    public override IEnumerable<string> SourceNodeIds() => [];
}
