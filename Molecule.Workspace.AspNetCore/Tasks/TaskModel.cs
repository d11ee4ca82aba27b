namespace Molecule.Workspace.Tasks;

internal static class TaskStates
{
    public static bool IsTerminal(this TaskState state) =>
        state is TaskState.Completed or TaskState.Failed or TaskState.Canceled or TaskState.Rejected;

    public static bool IsInterrupted(this TaskState state) => state is TaskState.InputRequired or TaskState.AuthRequired;

    public static bool IsActive(this TaskState state) => state is TaskState.Submitted or TaskState.Working;
}

internal sealed record Artifact(string ArtifactId, string? Name, IReadOnlyList<Part> Parts);

internal sealed record AgentTaskStatus(TaskState State, AgentMessage? Message, DateTimeOffset Timestamp);

/// <summary>An immutable view of a task.</summary>
internal sealed record TaskSnapshot(
    string Id,
    string ContextId,
    AgentTaskStatus Status,
    IReadOnlyList<Artifact> Artifacts,
    IReadOnlyList<AgentMessage> History);

/// <summary>An entry of a task's ordered event log; <see cref="Sequence"/> is the SSE <c>id:</c>.</summary>
internal abstract record TaskEvent
{
    public long Sequence { get; init; }
}

internal sealed record TaskSnapshotEvent(TaskSnapshot Task) : TaskEvent;

internal sealed record StatusUpdateEvent(string TaskId, string ContextId, AgentTaskStatus Status) : TaskEvent
{
    public bool Final => Status.State.IsTerminal();
}

internal sealed record ArtifactUpdateEvent(string TaskId, string ContextId, Artifact Artifact, bool Append, bool LastChunk) : TaskEvent;
