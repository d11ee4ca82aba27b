namespace Molecule.Workspace.Agent.Tasks;

/// <summary>A JSON-RPC error to send back; the message says what was wrong.</summary>
public sealed class A2AException(int code, string message) : Exception(message)
{
    public int Code { get; } = code;

    public static A2AException InvalidParams(string message) => new(A2AErrorCodes.InvalidParams, message);

    public static A2AException TaskNotFound(string id) => new(A2AErrorCodes.TaskNotFound, $"Task not found: {id}");
}

public static class A2AErrorCodes
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
