using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Molecule.PlatformEmulator.Infrastructure;

namespace Molecule.PlatformEmulator.Registry;

/// <summary><c>POST /registry/register</c>: the key is <c>id</c>, not <c>workspace_id</c>; all three keys are required.</summary>
public sealed record RegisterRequest : IRequestBody<RegisterRequest>
{
    public string? Id { get; init; }

    public string? Url { get; init; }

    /// <summary>Any JSON value but null.</summary>
    public JsonElement AgentCard { get; init; }

    public static JsonTypeInfo<RegisterRequest> JsonType => EmulatorJson.Default.RegisterRequest;

    public static string InvalidBody => "invalid request body";

    [JsonIgnore]
    public Guid WorkspaceId => Contract.ParseWorkspaceId(Id) ?? Guid.Empty;

    public ContractError? Validate(EmulatorOptions options)
    {
        if (Id is null || Url is null || AgentCard.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
        {
            return ContractError.BadRequest(InvalidBody);
        }

        // §3 row 12: the real platform's datastore rejects a non-UUID id and the error leaks as a 500.
        return Contract.ParseWorkspaceId(Id) is null
            ? options.Quirks.DatastoreError("registration failed", ContractError.BadRequest(InvalidBody))
            : null;
    }
}

/// <summary><c>POST /registry/heartbeat</c>: only <c>workspace_id</c> is required; absent fields are zero.</summary>
public sealed record HeartbeatRequest : IRequestBody<HeartbeatRequest>
{
    public string? WorkspaceId { get; init; }

    public double? ErrorRate { get; init; }

    public string? SampleError { get; init; }

    public long? ActiveTasks { get; init; }

    public long? UptimeSeconds { get; init; }

    public string? CurrentTask { get; init; }

    public long? MonthlySpend { get; init; }

    public string? RuntimeState { get; init; }

    /// <summary>An object or null.</summary>
    public JsonElement RuntimeMetadata { get; init; }

    public static JsonTypeInfo<HeartbeatRequest> JsonType => EmulatorJson.Default.HeartbeatRequest;

    public static string InvalidBody => "invalid request body";

    [JsonIgnore]
    public Guid Subject => Contract.ParseWorkspaceId(WorkspaceId) ?? Guid.Empty;

    public ContractError? Validate(EmulatorOptions options)
    {
        if (WorkspaceId is null || RuntimeMetadata.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.Null or JsonValueKind.Object) ||
            ActiveTasks is < 0 or > int.MaxValue || ErrorRate is { } rate && !double.IsFinite(rate))
        {
            return ContractError.BadRequest(InvalidBody);
        }

        return Contract.ParseWorkspaceId(WorkspaceId) is null
            ? options.Quirks.DatastoreError("failed to update", ContractError.BadRequest(InvalidBody))
            : null;
    }
}

/// <summary><c>POST /registry/update-card</c>: both keys required.</summary>
public sealed record UpdateCardRequest : IRequestBody<UpdateCardRequest>
{
    public string? WorkspaceId { get; init; }

    public JsonElement AgentCard { get; init; }

    public static JsonTypeInfo<UpdateCardRequest> JsonType => EmulatorJson.Default.UpdateCardRequest;

    public static string InvalidBody => "invalid request body";

    [JsonIgnore]
    public Guid Subject => Contract.ParseWorkspaceId(WorkspaceId) ?? Guid.Empty;

    public ContractError? Validate(EmulatorOptions options)
    {
        if (WorkspaceId is null || AgentCard.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
        {
            return ContractError.BadRequest(InvalidBody);
        }

        return Contract.ParseWorkspaceId(WorkspaceId) is null
            ? options.Quirks.DatastoreError("failed to update card", ContractError.BadRequest(InvalidBody))
            : null;
    }
}

/// <summary><c>POST /registry/check-access</c>.</summary>
public sealed record CheckAccessRequest : IRequestBody<CheckAccessRequest>
{
    public string? CallerId { get; init; }

    public string? TargetId { get; init; }

    public static JsonTypeInfo<CheckAccessRequest> JsonType => EmulatorJson.Default.CheckAccessRequest;

    public static string InvalidBody => "invalid request body";

    public ContractError? Validate(EmulatorOptions options) => CallerId is null || TargetId is null ? ContractError.BadRequest(InvalidBody) : null;
}

public sealed record RegisteredAnswer(string Status, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? AuthToken);

public sealed record DiscoverAnswer(string Id, string Url, string Name);

/// <summary>503 when the target has no URL to give: <c>{"error","status"}</c>.</summary>
public sealed record UnavailableAnswer(string Error, string Status);

public sealed record AccessAnswer(bool Allowed);

/// <summary>A register URL the policy refuses: the contract's generic 400 text, with a <c>detail</c> unless turned off.</summary>
public sealed record RefusedUrlAnswer(string Error, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Detail);
