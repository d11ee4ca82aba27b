namespace Molecule.Workspace;

/// <summary>
/// The brain of a Molecule workspace: the one seam between the A2A server and your code. The workspace calls
/// <see cref="RunAsync"/> once per turn of a task and turns what it yields into task events:
/// <see cref="AgentText"/> chunks stream into the answer, <see cref="AgentArtifact"/> adds files or data,
/// <see cref="AgentProgress"/> is a working status note, <see cref="AgentNeedsInput"/> parks the task in input-required.
/// Returning normally completes the task; throwing fails it (the message is shown to the caller, secrets scrubbed).
/// </summary>
/// <remarks>
/// Agents are resolved from dependency injection once (a singleton) and called concurrently for different tasks.
/// The token is canceled when the task is canceled, when the workspace shuts down, or when the turn exceeds
/// <see cref="TaskStoreOptions.ExecutionTimeout"/>; observe it.
/// </remarks>
public interface IAgent
{
    /// <summary>Runs one turn of a task.</summary>
    /// <param name="request">The new message, the task's history before it, and the task and context ids.</param>
    /// <param name="cancellationToken">Canceled when the task is canceled or the workspace stops.</param>
    /// <returns>The turn's updates, in order.</returns>
    IAsyncEnumerable<AgentUpdate> RunAsync(AgentRequest request, CancellationToken cancellationToken);
}

/// <summary>One turn of a task: the new message and the task's history before it.</summary>
/// <param name="TaskId">The A2A task id (stable across the turns of one task).</param>
/// <param name="ContextId">The A2A context id: tasks of one conversation share it.</param>
/// <param name="Message">The message that starts this turn.</param>
/// <param name="History">The task's earlier messages, oldest first (the caller's and the agent's).</param>
public sealed record AgentRequest(string TaskId, string ContextId, AgentMessage Message, IReadOnlyList<AgentMessage> History);

/// <summary>Thrown by agents for a failure caused by a dependency (a model endpoint timing out, a peer unreachable): the task fails with this message and the failure counts toward the workspace's error rate.</summary>
public sealed class AgentDependencyException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What failed, shown to the caller (secrets are scrubbed).</param>
    /// <param name="innerException">The dependency's own error, logged but not shown.</param>
    public AgentDependencyException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
