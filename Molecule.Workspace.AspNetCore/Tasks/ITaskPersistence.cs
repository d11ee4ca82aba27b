namespace Molecule.Workspace;

/// <summary>
/// Where tasks outlive the process. The workspace keeps every task in memory and writes each state a caller can
/// observe through this interface: the task's creation, every turn's end, cancellation and eviction. Before an answer
/// leaves the workspace, the write of the state it reports has completed, so a task whose answer a caller received is
/// still there after a crash. The default keeps an append-only journal in <c>CONFIGS_DIR</c>; put tasks in your own
/// database with <see cref="MoleculeWorkspaceBuilder.UseTaskPersistence{TPersistence}"/>.
/// </summary>
public interface ITaskPersistence
{
    /// <summary>Every stored task, read once at start (tasks that were running come back failed).</summary>
    /// <param name="cancellationToken">Canceled when the start is abandoned.</param>
    IAsyncEnumerable<PersistedTask> LoadAsync(CancellationToken cancellationToken);

    /// <summary>Stores the task's current state in place of any earlier one; completes once the state would survive the process being killed.</summary>
    /// <param name="task">The task as it is now. Implementations may batch writes but must keep each task's order.</param>
    ValueTask SaveAsync(PersistedTask task);

    /// <summary>Forgets a task (its TTL passed, or the store is at capacity).</summary>
    /// <param name="taskId">The task's id.</param>
    ValueTask DeleteAsync(string taskId);

    /// <summary>Forgets several tasks at once (the store evicts in batches); by default one <see cref="DeleteAsync"/> each.</summary>
    /// <param name="taskIds">The tasks' ids.</param>
    async ValueTask DeleteManyAsync(IReadOnlyList<string> taskIds)
    {
        ArgumentNullException.ThrowIfNull(taskIds);
        for (var i = 0; i < taskIds.Count; i++)
        {
            await DeleteAsync(taskIds[i]).ConfigureAwait(false);
        }
    }
}

/// <summary>A task as it is stored.</summary>
/// <param name="Id">The task id.</param>
/// <param name="ContextId">The conversation it belongs to.</param>
/// <param name="State">Where it stands.</param>
/// <param name="StatusMessage">The agent's last status message (the answer, a question, or why it failed).</param>
/// <param name="UpdatedAt">When its state last changed.</param>
/// <param name="Artifacts">What the agent produced.</param>
/// <param name="History">Its messages, oldest first.</param>
public sealed record PersistedTask(
    string Id,
    string ContextId,
    TaskState State,
    AgentMessage? StatusMessage,
    DateTimeOffset UpdatedAt,
    IReadOnlyList<PersistedArtifact> Artifacts,
    IReadOnlyList<AgentMessage> History);

/// <summary>An artifact of a stored task.</summary>
/// <param name="Id">The artifact id.</param>
/// <param name="Name">Its name.</param>
/// <param name="Parts">Its content.</param>
public sealed record PersistedArtifact(string Id, string? Name, IReadOnlyList<Part> Parts);
