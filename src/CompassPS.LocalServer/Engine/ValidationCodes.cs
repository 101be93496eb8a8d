namespace CompassPS.LocalServer.Engine;

/// <summary>Compass's validation codes (reference §6.3), plus the few this server adds for what it cannot do.</summary>
public static class ValidationCodes
{
    // Build (structural)
    public const string MissingInput = "MISSING_INPUT";
    public const string DuplicateInput = "DUPLICATE_INPUT";
    public const string MissingOutput = "MISSING_OUTPUT";
    public const string DuplicateOutput = "DUPLICATE_OUTPUT";
    public const string InputHasDependencies = "INPUT_HAS_DEPENDENCIES";
    public const string OutputNoDependencies = "OUTPUT_NO_DEPENDENCIES";
    public const string UnknownDependency = "UNKNOWN_DEPENDENCY";
    public const string CycleDetected = "CYCLE_DETECTED";
    public const string UnknownComponentType = "UNKNOWN_COMPONENT_TYPE";
    public const string MissingComponentConfig = "MISSING_COMPONENT_CONFIG";
    public const string InvalidComponentConfig = "INVALID_COMPONENT_CONFIG";
    public const string PromptParamHasPath = "PROMPT_PARAM_HAS_PATH";

    // Deploy (ready)
    public const string MissingConnection = "MISSING_CONNECTION";
    public const string MissingModel = "MISSING_MODEL";
    public const string ConnectionNotFound = "CONNECTION_NOT_FOUND";
    public const string ConnectionInactive = "CONNECTION_INACTIVE";
    public const string ConnectionCapability = "CONNECTION_CAPABILITY";
    public const string DoesNotReachOutput = "DOES_NOT_REACH_OUTPUT";
    public const string ConnectedNotAssigned = "CONNECTED_NOT_ASSIGNED";
    public const string MissingRequiredParameter = "MISSING_REQUIRED_PARAMETER";
    public const string TypeMismatch = "TYPE_MISMATCH";
    public const string InvalidBatchAxis = "INVALID_BATCH_AXIS";
    public const string InvalidBatchConfig = "INVALID_BATCH_CONFIG";

    // Agent-only
    public const string AgentShape = "AGENT_SHAPE";
    public const string NestedAgent = "NESTED_AGENT";

    // Added by the local server
    /// <summary>The text does not parse, or is not a definition (no name, nodes not a list, a node without an id, ...).</summary>
    public const string InvalidDefinition = "INVALID_DEFINITION";
    /// <summary>A binding that cannot be read (unknown kind, a ref without a source, a bad path or template).</summary>
    public const string InvalidBinding = "INVALID_BINDING";
    /// <summary>A node type other than component, agent, integration and workflow.</summary>
    public const string UnknownNodeType = "UNKNOWN_NODE_TYPE";
    /// <summary>A Compass component or integration type the local server cannot run offline.</summary>
    public const string UnsupportedComponent = "UNSUPPORTED_COMPONENT";
    /// <summary>A workflow node, prebuilt agent or workflow/agent tool naming a workflow the project does not have.</summary>
    public const string WorkflowNotFound = "WORKFLOW_NOT_FOUND";
    /// <summary>A workflow or agent used as a tool that has never been deployed (Compass calls only deployed tools).</summary>
    public const string ToolNotDeployed = "TOOL_NOT_DEPLOYED";

    // What a definition may cost (Definitions/DefinitionBounds): refused with a 422 on create and update, reported by
    // validate and deploy, and a run of a stored definition past them fails at start.
    /// <summary>The text is longer than the bound, or (JSON) holds more values than the bound.</summary>
    public const string DefinitionTooLarge = "DEFINITION_TOO_LARGE";
    /// <summary>Mappings and lists nest deeper than the bound.</summary>
    public const string DefinitionTooDeep = "DEFINITION_TOO_DEEP";
    /// <summary>YAML aliases expand to more values, or more characters of text, than the bounds.</summary>
    public const string AliasExpansionTooLarge = "ALIAS_EXPANSION_TOO_LARGE";
    /// <summary>A node's inputs or output are larger than the bound: the run fails with this code in its error.</summary>
    public const string OutputTooLarge = "OUTPUT_TOO_LARGE";
}
