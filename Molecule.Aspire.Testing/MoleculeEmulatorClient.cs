using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Aspire.Hosting.ApplicationModel;

namespace Aspire.Hosting.Testing;

/// <summary>
/// The platform emulator of an AppHost under test, as an admin: its faults, outage and reset, its workspaces and
/// events, messages to a workspace through the platform's A2A proxy (as the canvas sends them), and tokens. Every call is
/// bounded (10 s by default) and a refused one throws <see cref="HttpRequestException"/> with the platform's answer.
/// </summary>
public sealed class MoleculeEmulatorClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly ParameterResource _adminToken;
    private readonly IReadOnlyDictionary<string, string> _workspaces;

    internal MoleculeEmulatorClient(HttpClient http, ParameterResource adminToken, IReadOnlyDictionary<string, string> workspaces)
    {
        _http = http;
        _adminToken = adminToken;
        _workspaces = workspaces;
        if (_http.Timeout == Timeout.InfiniteTimeSpan || _http.Timeout > TimeSpan.FromSeconds(10))
        {
            _http.Timeout = TimeSpan.FromSeconds(10);
        }
    }

    /// <summary>The platform's base address.</summary>
    public Uri? BaseAddress => _http.BaseAddress;

    /// <summary>The workspace id of a workspace resource on this platform (or the id itself when given one).</summary>
    /// <param name="resourceNameOrId">A resource name or a workspace id.</param>
    public string WorkspaceId(string resourceNameOrId) =>
        _workspaces.TryGetValue(resourceNameOrId, out var id) ? id
        : Guid.TryParse(resourceNameOrId, out _) ? resourceNameOrId
        : throw new ArgumentException($"'{resourceNameOrId}' is neither a workspace resource on this platform nor a workspace id.", nameof(resourceNameOrId));

    /// <summary>The workspace's row (<c>GET /workspaces/{id}</c>): status, card, parent, …</summary>
    /// <param name="resourceNameOrId">A workspace resource name or id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public Task<JsonElement> GetWorkspaceAsync(string resourceNameOrId, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, $"/workspaces/{WorkspaceId(resourceNameOrId)}", null, cancellationToken);

    /// <summary>The platform's recent events, newest first (<c>GET /events</c>, or one workspace's).</summary>
    /// <param name="resourceNameOrId">Only this workspace's events, when set.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public async Task<IReadOnlyList<JsonElement>> GetEventsAsync(string? resourceNameOrId = null, CancellationToken cancellationToken = default)
    {
        var events = await SendAsync(HttpMethod.Get, resourceNameOrId is null ? "/events" : $"/events/{WorkspaceId(resourceNameOrId)}", null, cancellationToken).ConfigureAwait(false);
        return [.. events.EnumerateArray()];
    }

    /// <summary>
    /// Injects a fault: requests matching <paramref name="method"/> and <paramref name="path"/> (a <c>*</c> matches one
    /// segment) answer <paramref name="status"/> until <see cref="ClearFaultsAsync"/>.
    /// </summary>
    /// <param name="method">The HTTP method, or null for any.</param>
    /// <param name="path">The route, e.g. <c>/registry/heartbeat</c>.</param>
    /// <param name="status">The status to answer.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The fault's id.</returns>
    public async Task<string> FailAsync(string? method, string path, int status, CancellationToken cancellationToken = default) =>
        (await SendAsync(HttpMethod.Post, "/_emulator/faults", new Dictionary<string, object?> { ["method"] = method, ["path"] = path, ["kind"] = "status", ["status"] = status }, cancellationToken)
            .ConfigureAwait(false)).GetProperty("id").GetString()!;

    /// <summary>Adds <paramref name="latency"/> to requests matching <paramref name="method"/> and <paramref name="path"/>.</summary>
    /// <param name="method">The HTTP method, or null for any.</param>
    /// <param name="path">The route.</param>
    /// <param name="latency">The delay.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The fault's id.</returns>
    public async Task<string> SlowDownAsync(string? method, string path, TimeSpan latency, CancellationToken cancellationToken = default) =>
        (await SendAsync(HttpMethod.Post, "/_emulator/faults",
            new Dictionary<string, object?> { ["method"] = method, ["path"] = path, ["kind"] = "latency", ["latency_ms"] = (int)latency.TotalMilliseconds }, cancellationToken)
            .ConfigureAwait(false)).GetProperty("id").GetString()!;

    /// <summary>Removes every injected fault.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    public Task ClearFaultsAsync(CancellationToken cancellationToken = default) => SendAsync(HttpMethod.Delete, "/_emulator/faults", null, cancellationToken);

    /// <summary>Forgets every workspace and token, as a platform restart with lost state would; the workspaces re-register.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    public Task SimulateOutageAsync(CancellationToken cancellationToken = default) => SendAsync(HttpMethod.Post, "/_emulator/outage", new Dictionary<string, object?>(), cancellationToken);

    /// <summary>Clears everything (the data folder too) and re-applies the AppHost's workspaces.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    public Task ResetAsync(CancellationToken cancellationToken = default) => SendAsync(HttpMethod.Post, "/_emulator/reset", new Dictionary<string, object?>(), cancellationToken);

    /// <summary>Mints an additional token for a workspace (<c>GET /admin/workspaces/{id}/test-token</c>), to call the platform as that workspace.</summary>
    /// <param name="resourceNameOrId">A workspace resource name or id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public async Task<string> MintTokenAsync(string resourceNameOrId, CancellationToken cancellationToken = default) =>
        (await SendAsync(HttpMethod.Get, $"/admin/workspaces/{WorkspaceId(resourceNameOrId)}/test-token", null, cancellationToken).ConfigureAwait(false))
            .GetProperty("auth_token").GetString()!;

    /// <summary>
    /// Sends <paramref name="text"/> to the workspace through the platform's A2A proxy (A2A 0.3 <c>message/send</c>, as
    /// the canvas does) and returns the JSON-RPC answer; the text of a completed answer is in <see cref="TextOf"/>.
    /// </summary>
    /// <param name="resourceNameOrId">A workspace resource name or id.</param>
    /// <param name="text">The message.</param>
    /// <param name="contextId">The conversation to continue, or null for a new one.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public Task<JsonElement> SendMessageAsync(string resourceNameOrId, string text, string? contextId = null, CancellationToken cancellationToken = default)
    {
        var message = new Dictionary<string, object?>
        {
            ["kind"] = "message", ["role"] = "user", ["messageId"] = Guid.NewGuid().ToString(),
            ["parts"] = new[] { new Dictionary<string, object?> { ["kind"] = "text", ["text"] = text } },
        };
        if (contextId is not null)
        {
            message["contextId"] = contextId;
        }

        return SendAsync(HttpMethod.Post, $"/workspaces/{WorkspaceId(resourceNameOrId)}/a2a",
            new Dictionary<string, object?> { ["jsonrpc"] = "2.0", ["id"] = 1, ["method"] = "message/send", ["params"] = new Dictionary<string, object?> { ["message"] = message } },
            cancellationToken);
    }

    /// <summary>The text of an A2A answer: the agent's message parts, or a task's artifacts.</summary>
    /// <param name="answer">What <see cref="SendMessageAsync"/> returned.</param>
    public static string TextOf(JsonElement answer)
    {
        if (!answer.TryGetProperty("result", out var result))
        {
            throw new InvalidOperationException($"The answer is an error: {answer.GetRawText()}");
        }

        IEnumerable<JsonElement> parts = result.TryGetProperty("parts", out var direct) ? direct.EnumerateArray()
            : result.TryGetProperty("artifacts", out var artifacts) ? artifacts.EnumerateArray().SelectMany(a => a.GetProperty("parts").EnumerateArray())
            : [];
        return string.Concat(parts.Where(p => p.TryGetProperty("text", out _)).Select(p => p.GetProperty("text").GetString()));
    }

    /// <summary>
    /// The platform's live events as they happen (its <c>/ws</c> socket, as the canvas subscribes): heartbeats, status
    /// changes, delegations, approvals, messages. Each is the event's envelope (<c>event</c>, <c>workspace_id</c>,
    /// <c>timestamp</c>, <c>payload</c>). Stop reading with <paramref name="cancellationToken"/>.
    /// </summary>
    /// <param name="cancellationToken">Ends the stream (and closes the socket).</param>
    public async IAsyncEnumerable<JsonElement> StreamEventsAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var root = _http.BaseAddress ?? throw new InvalidOperationException("The client has no base address.");
        using var socket = new System.Net.WebSockets.ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", $"Bearer {await _adminToken.GetValueAsync(cancellationToken).ConfigureAwait(false)}");
        await socket.ConnectAsync(new UriBuilder(root) { Scheme = root.Scheme == "https" ? "wss" : "ws", Path = "/ws" }.Uri, cancellationToken).ConfigureAwait(false);
        var buffer = new byte[16 * 1024];
        using var message = new MemoryStream();
        while (socket.State == System.Net.WebSockets.WebSocketState.Open)
        {
            var received = await socket.ReceiveAsync(buffer, cancellationToken).ConfigureAwait(false);
            if (received.MessageType == System.Net.WebSockets.WebSocketMessageType.Close)
            {
                yield break;
            }

            message.Write(buffer, 0, received.Count);
            if (!received.EndOfMessage)
            {
                continue;
            }

            var envelope = JsonDocument.Parse(message.ToArray()).RootElement.Clone();
            message.SetLength(0);
            yield return envelope;
        }
    }

    /// <inheritdoc />
    public void Dispose() => _http.Dispose();

    private async Task<JsonElement> SendAsync(HttpMethod method, string path, object? body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await _adminToken.GetValueAsync(cancellationToken).ConfigureAwait(false));
        if (body is not null)
        {
            request.Content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");
        }

        using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"{method} {path} answered {(int)response.StatusCode}: {text}", null, response.StatusCode);
        }

        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }
}
