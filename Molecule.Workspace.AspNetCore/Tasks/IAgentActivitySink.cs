namespace Molecule.Workspace.Tasks;

/// <summary>What the control plane wants to know of the A2A work (heartbeat values).</summary>
internal interface IAgentActivitySink
{
    void ActiveTasksChanged(int activeTasks, string currentTask);

    /// <summary>A unit of work ended (a request to <c>POST /</c>, or a task that outlived its request).</summary>
    void UnitCompleted(string? error);
}

internal sealed class NullActivitySink : IAgentActivitySink
{
    public void ActiveTasksChanged(int activeTasks, string currentTask)
    {
    }

    public void UnitCompleted(string? error)
    {
    }
}
