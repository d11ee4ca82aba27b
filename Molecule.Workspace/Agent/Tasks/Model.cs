using System.Text.Json;

namespace Molecule.Workspace.Agent.Tasks;

/// <summary>Task states (A2A 1.0 names; the 0.3 adapter translates them).</summary>
public enum TaskState
{
    Submitted,
    Working,
    InputRequired,
    AuthRequired,
    Completed,
    Failed,
    Canceled,
    Rejected,
}

public enum MessageRole
{
    User,
    Agent,
}

public static class TaskStates
{
    public static bool IsTerminal(this TaskState state) =>
        state is TaskState.Completed or TaskState.Failed or TaskState.Canceled or TaskState.Rejected;

    public static bool IsInterrupted(this TaskState state) => state is TaskState.InputRequired or TaskState.AuthRequired;

    public static bool IsActive(this TaskState state) => state is TaskState.Submitted or TaskState.Working;
}

/// <summary>One part of a message or artifact: text, a file (inline bytes or a link) or structured data.</summary>
public abstract record Part
{
    public JsonElement? Metadata { get; init; }
}

public sealed record TextPart(string Text) : Part;

public sealed record FilePart(string? Bytes, string? Uri, string? MediaType, string? Name) : Part;

public sealed record DataPart(JsonElement Data) : Part;

public sealed record AgentMessage(
    string MessageId,
    MessageRole Role,
    IReadOnlyList<Part> Parts,
    string? ContextId = null,
    string? TaskId = null,
    IReadOnlyList<string>? ReferenceTaskIds = null,
    JsonElement? Metadata = null)
{
    /// <summary>All text parts joined by newlines.</summary>
    public string Text => string.Join("\n", Parts.OfType<TextPart>().Select(p => p.Text));
}

public sealed record Artifact(string ArtifactId, string? Name, IReadOnlyList<Part> Parts);

public sealed record AgentTaskStatus(TaskState State, AgentMessage? Message, DateTimeOffset Timestamp);

/// <summary>An immutable view of a task, as sent on the wire.</summary>
public sealed record TaskSnapshot(
    string Id,
    string ContextId,
    AgentTaskStatus Status,
    IReadOnlyList<Artifact> Artifacts,
    IReadOnlyList<AgentMessage> History);

/// <summary>An entry of a task's ordered event log; <see cref="Sequence"/> is the SSE <c>id:</c>.</summary>
public abstract record TaskEvent
{
    public long Sequence { get; init; }
}

public sealed record TaskSnapshotEvent(TaskSnapshot Task) : TaskEvent;

public sealed record StatusUpdateEvent(string TaskId, string ContextId, AgentTaskStatus Status) : TaskEvent
{
    public bool Final => Status.State.IsTerminal();
}

public sealed record ArtifactUpdateEvent(string TaskId, string ContextId, Artifact Artifact, bool Append, bool LastChunk) : TaskEvent;

/// <summary>A stream that answers with a single Message instead of a task.</summary>
public sealed record MessageEvent(AgentMessage Message) : TaskEvent;
