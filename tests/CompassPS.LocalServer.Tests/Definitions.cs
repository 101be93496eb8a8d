using CompassPS.LocalServer.Engine;

namespace CompassPS.LocalServer.Tests;

/// <summary>Workflow definitions for the contract tests, derived from the seeded demo so they stay valid as the engine grows.</summary>
public static class Definitions
{
    public static string Research => SeedWorkflows.DemoResearchDefinition;

    /// <summary>The demo research agent, with its lookup tool behind an approval.</summary>
    public static string ResearchWithApproval => WithAgentFlag("tools_require_approval: true");

    /// <summary>The demo research agent, seeing the earlier turns of its conversation.</summary>
    public static string ResearchWithHistory => WithAgentFlag("conversation_history: true");

    /// <summary>Parses, but has no Input node: validation reports MISSING_INPUT.</summary>
    public const string MissingInput = """
        name: broken
        type: workflow
        nodes:
          - id: output
            type: component
            component_type: output
            config:
              mode: single
            inputs:
              value: { kind: literal, value: "x" }
        """;

    private static string WithAgentFlag(string flag)
    {
        const string anchor = "    system_prompt:";
        var at = Research.IndexOf(anchor, StringComparison.Ordinal);
        Assert.True(at > 0, "the demo definition changed shape; update the test definitions");
        return Research[..at] + "    " + flag + "\n" + Research[at..];
    }
}
