using System.ComponentModel.DataAnnotations;

namespace Molecule.Workspace.Agent.Tasks;

public sealed class TaskStoreOptions
{
    public const string SectionName = "Agent:Tasks";

    /// <summary>Most tasks kept; terminal ones are evicted oldest first beyond it.</summary>
    [Range(1, 1_000_000)] public int Capacity { get; set; } = 10_000;

    /// <summary>Terminal tasks are dropped this long after their last change.</summary>
    [TimeSpanRange("00:00:01", "30.00:00:00")] public TimeSpan TerminalTtl { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Messages kept per task (oldest dropped first).</summary>
    [Range(1, 10_000)] public int HistoryCap { get; set; } = 100;

    /// <summary>Events kept per task for <c>Last-Event-ID</c> replay.</summary>
    [Range(16, 100_000)] public int EventLogCap { get; set; } = 1_000;

    /// <summary>How long a blocking send waits before answering with the still-running task.</summary>
    [TimeSpanRange("00:00:01", "01:00:00")] public TimeSpan BlockingTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long cancel waits for the agent to stop before writing CANCELED itself.</summary>
    [TimeSpanRange("00:00:00", "00:01:00")] public TimeSpan CancelWait { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>Longest an agent turn may run; past it the task fails with a timeout (counted as an error).</summary>
    [TimeSpanRange("00:00:01", "1.00:00:00")] public TimeSpan ExecutionTimeout { get; set; } = TimeSpan.FromMinutes(30);
}

/// <summary>What the control plane wants to know of the A2A work (heartbeat values).</summary>
public interface IAgentActivitySink
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
