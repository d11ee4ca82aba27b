using System.ComponentModel.DataAnnotations;
using Molecule.Workspace.Infrastructure;

namespace Molecule.Workspace;

/// <summary>Bounds of the task store (configuration section <c>Agent:Tasks</c>).</summary>
public sealed class TaskStoreOptions
{
    /// <summary>The configuration section, <c>Agent:Tasks</c>.</summary>
    public const string SectionName = "Agent:Tasks";

    /// <summary>
    /// Keep tasks in <c>CONFIGS_DIR/.tasks.journal</c> so they survive the process being killed (default true); false
    /// keeps them in memory only. Ignored when the app sets its own <see cref="ITaskPersistence"/>.
    /// </summary>
    public bool Durable { get; set; } = true;

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
