using Molecule.Workspace.Agent.Tasks;

namespace Molecule.Workspace.Agent;

/// <summary>
/// The one seam between the A2A layer and an agent's brain. The A2A layer calls <see cref="RunAsync"/> once per turn of a
/// task and turns what it yields into task events: <see cref="AgentText"/> chunks become artifact updates,
/// <see cref="AgentProgress"/> becomes a working status message, <see cref="AgentNeedsInput"/> parks the task in
/// input-required. Returning normally completes the task; throwing fails it; the token is cancelled when the task is
/// cancelled or the workspace shuts down, and agents must observe it.
/// </summary>
public interface IAgent
{
    IAsyncEnumerable<AgentUpdate> RunAsync(AgentRequest request, CancellationToken cancellationToken);
}

/// <summary>One turn: the new message and the task's history before it.</summary>
public sealed record AgentRequest(string TaskId, string ContextId, AgentMessage Message, IReadOnlyList<AgentMessage> History);

public abstract record AgentUpdate;

/// <summary>A chunk of the answer.</summary>
public sealed record AgentText(string Text) : AgentUpdate;

/// <summary>A progress note: the task stays working.</summary>
public sealed record AgentProgress(string Text) : AgentUpdate;

/// <summary>The agent needs more input: the turn ends with the task input-required.</summary>
public sealed record AgentNeedsInput(string Prompt) : AgentUpdate;

/// <summary>Thrown by agents for a failure caused by a dependency (timeout, connection): counts toward error_rate.</summary>
public sealed class AgentDependencyException(string message, Exception? inner = null) : Exception(message, inner);
