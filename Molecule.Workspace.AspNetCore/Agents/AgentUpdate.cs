namespace Molecule.Workspace;

/// <summary>Something an agent reports during a turn. The cases are <see cref="AgentText"/>, <see cref="AgentArtifact"/>, <see cref="AgentProgress"/> and <see cref="AgentNeedsInput"/>.</summary>
public abstract record AgentUpdate
{
    private protected AgentUpdate()
    {
    }
}

/// <summary>A chunk of the answer. Chunks stream to the caller as they come and are joined into the task's <c>response</c> artifact.</summary>
/// <param name="Text">The chunk; empty chunks are ignored.</param>
public sealed record AgentText(string Text) : AgentUpdate;

/// <summary>A whole artifact of the answer: files, structured data or text, sent to the caller as one artifact update.</summary>
/// <param name="Parts">The artifact's content; at least one part.</param>
/// <param name="Name">A name the caller sees, e.g. <c>summary.pdf</c>.</param>
public sealed record AgentArtifact(IReadOnlyList<Part> Parts, string? Name = null) : AgentUpdate
{
    /// <summary>A file artifact with inline bytes.</summary>
    public static AgentArtifact File(string name, string mediaType, ReadOnlyMemory<byte> bytes) =>
        new([FilePart.FromBytes(bytes, mediaType, name)], name);

    /// <summary>A structured-data artifact (a tree of dictionaries, lists, strings, numbers, booleans and nulls).</summary>
    public static AgentArtifact Data(IReadOnlyDictionary<string, object?> data, string? name = null) => new([new DataPart(data)], name);
}

/// <summary>A progress note: the task stays working and the caller sees the note as its status message.</summary>
/// <param name="Text">What the agent is doing, e.g. "delegating to Summarizer…".</param>
public sealed record AgentProgress(string Text) : AgentUpdate;

/// <summary>The agent needs more input: the turn ends with the task input-required, and the caller's next message on the task starts the next turn.</summary>
/// <param name="Prompt">The question for the caller.</param>
public sealed record AgentNeedsInput(string Prompt) : AgentUpdate;
