using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Molecule.PlatformEmulator.Infrastructure;

namespace Molecule.PlatformEmulator.Delegations;

/// <summary><c>POST /workspaces/{id}/delegate</c> (supplement §4.1).</summary>
public sealed record DelegateRequest : IRequestBody<DelegateRequest>
{
    public string? TargetId { get; init; }

    public string? Task { get; init; }

    public string? IdempotencyKey { get; init; }

    public static JsonTypeInfo<DelegateRequest> JsonType => EmulatorJson.Default.DelegateRequest;

    public static string InvalidBody => "invalid delegation request";

    public ContractError? Validate(EmulatorOptions options) =>
        string.IsNullOrEmpty(TargetId) || string.IsNullOrEmpty(Task) ? ContractError.BadRequest(InvalidBody)
        : Contract.ParseWorkspaceId(TargetId) is null ? ContractError.BadRequest("target_id must be a valid UUID")
        : null;
}

/// <summary><c>POST /workspaces/{id}/delegations/record</c> (supplement §4.3): the agent made the call itself.</summary>
public sealed record RecordDelegationRequest : IRequestBody<RecordDelegationRequest>
{
    public string? TargetId { get; init; }

    public string? Task { get; init; }

    public string? DelegationId { get; init; }

    public static JsonTypeInfo<RecordDelegationRequest> JsonType => EmulatorJson.Default.RecordDelegationRequest;

    public static string InvalidBody => "invalid request body";

    public ContractError? Validate(EmulatorOptions options) =>
        string.IsNullOrEmpty(TargetId) || string.IsNullOrEmpty(Task) || string.IsNullOrEmpty(DelegationId) ? ContractError.BadRequest(InvalidBody)
        : Contract.ParseWorkspaceId(TargetId) is null ? ContractError.BadRequest("target_id must be a valid UUID")
        : null;
}

/// <summary><c>POST /workspaces/{id}/delegations/{delegation_id}/update</c> (supplement §4.4).</summary>
public sealed record UpdateDelegationRequest : IRequestBody<UpdateDelegationRequest>
{
    public string? Status { get; init; }

    public string? Error { get; init; }

    public string? ResponsePreview { get; init; }

    public static JsonTypeInfo<UpdateDelegationRequest> JsonType => EmulatorJson.Default.UpdateDelegationRequest;

    public static string InvalidBody => "invalid request body";

    public ContractError? Validate(EmulatorOptions options) =>
        string.IsNullOrEmpty(Status) ? ContractError.BadRequest(InvalidBody)
        : Status is not ("completed" or "failed") ? ContractError.BadRequest("status must be 'completed' or 'failed'")
        : null;
}

public sealed record DelegatedAnswer(string DelegationId, string Status, string TargetId,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Warning = null);

public sealed record IdempotentDelegation(string DelegationId, bool IdempotentHit, string Status, string TargetId);

public sealed record DelegationStatusAnswer(string DelegationId, string Status);

/// <summary>One element of <c>GET /workspaces/{id}/delegations</c>: the request row or one of its outcome rows.</summary>
public sealed record DelegationEntry(string Id, string Type, string SourceId, string TargetId, string? Summary, string Status, string CreatedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? DelegationId,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Error,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ResponsePreview);
