namespace Molecule.Workspace.Tasks;

/// <summary>Between the live task model and what <see cref="ITaskPersistence"/> stores.</summary>
internal static class TaskPersistenceMapping
{
    public static PersistedTask ToPersisted(TaskSnapshot task) => new(
        task.Id,
        task.ContextId,
        task.Status.State,
        task.Status.Message,
        task.Status.Timestamp,
        [.. task.Artifacts.Select(a => new PersistedArtifact(a.ArtifactId, a.Name, a.Parts))],
        task.History);

    public static TaskSnapshot ToSnapshot(PersistedTask task) => new(
        task.Id,
        task.ContextId,
        new AgentTaskStatus(task.State, task.StatusMessage, task.UpdatedAt),
        [.. task.Artifacts.Select(a => new Artifact(a.Id, a.Name, a.Parts))],
        task.History);
}

/// <summary>Tasks in memory only (<c>Agent:Tasks:Durable=false</c>).</summary>
internal sealed class NullTaskPersistence : ITaskPersistence
{
    public static readonly NullTaskPersistence Instance = new();

    public async IAsyncEnumerable<PersistedTask> LoadAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Task.CompletedTask.ConfigureAwait(false);
        yield break;
    }

    public ValueTask SaveAsync(PersistedTask task) => ValueTask.CompletedTask;

    public ValueTask DeleteAsync(string taskId) => ValueTask.CompletedTask;
}
