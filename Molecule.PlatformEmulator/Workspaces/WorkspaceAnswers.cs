using System.Text.Json.Serialization;

namespace Molecule.PlatformEmulator.Workspaces;

/// <summary>201 for a platform-provisioned workspace.</summary>
public sealed record CreatedWorkspace(string Id, string Status, string AwarenessNamespace, string WorkspaceAccess);

/// <summary>201 for an external workspace; <see cref="Connection"/> only when the agent has no URL yet (a token was minted).</summary>
public sealed record ExternalWorkspace(string Id, bool External, string Status,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] ConnectionBlock? Connection);

/// <summary>What an external agent needs to connect: shown once, with the only plaintext copy of its token.</summary>
public sealed record ConnectionBlock(string WorkspaceId, string PlatformUrl, string AuthToken, string RegistryEndpoint, string HeartbeatEndpoint,
    string CurlRegisterTemplate, string PythonSnippet)
{
    public static ConnectionBlock For(Guid id, string name, string platformUrl, string token) => new(
        id.ToString(), platformUrl, token, $"{platformUrl}/registry/register", $"{platformUrl}/registry/heartbeat",
        $"curl -X POST {platformUrl}/registry/register -H 'Content-Type: application/json' -H 'Authorization: Bearer <auth_token>' " +
        $"-d '{{\"id\":\"{id}\",\"url\":\"http://<agent-host>:8000\",\"agent_card\":{{\"name\":\"{name}\"}}}}'",
        $"from molecule_runtime import HeartbeatLoop\nloop = HeartbeatLoop(\"{platformUrl}\", \"{id}\")\nloop.start()");
}

public sealed record PatchAnswer(string Status, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] bool? NeedsRestart);

public sealed record DeleteAnswer(string Status, int CascadeDeleted);

/// <summary>409 for a delete of a workspace with children and no <c>?confirm=true</c>.</summary>
public sealed record DeleteConfirmation(string Status, string Message, IReadOnlyList<ChildRef> Children, int ChildrenCount);

public sealed record ChildRef(string Id, string Name);

/// <summary><c>GET /workspaces/{id}/state</c> for a live row.</summary>
public sealed record AgentState(string WorkspaceId, string Status, bool Paused, bool Deleted);

/// <summary>404 of <c>/state</c>: the row is gone (<see cref="Status"/> absent) or removed.</summary>
public sealed record RemovedState(string WorkspaceId, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Status, bool Deleted);
