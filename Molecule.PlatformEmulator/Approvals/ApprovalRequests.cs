using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Molecule.PlatformEmulator.Infrastructure;

namespace Molecule.PlatformEmulator.Approvals;

/// <summary><c>POST /workspaces/{id}/approvals</c>: an action needing a person's yes or no.</summary>
public sealed record RequestApprovalRequest : IRequestBody<RequestApprovalRequest>
{
    public string? Action { get; init; }

    public string? Reason { get; init; }

    public string? TaskId { get; init; }

    /// <summary>An object or null.</summary>
    public JsonElement Context { get; init; }

    public static JsonTypeInfo<RequestApprovalRequest> JsonType => EmulatorJson.Default.RequestApprovalRequest;

    public static string InvalidBody => "invalid request body";

    public ContractError? Validate(EmulatorOptions options) =>
        string.IsNullOrEmpty(Action) || Context.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.Null or JsonValueKind.Object)
            ? ContractError.BadRequest(InvalidBody)
            : null;
}

/// <summary><c>POST /workspaces/{id}/approvals/{approvalId}/decide</c>.</summary>
public sealed record DecideApprovalRequest : IRequestBody<DecideApprovalRequest>
{
    public string? Decision { get; init; }

    public string? DecidedBy { get; init; }

    public static JsonTypeInfo<DecideApprovalRequest> JsonType => EmulatorJson.Default.DecideApprovalRequest;

    public static string InvalidBody => "invalid request body";

    public ContractError? Validate(EmulatorOptions options) =>
        string.IsNullOrEmpty(Decision) ? ContractError.BadRequest(InvalidBody)
        : Decision is not ("approved" or "denied") ? ContractError.BadRequest("decision must be 'approved' or 'denied'")
        : null;
}

public sealed record ApprovalCreated(string ApprovalId, string Status);

public sealed record ApprovalDecided(string ApprovalId, string Status);

public sealed record ApprovalEntry(string Id, string TaskId, string Action, string Reason, string Status, string? DecidedBy, string? DecidedAt, string CreatedAt);

public sealed record PendingApproval(string Id, string WorkspaceId, string WorkspaceName, string Action, string Reason, string Status, string CreatedAt);
