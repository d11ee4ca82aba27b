namespace Molecule.Workspace.Tasks;

/// <summary>
/// The tasks that are not yet terminal or interrupted, in start order, for the heartbeat's <c>active_tasks</c> and
/// <c>current_task</c> (the most recently started one). O(1) per change under one small lock; changes are reported
/// to the sink in the order they happened.
/// </summary>
internal sealed class ActiveTasks(IAgentActivitySink sink)
{
    private readonly Lock _gate = new();
    private readonly LinkedList<(string Id, string Label)> _byStart = new();
    private readonly Dictionary<string, LinkedListNode<(string Id, string Label)>> _nodes = new(StringComparer.Ordinal);

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _nodes.Count;
            }
        }
    }

    public void Started(string id, string label)
    {
        lock (_gate)
        {
            if (_nodes.Remove(id, out var previous))
            {
                _byStart.Remove(previous);
            }

            _nodes[id] = _byStart.AddLast((id, label));
            Report();
        }
    }

    public void Ended(string id)
    {
        lock (_gate)
        {
            if (!_nodes.Remove(id, out var node))
            {
                return;
            }

            _byStart.Remove(node);
            Report();
        }
    }

    private void Report() => sink.ActiveTasksChanged(_nodes.Count, _byStart.Last?.Value.Label ?? "");
}
