namespace CompassPS.LocalServer.Engine.Definitions;

/// <summary>The dependency graph of a definition's nodes (edges come from bindings).</summary>
public static class DefinitionGraph
{
    /// <summary>
    /// The nodes in an order where each comes after the nodes it depends on, or null when there is a cycle
    /// (<paramref name="cycleNodeIds"/> then holds the nodes on cycles). Unknown dependencies are ignored here.
    /// </summary>
    public static IReadOnlyList<NodeDefinition>? TopologicalOrder(WorkflowDefinition definition, out IReadOnlyList<string> cycleNodeIds)
    {
        var byId = definition.Nodes.ToDictionary(node => node.Id, StringComparer.Ordinal);
        var remaining = definition.Nodes.ToDictionary(
            node => node.Id,
            node => node.Dependencies.Count(dependency => byId.ContainsKey(dependency) && dependency != node.Id) + (node.Dependencies.Contains(node.Id) ? 1 : 0),
            StringComparer.Ordinal);
        var dependents = definition.Nodes.ToDictionary(node => node.Id, _ => new List<string>(), StringComparer.Ordinal);
        foreach (var node in definition.Nodes)
        {
            foreach (var dependency in node.Dependencies.Where(dependency => byId.ContainsKey(dependency) && dependency != node.Id))
            {
                dependents[dependency].Add(node.Id);
            }
        }

        var ready = new Queue<string>(definition.Nodes.Where(node => remaining[node.Id] == 0).Select(node => node.Id));
        var order = new List<NodeDefinition>(definition.Nodes.Count);
        while (ready.Count > 0)
        {
            var id = ready.Dequeue();
            order.Add(byId[id]);
            foreach (var dependent in dependents[id])
            {
                if (--remaining[dependent] == 0)
                {
                    ready.Enqueue(dependent);
                }
            }
        }

        if (order.Count == definition.Nodes.Count)
        {
            cycleNodeIds = [];
            return order;
        }

        cycleNodeIds = definition.Nodes.Where(node => remaining[node.Id] > 0).Select(node => node.Id).ToList();
        return null;
    }

    /// <summary>Ids of the nodes from which <paramref name="targetId"/> can be reached (including itself).</summary>
    public static HashSet<string> NodesReaching(WorkflowDefinition definition, string targetId)
    {
        var byId = definition.Nodes.ToDictionary(node => node.Id, StringComparer.Ordinal);
        var reached = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>([targetId]);
        while (pending.Count > 0)
        {
            var id = pending.Pop();
            if (!reached.Add(id) || !byId.TryGetValue(id, out var node))
            {
                continue;
            }

            foreach (var dependency in node.Dependencies)
            {
                pending.Push(dependency);
            }
        }

        return reached;
    }
}
