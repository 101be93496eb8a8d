namespace CompassPS.LocalServer.Store;

/// <summary>
/// The top-level runs (no parent) of each project in creation order, also grouped by the filters a run listing
/// takes most (workflow, deployment, conversation), so a newest-first page is answered from one list instead of a
/// scan of every run. A run's project, parent and these ids never change after it is created, so the lists only
/// grow at the end. Guarded by <see cref="DataStore.Gate"/> like the rest of the store.
/// </summary>
public sealed class RunIndex
{
    private static readonly IReadOnlyList<RunEntity> None = [];
    private readonly Dictionary<string, ProjectRuns> _projects = new(StringComparer.Ordinal);

    /// <summary>Adds a run that is newer than every run added before it.</summary>
    public void Add(RunEntity run)
    {
        if (run.ParentRunId is not null) return;
        if (!_projects.TryGetValue(run.ProjectId, out var project)) _projects[run.ProjectId] = project = new ProjectRuns();
        project.TopLevel.Add(run);
        AddTo(project.ByWorkflow, run.WorkflowId, run);
        AddTo(project.ByDeployment, run.DeploymentId, run);
        AddTo(project.ByConversation, run.ConversationId, run);
    }

    /// <summary>
    /// The project's top-level runs, oldest first, narrowed to the most selective id filter given (ids compare
    /// case-insensitively, as the listing does). Callers still apply every other filter to the runs returned.
    /// </summary>
    public IReadOnlyList<RunEntity> Candidates(string projectId, string? workflowId, string? deploymentId, string? conversationId)
    {
        if (!_projects.TryGetValue(projectId, out var project)) return None;
        if (conversationId is not null) return project.ByConversation.GetValueOrDefault(conversationId) ?? None;
        if (deploymentId is not null) return project.ByDeployment.GetValueOrDefault(deploymentId) ?? None;
        if (workflowId is not null) return project.ByWorkflow.GetValueOrDefault(workflowId) ?? None;
        return project.TopLevel;
    }

    private static void AddTo(Dictionary<string, List<RunEntity>> groups, string? key, RunEntity run)
    {
        if (key is null) return;
        if (!groups.TryGetValue(key, out var runs)) groups[key] = runs = [];
        runs.Add(run);
    }

    private sealed class ProjectRuns
    {
        public List<RunEntity> TopLevel { get; } = [];
        public Dictionary<string, List<RunEntity>> ByWorkflow { get; } = new(StringComparer.OrdinalIgnoreCase);
        public Dictionary<string, List<RunEntity>> ByDeployment { get; } = new(StringComparer.OrdinalIgnoreCase);
        public Dictionary<string, List<RunEntity>> ByConversation { get; } = new(StringComparer.OrdinalIgnoreCase);
    }
}
