using System.Text.Json.Nodes;
using Molecule.PlatformEmulator.Approvals;
using Molecule.PlatformEmulator.Canvas;
using Molecule.PlatformEmulator.Events;
using Molecule.PlatformEmulator.Instructions;
using Molecule.PlatformEmulator.Memories;
using Molecule.PlatformEmulator.Secrets;
using Molecule.PlatformEmulator.State;
using Molecule.PlatformEmulator.Workspaces;

namespace Molecule.PlatformEmulator.Persistence;

/// <summary>
/// Everything the data folder keeps, in one document: workspaces, tokens (hashes only), memories, the key-value
/// memory, secrets, approvals, instructions, activity (delegations included), recent events, config blobs and the
/// viewport. Chat uploads are not kept.
/// </summary>
internal sealed record StateSnapshot
{
    public const int CurrentVersion = 1;

    public int Version { get; init; } = CurrentVersion;

    public DateTimeOffset SavedAt { get; init; }

    public List<WorkspaceRow> Workspaces { get; init; } = [];

    public List<TokenRecord> Tokens { get; init; } = [];

    public List<AgentMemory> Memories { get; init; } = [];

    public List<OwnedKeyValue> KeyValues { get; init; } = [];

    public List<OwnedSecret> Secrets { get; init; } = [];

    public List<Approval> Approvals { get; init; } = [];

    public List<Instruction> Instructions { get; init; } = [];

    public List<ActivityRow> Activity { get; init; } = [];

    public List<PlatformEvent> Events { get; init; } = [];

    public Dictionary<Guid, JsonObject> Configs { get; init; } = [];

    public Viewport? Viewport { get; init; }
}

internal sealed record OwnedKeyValue(Guid WorkspaceId, KeyValueEntry Entry);

internal sealed record OwnedSecret(Guid? WorkspaceId, SecretEntry Entry);
