namespace Molecule.Workspace.Tasks;

/// <summary>Why the task store refused a request. The protocol layer maps each to its JSON-RPC code and wording.</summary>
internal enum TaskErrorKind
{
    /// <summary>No such task (or not in the given context).</summary>
    NotFound,

    /// <summary>The task is terminal and cannot be canceled.</summary>
    NotCancelable,

    /// <summary>The task is terminal and takes no more messages.</summary>
    Terminal,

    /// <summary>The task is still running; a new message must wait or cancel it.</summary>
    Busy,

    /// <summary>The task is terminal; there is nothing left to subscribe to.</summary>
    NothingToSubscribe,

    /// <summary>The workspace is shutting down and takes no new work.</summary>
    ShuttingDown,
}

/// <summary>A refusal by the task store, carrying the task and its state, never a protocol code or state name.</summary>
internal sealed class TaskStoreException(TaskErrorKind kind, string taskId, TaskState? state = null)
    : Exception($"{kind}: task {taskId}")
{
    public TaskErrorKind Kind { get; } = kind;

    public string TaskId { get; } = taskId;

    public TaskState? State { get; } = state;
}
