using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Molecule.PlatformEmulator.Auth;
using Molecule.PlatformEmulator.Emulator;
using Molecule.PlatformEmulator.Instructions;
using Molecule.PlatformEmulator.Memories;
using Molecule.PlatformEmulator.Proxy;
using Molecule.PlatformEmulator.Registry;
using Molecule.PlatformEmulator.Secrets;
using Molecule.PlatformEmulator.Workspaces;

namespace Molecule.PlatformEmulator.Infrastructure;

/// <summary>
/// Every request and response record of the emulator, snake_case as the platform writes them, nulls written (Go's
/// encoder does) unless a record says otherwise. Registered for the typed results in <c>AddPlatformEmulator</c>.
/// </summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(JsonObject))]
[JsonSerializable(typeof(JsonArray))]
[JsonSerializable(typeof(JsonElement))]
[JsonSerializable(typeof(StatusAnswer))]
[JsonSerializable(typeof(RateLimitedAnswer))]
// Workspaces
[JsonSerializable(typeof(CreateWorkspaceRequest))]
[JsonSerializable(typeof(PatchWorkspaceRequest))]
[JsonSerializable(typeof(ActivityRequest))]
[JsonSerializable(typeof(CreatedWorkspace))]
[JsonSerializable(typeof(ExternalWorkspace))]
[JsonSerializable(typeof(PatchAnswer))]
[JsonSerializable(typeof(DeleteAnswer))]
[JsonSerializable(typeof(DeleteConfirmation))]
[JsonSerializable(typeof(AgentState))]
[JsonSerializable(typeof(RemovedState))]
// Tokens
[JsonSerializable(typeof(TokenList))]
[JsonSerializable(typeof(MintedToken))]
[JsonSerializable(typeof(TestToken))]
// Registry
[JsonSerializable(typeof(RegisterRequest))]
[JsonSerializable(typeof(HeartbeatRequest))]
[JsonSerializable(typeof(UpdateCardRequest))]
[JsonSerializable(typeof(CheckAccessRequest))]
[JsonSerializable(typeof(RegisteredAnswer))]
[JsonSerializable(typeof(DiscoverAnswer))]
[JsonSerializable(typeof(UnavailableAnswer))]
[JsonSerializable(typeof(AccessAnswer))]
[JsonSerializable(typeof(RefusedUrlAnswer))]
// Proxy
[JsonSerializable(typeof(BusyAnswer))]
[JsonSerializable(typeof(QueuedAnswer))]
[JsonSerializable(typeof(WakingAnswer))]
// Emulator hooks
[JsonSerializable(typeof(SetStatusRequest))]
[JsonSerializable(typeof(AddFaultRequest))]
[JsonSerializable(typeof(ClearedAnswer))]
// Memories
[JsonSerializable(typeof(CommitMemoryRequest))]
[JsonSerializable(typeof(SetKeyValueRequest))]
[JsonSerializable(typeof(ImportedMemory[]))]
[JsonSerializable(typeof(CommittedMemory))]
[JsonSerializable(typeof(MemoryRow[]))]
[JsonSerializable(typeof(ExportedMemory[]))]
[JsonSerializable(typeof(ImportAnswer))]
[JsonSerializable(typeof(KeyValueAnswer))]
[JsonSerializable(typeof(KeyValueAnswer[]))]
[JsonSerializable(typeof(KeyValueSaved))]
[JsonSerializable(typeof(VersionMismatch))]
// Secrets
[JsonSerializable(typeof(SetSecretRequest))]
[JsonSerializable(typeof(SetModelRequest))]
[JsonSerializable(typeof(SecretInfo[]))]
[JsonSerializable(typeof(SecretSaved))]
[JsonSerializable(typeof(GlobalSecretSaved))]
[JsonSerializable(typeof(ModelAnswer))]
[JsonSerializable(typeof(ModelSaved))]
[JsonSerializable(typeof(IReadOnlyDictionary<string, string>))]
// Instructions
[JsonSerializable(typeof(CreateInstructionRequest))]
[JsonSerializable(typeof(UpdateInstructionRequest))]
[JsonSerializable(typeof(InstructionAnswer[]))]
[JsonSerializable(typeof(CreatedId))]
[JsonSerializable(typeof(ResolvedInstructions))]
[JsonSerializable(typeof(SharedContextFile[]))]
// Chat
[JsonSerializable(typeof(Chat.NotifyRequest))]
[JsonSerializable(typeof(Chat.Attachment))]
[JsonSerializable(typeof(Chat.Attachment[]))]
[JsonSerializable(typeof(Chat.UploadAnswer))]
// Delegations
[JsonSerializable(typeof(Delegations.DelegateRequest))]
[JsonSerializable(typeof(Delegations.RecordDelegationRequest))]
[JsonSerializable(typeof(Delegations.UpdateDelegationRequest))]
[JsonSerializable(typeof(Delegations.DelegatedAnswer))]
[JsonSerializable(typeof(Delegations.IdempotentDelegation))]
[JsonSerializable(typeof(Delegations.DelegationStatusAnswer))]
[JsonSerializable(typeof(IReadOnlyList<Delegations.DelegationEntry>))]
[JsonSerializable(typeof(ErrorText))]
[JsonSerializable(typeof(string))]
// Approvals
[JsonSerializable(typeof(Approvals.RequestApprovalRequest))]
[JsonSerializable(typeof(Approvals.DecideApprovalRequest))]
[JsonSerializable(typeof(Approvals.ApprovalCreated))]
[JsonSerializable(typeof(Approvals.ApprovalDecided))]
[JsonSerializable(typeof(Approvals.ApprovalEntry[]))]
[JsonSerializable(typeof(Approvals.PendingApproval[]))]
[JsonSerializable(typeof(Mcp.McpRateLimited))]
// Lifecycle
[JsonSerializable(typeof(Lifecycle.RestartAnswer))]
[JsonSerializable(typeof(Lifecycle.PauseAnswer))]
[JsonSerializable(typeof(Lifecycle.ResumeAnswer))]
[JsonSerializable(typeof(Lifecycle.BusyWorkspace))]
[JsonSerializable(typeof(Lifecycle.ConfigAnswer))]
[JsonSerializable(typeof(Canvas.Viewport))]
// Organisation
[JsonSerializable(typeof(Organisation.WorkspaceTemplate[]))]
[JsonSerializable(typeof(Organisation.OrgTemplate[]))]
[JsonSerializable(typeof(Organisation.Bundle))]
[JsonSerializable(typeof(Organisation.ImportedWorkspace))]
internal sealed partial class EmulatorJson : JsonSerializerContext;

/// <summary>The many answers that are only <c>{"status":"…"}</c>.</summary>
public sealed record StatusAnswer(string Status)
{
    public static readonly StatusAnswer Ok = new("ok");
}

/// <summary>
/// <c>200 {"status":"ok"}</c> written from bytes encoded once: the heartbeat's answer, sent thousands of times a second.
/// </summary>
public sealed class StatusOkResult : IResult, IStatusCodeHttpResult
{
    public static readonly StatusOkResult Instance = new();

    private static readonly byte[] Body = """{"status":"ok"}"""u8.ToArray();

    private StatusOkResult()
    {
    }

    int? IStatusCodeHttpResult.StatusCode => StatusCodes.Status200OK;

    public Task ExecuteAsync(HttpContext httpContext)
    {
        httpContext.Response.StatusCode = StatusCodes.Status200OK;
        httpContext.Response.ContentType = "application/json; charset=utf-8";
        httpContext.Response.ContentLength = Body.Length;
        return httpContext.Response.Body.WriteAsync(Body, httpContext.RequestAborted).AsTask();
    }
}
