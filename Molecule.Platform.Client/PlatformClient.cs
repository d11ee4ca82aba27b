using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Molecule.Platform.Client;

/// <summary>
/// The workspace's calls to the control plane (<c>/registry/register</c>, <c>/registry/heartbeat</c>,
/// <c>/registry/update-card</c>, <c>/workspaces/{id}/state</c>), each with a 10 s timeout, <c>X-Workspace-ID</c>, and
/// <c>Authorization: Bearer</c> once a token is known. Bodies are snake_case as the platform expects. It never throws
/// for an HTTP status; transport failures come back as <see cref="PlatformResponse.TransportError"/>.
/// </summary>
public sealed class PlatformClient
{
    /// <summary>The time one platform call may take.</summary>
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);

    private readonly HttpClient _http;
    private readonly TimeProvider _time;

    /// <summary>Creates a client for one workspace.</summary>
    /// <param name="http">The client to send with (no retry handler: callers own the retry schedule).</param>
    /// <param name="platformUrl">The control plane.</param>
    /// <param name="workspaceId">The workspace's UUID.</param>
    /// <param name="tokens">Where the workspace's bearer token lives; register answers that carry a new one are saved there.</param>
    /// <param name="time">The clock for request timeouts and <c>Retry-After</c> dates (the system clock when null).</param>
    public PlatformClient(HttpClient http, Uri platformUrl, string workspaceId, TokenStore tokens, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(platformUrl);
        ArgumentException.ThrowIfNullOrWhiteSpace(workspaceId);
        _http = http;
        _time = time ?? TimeProvider.System;
        PlatformUrl = PlatformRequests.Root(platformUrl);
        WorkspaceId = workspaceId;
        Tokens = tokens;
    }

    /// <summary>The control plane, ending in <c>/</c>.</summary>
    public Uri PlatformUrl { get; }

    /// <summary>The workspace's id.</summary>
    public string WorkspaceId { get; }

    /// <summary>Where the workspace's token lives.</summary>
    public TokenStore Tokens { get; }

    /// <summary><c>POST /registry/register</c>: announces the agent's URL and card; a first registration's token is saved.</summary>
    /// <param name="agentUrl">Where the platform reaches the agent.</param>
    /// <param name="agentCardJson">The agent card.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public Task<PlatformResponse> RegisterAsync(string agentUrl, string agentCardJson, CancellationToken cancellationToken = default) =>
        PostAsync("registry/register", writer =>
        {
            writer.WriteString("id", WorkspaceId);
            writer.WriteString("url", agentUrl);
            writer.WritePropertyName("agent_card");
            writer.WriteRawValue(agentCardJson);
        }, RequestTimeout, cancellationToken);

    /// <summary><c>POST /registry/heartbeat</c> with the workspace's bearer token.</summary>
    /// <param name="payload">The values to report.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <param name="timeout">Overrides <see cref="RequestTimeout"/>.</param>
    public Task<PlatformResponse> HeartbeatAsync(HeartbeatPayload payload, CancellationToken cancellationToken = default, TimeSpan? timeout = null) =>
        PostAsync("registry/heartbeat", writer =>
        {
            writer.WriteString("workspace_id", WorkspaceId);
            writer.WriteNumber("error_rate", Math.Round(payload.ErrorRate, 4));
            writer.WriteString("sample_error", payload.SampleError);
            writer.WriteNumber("active_tasks", payload.ActiveTasks);
            writer.WriteString("current_task", payload.CurrentTask);
            writer.WriteNumber("uptime_seconds", payload.UptimeSeconds);
            if (payload.RuntimeState is { } state)
            {
                writer.WriteString("runtime_state", state);
            }

            if (payload.RuntimeMetadata is { } metadata)
            {
                writer.WriteStartObject("runtime_metadata");
                writer.WriteStartObject("capabilities");
                foreach (var (name, has) in metadata.Capabilities)
                {
                    writer.WriteBoolean(name, has);
                }

                writer.WriteEndObject();
                if (metadata.IdleTimeoutSeconds is { } idle)
                {
                    writer.WriteNumber("idle_timeout_seconds", idle);
                }

                writer.WriteEndObject();
            }
        }, timeout ?? RequestTimeout, cancellationToken);

    /// <summary><c>POST /registry/update-card</c>: replaces the card the platform shows.</summary>
    /// <param name="agentCardJson">The agent card.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public Task<PlatformResponse> UpdateCardAsync(string agentCardJson, CancellationToken cancellationToken = default) =>
        PostAsync("registry/update-card", writer =>
        {
            writer.WriteString("workspace_id", WorkspaceId);
            writer.WritePropertyName("agent_card");
            writer.WriteRawValue(agentCardJson);
        }, RequestTimeout, cancellationToken);

    /// <summary><c>GET /workspaces/{id}/state</c>: whether the platform still knows, pauses or deleted the workspace.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    public Task<PlatformResponse> GetStateAsync(CancellationToken cancellationToken = default) =>
        SendAsync("GET /workspaces/{id}/state", () => new HttpRequestMessage(HttpMethod.Get, new Uri(PlatformUrl, $"workspaces/{WorkspaceId}/state")), RequestTimeout, cancellationToken);

    private Task<PlatformResponse> PostAsync(string path, Action<Utf8JsonWriter> body, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var route = "POST /" + path;
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }

        var bytes = buffer.ToArray();
        return SendAsync(route, () => new HttpRequestMessage(HttpMethod.Post, new Uri(PlatformUrl, path))
        {
            Content = new ByteArrayContent(bytes) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } },
        }, timeout, cancellationToken);
    }

    private async Task<PlatformResponse> SendAsync(string route, Func<HttpRequestMessage> create, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var span = PlatformTelemetry.StartCall(route, WorkspaceId);
        var started = _time.GetTimestamp();
        var response = await SendCoreAsync(create, timeout, cancellationToken).ConfigureAwait(false);
        PlatformTelemetry.Ended(span, route, response, _time.GetElapsedTime(started));
        return response;
    }

    private async Task<PlatformResponse> SendCoreAsync(Func<HttpRequestMessage> create, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var request = create();
        PlatformRequests.Identify(request, WorkspaceId, Tokens);

        using var deadline = new CancellationTokenSource(timeout, _time);
        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, timeoutSource.Token).ConfigureAwait(false);
            var body = await response.Content.ReadAsStringAsync(timeoutSource.Token).ConfigureAwait(false);
            return new PlatformResponse(response.StatusCode, body, RetryAfter(response, _time), null);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return PlatformResponse.Failed($"timed out after {timeout.TotalSeconds:0} s");
        }
        catch (HttpRequestException ex)
        {
            return PlatformResponse.Failed(ex.HttpRequestError == HttpRequestError.Unknown ? ex.Message : $"{ex.HttpRequestError}: {ex.Message}");
        }
    }

    private static TimeSpan? RetryAfter(HttpResponseMessage response, TimeProvider time)
    {
        var header = response.Headers.RetryAfter;
        if (header?.Delta is { } delta)
        {
            return delta;
        }

        if (header?.Date is { } date)
        {
            var delay = date - time.GetUtcNow();
            return delay > TimeSpan.Zero ? delay : TimeSpan.Zero;
        }

        return null;
    }
}

/// <summary>What one platform call produced: an HTTP answer, or a transport failure (status null).</summary>
public sealed record PlatformResponse(HttpStatusCode? Status, string Body, TimeSpan? RetryAfter, string? TransportError)
{
    internal static PlatformResponse Failed(string error) => new(null, "", null, error);

    /// <summary>True for a 2xx answer.</summary>
    public bool IsSuccess => Status is { } s && (int)s is >= 200 and < 300;

    /// <summary>A short description for logs: the status and the platform's <c>error</c> text, or the transport error.</summary>
    public string Describe()
    {
        if (Status is null)
        {
            return TransportError ?? "no response";
        }

        var text = new StringBuilder().Append((int)Status.Value);
        if (TryGetString("error") is { } error)
        {
            text.Append(' ').Append(error);
        }

        return SecretScrubber.Scrub(text.ToString(), 300);
    }

    /// <summary>A top-level string field of the JSON body, or null.</summary>
    public string? TryGetString(string name) =>
        TryGetField(name, value => value.ValueKind == JsonValueKind.String ? value.GetString() : null);

    /// <summary>A top-level boolean field of the JSON body, or null.</summary>
    public bool? TryGetBoolean(string name) =>
        TryGetField(name, value => value.ValueKind is JsonValueKind.True or JsonValueKind.False ? value.GetBoolean() : (bool?)null);

    private T? TryGetField<T>(string name, Func<JsonElement, T?> read)
    {
        try
        {
            using var document = JsonDocument.Parse(Body);
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty(name, out var value)
                ? read(value)
                : default;
        }
        catch (JsonException)
        {
            return default;
        }
    }
}

/// <summary>The heartbeat's body (<c>workspace_id</c> is added by the client).</summary>
public readonly record struct HeartbeatPayload(double ErrorRate, string SampleError, int ActiveTasks, string CurrentTask, long UptimeSeconds)
{
    /// <summary><c>runtime_state</c>: <c>wedged</c> when the agent reported itself stuck (the platform marks it degraded); otherwise not sent.</summary>
    public string? RuntimeState { get; init; }

    /// <summary><c>runtime_metadata</c>, when the runtime declares its capabilities.</summary>
    public RuntimeMetadata? RuntimeMetadata { get; init; }
}
