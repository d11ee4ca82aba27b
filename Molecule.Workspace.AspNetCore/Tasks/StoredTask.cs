using System.Buffers.Binary;
using Molecule.Workspace.Infrastructure;
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
/// A finished task that nobody streams. The store keeps it as nothing but one array (its state, time, event log
/// position and context id, then the journal's record of it, unscrubbed) on the pinned heap, in place of its message
/// graph: the store's thousands of finished tasks all outlive the collector's young generations, and each one left
/// there as a key and an array instead of some thirty objects costs the collections that promote it, and the
/// background ones that mark it, a fraction of the time (the p99 of a busy workspace was those pauses; the pinned
/// heap is only visited by full collections, so the array itself is never copied). A <see cref="FrozenTask"/> is a
/// short-lived view of that array; <see cref="Open"/> decodes it into a terminal, read-only <see cref="TaskEntry"/>.
/// </summary>
internal sealed class FrozenTask : StoredTask
{
    private const int StateAt = 0, TicksAt = 1, OffsetAt = 9, SequenceAt = 11, ContextLengthAt = 19, ContextAt = 23;

    private readonly byte[] _encoded;

    private FrozenTask(string id, byte[] encoded)
        : base(id, System.Text.Encoding.UTF8.GetString(encoded, ContextAt, ContextLength(encoded))) => _encoded = encoded;

    /// <summary>The array the store keeps for a finished <paramref name="task"/>; <paramref name="lastSequence"/> is its event log position.</summary>
    public static byte[] Encode(PersistedTask task, long lastSequence)
    {
        if (!task.State.IsTerminal())
        {
            throw new ArgumentException("Only a finished task is kept frozen.", nameof(task));
        }

        using var buffer = new PooledBufferWriter();
        var context = System.Text.Encoding.UTF8.GetByteCount(task.ContextId);
        var header = buffer.GetSpan(ContextAt + context);
        header[StateAt] = (byte)task.State;
        BinaryPrimitives.WriteInt64LittleEndian(header[TicksAt..], task.UpdatedAt.UtcTicks);
        BinaryPrimitives.WriteInt16LittleEndian(header[OffsetAt..], (short)task.UpdatedAt.TotalOffsetMinutes);
        BinaryPrimitives.WriteInt64LittleEndian(header[SequenceAt..], lastSequence);
        BinaryPrimitives.WriteInt32LittleEndian(header[ContextLengthAt..], context);
        System.Text.Encoding.UTF8.GetBytes(task.ContextId, header.Slice(ContextAt, context));
        buffer.Advance(ContextAt + context);
        JournalCodec.EncodeInMemory(task, buffer);
        var encoded = GC.AllocateUninitializedArray<byte>(buffer.WrittenCount, pinned: true);
        buffer.WrittenSpan.CopyTo(encoded);
        return encoded;
    }

    /// <summary>The store's value for a task id as a task: the live entry itself, or a view of a frozen one.</summary>
    public static StoredTask View(string id, object stored) => stored as StoredTask ?? new FrozenTask(id, (byte[])stored);

    /// <summary>The state and time of the store's value for a task, without decoding a frozen one.</summary>
    public static (TaskState State, DateTimeOffset Timestamp) Summary(object stored) =>
        stored is TaskEntry entry ? entry.Summary() : ReadSummary((byte[])stored);

    internal override (TaskState State, DateTimeOffset Timestamp) Summary() => ReadSummary(_encoded);

    public override TaskSnapshot Snapshot(int? historyLength = null) => Open().Snapshot(historyLength);

    /// <summary>A terminal entry with the task's state, stored already (it is not written again).</summary>
    internal override TaskEntry Open()
    {
        var task = JournalCodec.Decode(_encoded.AsMemory(ContextAt + ContextLength(_encoded))).Task!;
        var (_, timestamp) = ReadSummary(_encoded);
        var sequence = BinaryPrimitives.ReadInt64LittleEndian(_encoded.AsSpan(SequenceAt));
        var entry = new TaskEntry(Id, ContextId, timestamp)
        {
            Status = new AgentTaskStatus(task.State, task.StatusMessage, task.UpdatedAt),
            LastUpdated = timestamp,
            LastSequence = sequence,
            StoredSequence = sequence,
        };
        entry.History.AddRange(task.History);
        entry.Artifacts.AddRange(task.Artifacts.Select(a => new Artifact(a.Id, a.Name, a.Parts)));
        return entry;
    }

    private static (TaskState State, DateTimeOffset Timestamp) ReadSummary(byte[] encoded) => (
        (TaskState)encoded[StateAt],
        new DateTimeOffset(BinaryPrimitives.ReadInt64LittleEndian(encoded.AsSpan(TicksAt)), TimeSpan.Zero)
            .ToOffset(TimeSpan.FromMinutes(BinaryPrimitives.ReadInt16LittleEndian(encoded.AsSpan(OffsetAt)))));

    private static int ContextLength(byte[] encoded) => BinaryPrimitives.ReadInt32LittleEndian(encoded.AsSpan(ContextLengthAt));
}
