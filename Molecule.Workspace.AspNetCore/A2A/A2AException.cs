using Molecule.Workspace.Tasks;

namespace Molecule.Workspace.A2A;

/// <summary>A JSON-RPC error to send back; the message says what was wrong.</summary>
internal sealed class A2AException(int code, string message) : Exception(message)
{
    public int Code { get; } = code;

    public static A2AException InvalidParams(string message) => new(A2AErrorCodes.InvalidParams, message);

    /// <summary>The protocol's answer to a task-store refusal, with the state named as <paramref name="version"/> spells it.</summary>
    public static A2AException From(TaskStoreException error, A2AVersion version)
    {
        var state = error.State is { } known ? WireNames.StateName(known, version) : "";
        return error.Kind switch
        {
            TaskErrorKind.NotFound => new(A2AErrorCodes.TaskNotFound, $"Task not found: {error.TaskId}"),
            TaskErrorKind.NotCancelable => new(A2AErrorCodes.TaskNotCancelable, $"Task {error.TaskId} is {state} and can no longer be canceled"),
            TaskErrorKind.Terminal => new(A2AErrorCodes.UnsupportedOperation, $"Task {error.TaskId} is {state}; a terminal task takes no more messages"),
            TaskErrorKind.Busy => new(A2AErrorCodes.UnsupportedOperation, $"Task {error.TaskId} is still {state}; wait for it or cancel it"),
            TaskErrorKind.NothingToSubscribe => new(A2AErrorCodes.UnsupportedOperation, $"Task {error.TaskId} is {state}; there is nothing left to subscribe to"),
            _ => new(A2AErrorCodes.ShuttingDown, "workspace shutting down"),
        };
    }
}

internal static class A2AErrorCodes
{
    public const int ParseError = -32700;
    public const int InvalidRequest = -32600;
    public const int MethodNotFound = -32601;
    public const int InvalidParams = -32602;
    public const int InternalError = -32603;
    public const int ShuttingDown = -32000;
    public const int TaskNotFound = -32001;
    public const int TaskNotCancelable = -32002;
    public const int PushNotificationNotSupported = -32003;
    public const int UnsupportedOperation = -32004;
    public const int ContentTypeNotSupported = -32005;
    public const int InvalidAgentResponse = -32006;
    public const int ExtendedCardNotConfigured = -32007;
    public const int VersionNotSupported = -32009;

    public static string Reason(int code) => code switch
    {
        ParseError => "PARSE_ERROR",
        InvalidRequest => "INVALID_REQUEST",
        MethodNotFound => "METHOD_NOT_FOUND",
        InvalidParams => "INVALID_PARAMS",
        InternalError => "INTERNAL_ERROR",
        ShuttingDown => "SHUTTING_DOWN",
        TaskNotFound => "TASK_NOT_FOUND",
        TaskNotCancelable => "TASK_NOT_CANCELABLE",
        PushNotificationNotSupported => "PUSH_NOTIFICATION_NOT_SUPPORTED",
        UnsupportedOperation => "UNSUPPORTED_OPERATION",
        ContentTypeNotSupported => "CONTENT_TYPE_NOT_SUPPORTED",
        InvalidAgentResponse => "INVALID_AGENT_RESPONSE",
        ExtendedCardNotConfigured => "EXTENDED_AGENT_CARD_NOT_CONFIGURED",
        VersionNotSupported => "VERSION_NOT_SUPPORTED",
        _ => "UNKNOWN",
    };
}
