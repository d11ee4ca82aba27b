using System.Threading.Channels;

namespace Molecule.Workspace.Tasks;

/// <summary>
/// One task's mutable state, guarded by <see cref="Gate"/>: status, history, artifacts, the ordered event log used for
/// replay, and the live subscribers. Every change goes through <see cref="TaskManager"/>.
/// </summary>
internal sealed class TaskEntry : StoredTask
{
    internal TaskEntry(string id, string contextId, DateTimeOffset now)
        : base(id, contextId)
    {
        Status = new AgentTaskStatus(TaskState.Submitted, null, now);
        LastUpdated = now;
    }

    internal Lock Gate { get; } = new();

    internal AgentTaskStatus Status { get; set; }

    internal List<AgentMessage> History { get; } = [];

    internal List<Artifact> Artifacts { get; } = [];

    internal LinkedList<TaskEvent> Log { get; } = new();

    internal long LastSequence { get; set; }

    /// <summary>Someone streamed or subscribed to this task: its log is kept after the end for Last-Event-ID replay.</summary>
    internal bool Streamed { get; set; }

    internal List<Channel<TaskEvent>> Subscribers { get; } = [];

    internal CancellationTokenSource? RunCancellation { get; set; }

    internal Task? RunTask { get; set; }

    internal string? CancelReason { get; set; }

    internal TaskCompletionSource TurnEnded { get; set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The request that started the current turn has returned: the task's end counts as its own unit.</summary>
    internal bool Detached { get; set; }

    internal DateTimeOffset LastUpdated { get; set; }

    /// <summary>The write of the last state callers may be told of (creation, a turn's end).</summary>
    internal Task Stored { get; set; } = Task.CompletedTask;

    /// <summary>The event log position whose state <see cref="Stored"/> wrote (-1: nothing yet).</summary>
    internal long StoredSequence { get; set; } = -1;

    internal string Label { get; set; } = "";

    /// <summary>The turn failed for a reason that counts toward error_rate.</summary>
    internal bool FailureCounted { get; set; }

    public TaskState State
    {
        get
        {
            lock (Gate)
            {
                return Status.State;
            }
        }
    }

    internal override (TaskState State, DateTimeOffset Timestamp) Summary()
    {
        lock (Gate)
        {
            return (Status.State, Status.Timestamp);
        }
    }

    internal override TaskEntry Open() => this;

    public override TaskSnapshot Snapshot(int? historyLength = null)
    {
        lock (Gate)
        {
            return SnapshotLocked(historyLength);
        }
    }

    internal TaskSnapshot SnapshotLocked(int? historyLength = null)
    {
        IReadOnlyList<AgentMessage> history = historyLength is { } n
            ? History.Skip(Math.Max(0, History.Count - n)).ToArray()
            : History.ToArray();
        return new TaskSnapshot(Id, ContextId, Status, Artifacts.ToArray(), history);
    }
}
