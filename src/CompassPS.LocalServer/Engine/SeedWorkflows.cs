namespace CompassPS.LocalServer.Engine;

/// <summary>
/// The workflows the local server seeds so that a fresh server can run a demo offline: a research agent
/// workflow on the built-in local model that uses a lookup workflow as its tool.
/// </summary>
public static class SeedWorkflows
{
    /// <summary>The provider connection the host seeds: name <c>local</c>, type local, default model <see cref="LocalModel"/>.</summary>
    public const string LocalProviderConnectionId = "11111111-1111-4111-8111-111111111111";
    public const string LocalModel = "compass-local-1";

    public const string DemoResearchId = "22222222-2222-4222-8222-222222222222";
    public const string DemoResearchDeploymentId = "33333333-3333-4333-8333-333333333333";
    public const string DemoResearchName = "demo-research";

    public const string DemoLookupId = "44444444-4444-4444-8444-444444444444";
    public const string DemoLookupDeploymentId = "55555555-5555-4555-8555-555555555555";
    public const string DemoLookupName = "demo-lookup";

    public const string DemoResearchDefinition = $$$"""
        name: {{{DemoResearchName}}}
        type: workflow
        description: Writes a short research brief on a topic with the built-in local model, which looks the topic up first.
        nodes:
          - id: input
            type: component
            component_type: input
            name: Input
            config:
              type: object
              schema:
                topic:
                  type: string
                  description: What to research
                  required: true
          - id: brief
            type: component
            component_type: prompt
            name: Research brief
            config:
              template: "Write a short research brief about {{topic}}."
            inputs:
              topic: { kind: ref, source: input, path: $.topic }
          - id: researcher
            type: agent
            name: Researcher
            model:
              connection_id: {{{LocalProviderConnectionId}}}
              model: {{{LocalModel}}}
            system_prompt: You are a careful research assistant. Look the topic up before you answer, and cite what you found.
            tools:
              - source: "workflow:{{{DemoLookupId}}}"
                name: lookup
                description: Looks up reference notes for a query.
            inputs:
              input: { kind: ref, source: brief, path: $ }
          - id: output
            type: component
            component_type: output
            name: Output
            config:
              mode: single
            inputs:
              value: { kind: ref, source: researcher, path: $ }
        """;

    public const string DemoLookupDefinition = $$$"""
        name: {{{DemoLookupName}}}
        type: workflow
        description: Returns reference notes for a query (offline, deterministic).
        nodes:
          - id: input
            type: component
            component_type: input
            name: Input
            config:
              type: object
              schema:
                query:
                  type: string
                  description: What to look up
                  required: true
          - id: notes
            type: component
            component_type: prompt
            name: Reference notes
            config:
              template: "Reference notes for '{{query}}': one offline source, the Compass local library."
            inputs:
              query: { kind: ref, source: input, path: $.query }
          - id: output
            type: component
            component_type: output
            name: Output
            config:
              mode: single
            inputs:
              value: { kind: ref, source: notes, path: $ }
        """;
}
