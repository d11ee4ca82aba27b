using System.Text.Json;

namespace Molecule.Platform.Client;

/// <summary>Memory scopes: this workspace only, its team (parent and siblings; a root's children), every workspace.</summary>
public enum MemoryScope
{
    /// <summary>This workspace only.</summary>
    Local,

    /// <summary>The team: parent and siblings for a child; itself and its children for a root.</summary>
    Team,

    /// <summary>Every workspace (written by root workspaces only).</summary>
    Global,
}

/// <summary>A workspace this one may talk to, as <c>GET /registry/{id}/peers</c> lists it.</summary>
/// <param name="Id">The peer's id.</param>
/// <param name="Name">Its name.</param>
/// <param name="Role">Its role, when it has one.</param>
/// <param name="Status">Its platform status (<c>online</c>, <c>degraded</c>, …).</param>
/// <param name="Tier">Its tier.</param>
/// <param name="ParentId">Its parent, when it has one.</param>
/// <param name="Skills">The skill names its agent card lists.</param>
public sealed record PeerWorkspace(string Id, string Name, string? Role, string Status, int Tier, string? ParentId, IReadOnlyList<string> Skills);

/// <summary>A delegation the platform accepted: its id and target.</summary>
/// <param name="DelegationId">The delegation's id (also the <c>messageId</c> the peer receives).</param>
/// <param name="TargetId">The peer it goes to.</param>
/// <param name="Status"><c>delegated</c>, or the current status of an earlier delegation with the same idempotency key.</param>
/// <param name="IdempotentHit">True when an earlier delegation with the same key answered.</param>
public sealed record DelegationTicket(string DelegationId, string TargetId, string Status, bool IdempotentHit);

/// <summary>One row of <c>GET /workspaces/{id}/delegations</c>: a delegation's request, or one of its outcomes.</summary>
/// <param name="DelegationId">The delegation's id; null on the outcome row of a failure.</param>
/// <param name="SourceId">The workspace that delegated.</param>
/// <param name="TargetId">The peer; empty on results an agent reported itself.</param>
/// <param name="Status"><c>pending</c>, <c>dispatched</c>, <c>queued</c>, <c>completed</c> or <c>failed</c>.</param>
/// <param name="Summary">The platform's summary line.</param>
/// <param name="ResponsePreview">The answer's first 300 bytes, when there is one.</param>
/// <param name="Error">The failure, when there is one.</param>
/// <param name="CreatedAt">When the row was written.</param>
public sealed record DelegationRecord(string? DelegationId, string SourceId, string TargetId, string Status, string? Summary, string? ResponsePreview,
    string? Error, DateTimeOffset? CreatedAt);

/// <summary>What a peer answered through the platform's A2A proxy.</summary>
/// <param name="Text">The answer's text (empty when the call was queued).</param>
/// <param name="Queued">True when the peer was busy and the platform queued the call for its next heartbeat.</param>
/// <param name="TaskState">The A2A task's state when the answer was a task.</param>
public sealed record PeerAnswer(string Text, bool Queued, string? TaskState);

/// <summary>A memory as <c>GET /workspaces/{id}/memories</c> returns it (GLOBAL content framed with its author).</summary>
/// <param name="Id">The memory's id.</param>
/// <param name="WorkspaceId">Who wrote it.</param>
/// <param name="Content">Its text.</param>
/// <param name="Scope">Its scope.</param>
/// <param name="Namespace">Its namespace.</param>
/// <param name="CreatedAt">When it was written.</param>
public sealed record MemoryEntry(string Id, string WorkspaceId, string Content, MemoryScope Scope, string Namespace, DateTimeOffset? CreatedAt);

/// <summary>A file attached to a message to the user: an upload's <c>uri</c> and its name, type and size.</summary>
/// <param name="Uri">Where the platform keeps it (<c>workspace:/…</c> from an upload).</param>
/// <param name="Name">Its file name.</param>
/// <param name="MimeType">Its media type, when known.</param>
/// <param name="Size">Its size in bytes, when known.</param>
public sealed record ChatAttachment(string Uri, string Name, string? MimeType = null, long? Size = null);

/// <summary>A file to upload for a message to the user.</summary>
/// <param name="Name">The file name the user sees (the platform sanitises it).</param>
/// <param name="Content">The bytes.</param>
/// <param name="MimeType">The media type.</param>
public sealed record ChatFileUpload(string Name, ReadOnlyMemory<byte> Content, string MimeType = "application/octet-stream");

/// <summary>A person's decision on an approval request.</summary>
/// <param name="ApprovalId">The request.</param>
/// <param name="Status"><c>approved</c>, <c>denied</c>, or <c>pending</c> when the wait timed out.</param>
/// <param name="DecidedBy">Who decided (<c>auto-expired</c> when nobody did in time).</param>
public sealed record ApprovalDecision(string ApprovalId, string Status, string? DecidedBy)
{
    /// <summary>True when the request was approved.</summary>
    public bool Approved => Status == "approved";
}

/// <summary>A file a parent shares with its children (<c>GET /workspaces/{parent}/shared-context</c>).</summary>
/// <param name="Path">Its path in the parent's config folder.</param>
/// <param name="Content">Its text.</param>
public sealed record SharedContextFile(string Path, string Content);

/// <summary>An activity row the agent reports (<c>POST /workspaces/{id}/activity</c>).</summary>
/// <param name="ActivityType">One of <c>a2a_send a2a_receive task_update agent_log skill_promotion memory_write error</c>.</param>
/// <param name="Summary">One line for people.</param>
/// <param name="Method">What was called, when it applies.</param>
/// <param name="TargetId">The workspace it concerned, when it applies.</param>
/// <param name="Status">The outcome (<c>ok</c> when null).</param>
/// <param name="ErrorDetail">The failure, when it failed.</param>
/// <param name="DurationMs">How long it took.</param>
/// <param name="Metadata">Anything else, as JSON.</param>
public sealed record ActivityReport(string ActivityType, string? Summary = null, string? Method = null, string? TargetId = null, string? Status = null,
    string? ErrorDetail = null, long? DurationMs = null, JsonElement? Metadata = null);
