using System.Threading.Channels;

namespace Molecule.Workspace.Tasks;

/// <summary>A live view of one task's events: the initial batch (snapshot or replay), then the reader.</summary>
internal sealed class TaskSubscription(TaskEntry task, IReadOnlyList<TaskEvent> initial, ChannelReader<TaskEvent> reader, Action unsubscribe) : IDisposable
{
    public TaskEntry Task { get; } = task;

    public IReadOnlyList<TaskEvent> Initial { get; } = initial;

    public ChannelReader<TaskEvent> Reader { get; } = reader;

    public void Dispose() => unsubscribe();
}
