using System.Globalization;
using System.Text.Json;

namespace Molecule.Platform.Client;

/// <summary>
/// Everything an agent asks of the platform as a member of a team (the contract's agent APIs): its peers, delegation
/// (through the platform, waiting or not), memories, its secrets, messages and files to the user, approvals by a
/// person, instructions and the parent's shared context, activity. Every call sends the workspace's own bearer and
/// <c>X-Workspace-ID</c>, is bounded in time, and throws <see cref="PlatformApiException"/> with the platform's own
/// error text when it does not succeed. Nothing it logs or throws carries a token or a secret value.
/// </summary>
public sealed partial class MoleculePlatform
{
    /// <summary>The time one call may take unless it says otherwise.</summary>
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);

    /// <summary>How long <see cref="AskPeerAsync"/> waits for a peer's answer by default.</summary>
    public static readonly TimeSpan DefaultAskTimeout = TimeSpan.FromMinutes(5);

    private readonly HttpClient _http;
    private readonly TimeProvider _time;

    /// <summary>Creates the client for one workspace.</summary>
    /// <param name="http">The client to send with (a resilience handler on it retries what is safe to retry).</param>
    /// <param name="platformUrl">The control plane.</param>
    /// <param name="workspaceId">This workspace's id.</param>
    /// <param name="tokens">Where this workspace's bearer lives (the heartbeat loop keeps it current).</param>
    /// <param name="time">The clock for timeouts and waits; the system clock when null.</param>
    public MoleculePlatform(HttpClient http, Uri platformUrl, string workspaceId, TokenStore tokens, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(platformUrl);
        ArgumentException.ThrowIfNullOrWhiteSpace(workspaceId);
        ArgumentNullException.ThrowIfNull(tokens);
        _http = http;
        _time = time ?? TimeProvider.System;
        PlatformUrl = PlatformRequests.Root(platformUrl);
        WorkspaceId = workspaceId;
        Tokens = tokens;
    }

    /// <summary>The control plane, ending in <c>/</c>.</summary>
    public Uri PlatformUrl { get; }

    /// <summary>This workspace's id.</summary>
    public string WorkspaceId { get; }

    /// <summary>Where this workspace's bearer lives.</summary>
    public TokenStore Tokens { get; }

    private string Self => Uri.EscapeDataString(WorkspaceId);

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> _names = new(StringComparer.Ordinal);

    /// <summary>The workspaces this one may talk to (<c>GET /registry/{id}/peers</c>): siblings, children and its parent.</summary>
    /// <param name="query">Only peers whose name or role contains this text.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public async Task<IReadOnlyList<PeerWorkspace>> ListPeersAsync(string? query = null, CancellationToken cancellationToken = default)
    {
        var path = $"registry/{Self}/peers" + (string.IsNullOrEmpty(query) ? "" : $"?q={Uri.EscapeDataString(query)}");
        using var document = await SendAsync("GET /registry/{id}/peers", HttpMethod.Get, path, null, RequestTimeout, cancellationToken).ConfigureAwait(false);
        PeerWorkspace[] peers = [.. Array(document.RootElement).Select(p => new PeerWorkspace(
            Text(p, "id") ?? "", Text(p, "name") ?? "", Text(p, "role"), Text(p, "status") ?? "", Int(p, "tier") ?? 0, Text(p, "parent_id"), SkillsOf(p)))];
        foreach (var peer in peers)
        {
            _names[peer.Id] = peer.Name;
        }

        return peers;
    }

    /// <summary>The name of a workspace this client has seen in a peer list or a workspace read; null when none has shown it yet.</summary>
    /// <param name="workspaceId">The workspace.</param>
    public string? KnownName(string workspaceId) => _names.TryGetValue(workspaceId, out var name) && name.Length > 0 ? name : null;

    /// <summary>A workspace's own row (<c>GET /workspaces/{id}</c>): this one's when <paramref name="workspaceId"/> is null.</summary>
    /// <param name="workspaceId">The workspace; this one when null.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public async Task<PeerWorkspace> GetWorkspaceAsync(string? workspaceId = null, CancellationToken cancellationToken = default)
    {
        using var document = await SendAsync("GET /workspaces/{id}", HttpMethod.Get, $"workspaces/{Uri.EscapeDataString(workspaceId ?? WorkspaceId)}", null,
            RequestTimeout, cancellationToken).ConfigureAwait(false);
        var w = document.RootElement;
        var workspace = new PeerWorkspace(Text(w, "id") ?? "", Text(w, "name") ?? "", Text(w, "role"), Text(w, "status") ?? "", Int(w, "tier") ?? 0, Text(w, "parent_id"), SkillsOf(w));
        _names[workspace.Id] = workspace.Name;
        return workspace;
    }

    /// <summary>Starts a delegation through the platform (<c>POST /workspaces/{id}/delegate</c>); the answer arrives later in <see cref="ListDelegationsAsync"/>.</summary>
    /// <param name="targetId">The peer.</param>
    /// <param name="task">What to ask it.</param>
    /// <param name="idempotencyKey">The same key answers the same delegation again instead of sending a second one.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public async Task<DelegationTicket> DelegateAsync(string targetId, string task, string? idempotencyKey = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(targetId);
        ArgumentException.ThrowIfNullOrWhiteSpace(task);
        using var document = await SendAsync("POST /workspaces/{id}/delegate", HttpMethod.Post, $"workspaces/{Self}/delegate", writer =>
        {
            writer.WriteString("target_id", targetId);
            writer.WriteString("task", task);
            if (!string.IsNullOrEmpty(idempotencyKey))
            {
                writer.WriteString("idempotency_key", idempotencyKey);
            }
        }, RequestTimeout, cancellationToken).ConfigureAwait(false);
        var root = document.RootElement;
        return new DelegationTicket(Text(root, "delegation_id") ?? "", Text(root, "target_id") ?? targetId, Text(root, "status") ?? "",
            root.TryGetProperty("idempotent_hit", out var hit) && hit.ValueKind == JsonValueKind.True);
    }

    /// <summary>This workspace's delegations and their outcomes, newest first (<c>GET /workspaces/{id}/delegations</c>).</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    public async Task<IReadOnlyList<DelegationRecord>> ListDelegationsAsync(CancellationToken cancellationToken = default)
    {
        using var document = await SendAsync("GET /workspaces/{id}/delegations", HttpMethod.Get, $"workspaces/{Self}/delegations", null, RequestTimeout, cancellationToken)
            .ConfigureAwait(false);
        return [.. Array(document.RootElement).Select(d => new DelegationRecord(Text(d, "delegation_id"), Text(d, "source_id") ?? "", Text(d, "target_id") ?? "",
            Text(d, "status") ?? "", Text(d, "summary"), Text(d, "response_preview"), Text(d, "error"), Time(d, "created_at")))];
    }

    /// <summary>
    /// Asks a peer and waits for its answer, through the platform's A2A proxy as this workspace (the hierarchy rule,
    /// the peer's budget and the busy queue apply, and the call is in the peer's activity).
    /// </summary>
    /// <param name="targetId">The peer.</param>
    /// <param name="text">The message.</param>
    /// <param name="timeout">How long to wait (<see cref="DefaultAskTimeout"/> when null).</param>
    /// <param name="contextId">The A2A context the message continues (the peer's conversation), or null for a new one.</param>
    /// <param name="cancellationToken">Cancels the call and, through the proxy, the peer's work on it.</param>
    public async Task<PeerAnswer> AskPeerAsync(string targetId, string text, TimeSpan? timeout = null, string? contextId = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(targetId);
        ArgumentNullException.ThrowIfNull(text);
        var wait = timeout ?? DefaultAskTimeout;
        var messageId = Guid.NewGuid().ToString();
        using var document = await SendAsync("POST /workspaces/{id}/a2a", HttpMethod.Post, $"workspaces/{Uri.EscapeDataString(targetId)}/a2a", writer =>
        {
            writer.WriteString("jsonrpc", "2.0");
            writer.WriteString("id", messageId);
            writer.WriteString("method", "message/send");
            writer.WriteStartObject("params");
            writer.WriteStartObject("message");
            writer.WriteString("kind", "message");
            writer.WriteString("messageId", messageId);
            writer.WriteString("role", "user");
            if (contextId is not null)
            {
                writer.WriteString("contextId", contextId);
            }

            writer.WriteStartArray("parts");
            writer.WriteStartObject();
            writer.WriteString("kind", "text");
            writer.WriteString("text", text);
            writer.WriteEndObject();
            writer.WriteEndArray();
            writer.WriteEndObject();
            writer.WriteEndObject();
        }, wait, cancellationToken, extraHeaders: [("X-Timeout", ((int)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture))]).ConfigureAwait(false);
        return A2AAnswers.Read(document.RootElement, "POST /workspaces/{id}/a2a");
    }

    /// <summary>Remembers something (<c>POST /workspaces/{id}/memories</c>); the platform scrubs keys and tokens out of the text first.</summary>
    /// <param name="content">What to remember.</param>
    /// <param name="scope">Who may recall it.</param>
    /// <param name="namespace">A namespace to group it (<c>general</c> when null).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The memory's id.</returns>
    public async Task<string> CommitMemoryAsync(string content, MemoryScope scope, string? @namespace = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(content);
        using var document = await SendAsync("POST /workspaces/{id}/memories", HttpMethod.Post, $"workspaces/{Self}/memories", writer =>
        {
            writer.WriteString("content", content);
            writer.WriteString("scope", ScopeName(scope));
            if (!string.IsNullOrEmpty(@namespace))
            {
                writer.WriteString("namespace", @namespace);
            }
        }, RequestTimeout, cancellationToken).ConfigureAwait(false);
        return Text(document.RootElement, "id") ?? "";
    }

    /// <summary>Recalls memories (<c>GET /workspaces/{id}/memories</c>), newest first.</summary>
    /// <param name="query">Words to match; null or empty returns every visible memory.</param>
    /// <param name="scope">Which memories; null returns this workspace's own of every scope.</param>
    /// <param name="namespace">Only this namespace.</param>
    /// <param name="limit">At most this many (1-49; the platform returns 50 otherwise).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public async Task<IReadOnlyList<MemoryEntry>> SearchMemoriesAsync(string? query = null, MemoryScope? scope = null, string? @namespace = null, int? limit = null,
        CancellationToken cancellationToken = default)
    {
        var parameters = new List<string>();
        if (scope is { } s)
        {
            parameters.Add($"scope={ScopeName(s)}");
        }

        if (!string.IsNullOrEmpty(query))
        {
            parameters.Add($"q={Uri.EscapeDataString(query)}");
        }

        if (!string.IsNullOrEmpty(@namespace))
        {
            parameters.Add($"namespace={Uri.EscapeDataString(@namespace)}");
        }

        if (limit is { } l)
        {
            parameters.Add($"limit={l.ToString(CultureInfo.InvariantCulture)}");
        }

        var path = $"workspaces/{Self}/memories" + (parameters.Count == 0 ? "" : "?" + string.Join('&', parameters));
        using var document = await SendAsync("GET /workspaces/{id}/memories", HttpMethod.Get, path, null, RequestTimeout, cancellationToken).ConfigureAwait(false);
        return [.. Array(document.RootElement).Select(m => new MemoryEntry(Text(m, "id") ?? "", Text(m, "workspace_id") ?? "", Text(m, "content") ?? "",
            ParseScope(Text(m, "scope")), Text(m, "namespace") ?? "", Time(m, "created_at")))];
    }

    /// <summary>Forgets one of this workspace's own memories (<c>DELETE /workspaces/{id}/memories/{memoryId}</c>).</summary>
    /// <param name="memoryId">The memory.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public async Task DeleteMemoryAsync(string memoryId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(memoryId);
        using var _ = await SendAsync("DELETE /workspaces/{id}/memories/{memoryId}", HttpMethod.Delete, $"workspaces/{Self}/memories/{Uri.EscapeDataString(memoryId)}",
            null, RequestTimeout, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The secrets set for this workspace on the platform, global ones under its own (<c>GET /workspaces/{id}/secrets/values</c>;
    /// only this workspace's own token may read them). Keep the values out of logs.
    /// </summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    public async Task<IReadOnlyDictionary<string, string>> GetSecretValuesAsync(CancellationToken cancellationToken = default)
    {
        using var document = await SendAsync("GET /workspaces/{id}/secrets/values", HttpMethod.Get, $"workspaces/{Self}/secrets/values", null, RequestTimeout,
            cancellationToken).ConfigureAwait(false);
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        if (document.RootElement.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (property.Value.ValueKind == JsonValueKind.String)
                {
                    values[property.Name] = property.Value.GetString()!;
                }
            }
        }

        return values;
    }
}
