namespace Molecule.Workspace;

/// <summary>Where a task stands, independent of either A2A version's spelling.</summary>
public enum TaskState
{
    /// <summary>Accepted; the agent has not started.</summary>
    Submitted,

    /// <summary>The agent is working on it.</summary>
    Working,

    /// <summary>The agent asked the caller for more input.</summary>
    InputRequired,

    /// <summary>The agent needs the caller to authenticate.</summary>
    AuthRequired,

    /// <summary>Done: the answer is in the artifacts and the status message.</summary>
    Completed,

    /// <summary>The agent failed; the status message says why.</summary>
    Failed,

    /// <summary>Canceled by a caller or by the workspace stopping.</summary>
    Canceled,

    /// <summary>The agent refused it.</summary>
    Rejected,
}
