using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Molecule.PlatformEmulator.Auth;
using Molecule.PlatformEmulator.Emulator;
using Molecule.PlatformEmulator.Proxy;
using Molecule.PlatformEmulator.Registry;
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
[JsonSerializable(typeof(NotifyRequest))]
[JsonSerializable(typeof(CreatedWorkspace))]
[JsonSerializable(typeof(ExternalWorkspace))]
[JsonSerializable(typeof(PatchAnswer))]
[JsonSerializable(typeof(DeleteAnswer))]
[JsonSerializable(typeof(DeleteConfirmation))]
[JsonSerializable(typeof(AgentState))]
[JsonSerializable(typeof(RemovedState))]
[JsonSerializable(typeof(InstructionsAnswer))]
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
internal sealed partial class EmulatorJson : JsonSerializerContext;

/// <summary>The many answers that are only <c>{"status":"…"}</c>.</summary>
public sealed record StatusAnswer(string Status)
{
    public static readonly StatusAnswer Ok = new("ok");
}
