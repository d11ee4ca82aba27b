using Molecule.Workspace.Tasks.Journal;

namespace Molecule.Workspace.Tasks;

/// <summary>What the store holds for one task: a live <see cref="TaskEntry"/>, or a finished task kept as a <see cref="FrozenTask"/>.</summary>
internal abstract class StoredTask(string id, string contextId)
{
    public string Id { get; } = id;

    public string ContextId { get; } = contextId;

    /// <summary>The state and its time, without building a snapshot (listing filters and orders on these).</summary>
    internal abstract (TaskState State, DateTimeOffset Timestamp) Summary();

    /// <summary>An immutable view of the task, with at most <paramref name="historyLength"/> of its latest messages.</summary>
    public abstract TaskSnapshot Snapshot(int? historyLength = null);

    /// <summary>The entry every call on the task goes through (a frozen task's is decoded anew, terminal and read-only).</summary>
    internal abstract TaskEntry Open();
}

/// <summary>
/// A finished task that nobody streams, kept as one encoded array (the journal's record, unscrubbed) instead of its
/// message graph. The store keeps thousands of finished tasks that all outlive the collector's young generations; as
/// a handful of objects each instead of some thirty, they cost the collections that promote them, and the background
/// ones that mark them, a fraction of the time (the p99 of a busy workspace was those pauses). Reading one back
/// decodes it into a terminal <see cref="TaskEntry"/> that answers every call a finished task can take.
/// </summary>
internal sealed class FrozenTask : StoredTask
{
    private readonly byte[] _encoded;
    private readonly TaskState _state;
    private readonly DateTimeOffset _timestamp;
    private readonly long _lastSequence;

    private FrozenTask(PersistedTask task, long lastSequence)
        : base(task.Id, task.ContextId)
    {
        _encoded = JournalCodec.EncodeInMemory(task);
        _state = task.State;
        _timestamp = task.UpdatedAt;
        _lastSequence = lastSequence;
    }

    /// <summary>The task as <paramref name="task"/> has it; <paramref name="lastSequence"/> is its event log position.</summary>
    public static FrozenTask From(PersistedTask task, long lastSequence) =>
        task.State.IsTerminal() ? new FrozenTask(task, lastSequence) : throw new ArgumentException("Only a finished task is kept frozen.", nameof(task));

    internal override (TaskState State, DateTimeOffset Timestamp) Summary() => (_state, _timestamp);

    public override TaskSnapshot Snapshot(int? historyLength = null) => Open().Snapshot(historyLength);

    /// <summary>A terminal entry with the task's state, stored already (it is not written again).</summary>
    internal override TaskEntry Open()
    {
        var task = JournalCodec.Decode(_encoded.AsMemory()).Task!;
        var entry = new TaskEntry(Id, ContextId, _timestamp)
        {
            Status = new AgentTaskStatus(task.State, task.StatusMessage, task.UpdatedAt),
            LastUpdated = _timestamp,
            LastSequence = _lastSequence,
            StoredSequence = _lastSequence,
        };
        entry.History.AddRange(task.History);
        entry.Artifacts.AddRange(task.Artifacts.Select(a => new Artifact(a.Id, a.Name, a.Parts)));
        return entry;
    }
}
