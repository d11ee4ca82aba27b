using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Molecule.PlatformEmulator.Auth;
using Molecule.PlatformEmulator.Events;
using Molecule.PlatformEmulator.Infrastructure;
using Molecule.PlatformEmulator.State;
using Molecule.PlatformEmulator.Workspaces;
using Molecule.Shared;
using Yarp.ReverseProxy.Forwarder;

namespace Molecule.PlatformEmulator.Proxy;

/// <summary>
/// <c>POST /workspaces/{id}/a2a</c>: the platform's A2A gateway, forwarding through YARP's <see cref="IHttpForwarder"/>
/// with one shared invoker and a per-request destination lookup. Buffered JSON answers pass verbatim; agent errors
/// (≥ 300) become <c>{"error":…}</c>; SSE passes through unbuffered, flushed per event, cancellation reaching the agent.
/// </summary>
public static partial class A2AProxyEndpoints
{
    private static readonly HttpMessageInvoker Invoker = new(new SocketsHttpHandler
    {
        UseProxy = false,
        AllowAutoRedirect = false,
        UseCookies = false,
        AutomaticDecompression = DecompressionMethods.None,
        ActivityHeadersPropagator = new ReverseProxyPropagator(DistributedContextPropagator.Current),
        ConnectTimeout = TimeSpan.FromSeconds(15),
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
    });

    private static readonly HashSet<string> ForwardedHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Accept", "A2A-Version", "A2A-Extensions", "X-A2A-Extensions", "traceparent", "tracestate", "Last-Event-ID", "User-Agent",
    };

    private static readonly string[] ReservedCallerPrefixes = ["webhook:", "system:", "test:", "channel:"];

    public static IEndpointRouteBuilder MapA2AProxy(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/workspaces/{id}/a2a", ForwardAsync).WithTags("A2A");
        routes.MapGet("/workspaces/{id}/a2a/.well-known/agent-card.json", CardAsync).WithTags("A2A");
        return routes;
    }

    private static async Task ForwardAsync(string id, HttpContext context, PlatformAuth auth, PlatformState state, EventBus events,
        ActivityLog activity, EmulatorOptions options, IHttpForwarder forwarder, EmulatorMetrics metrics, TimeProvider time, ILoggerFactory loggers,
        A2AQueue queue, Registry.UrlPolicy urls)
    {
        // 1. X-Timeout
        TimeSpan? ceiling = null;
        var timeoutText = Contract.Header(context.Request, "X-Timeout");
        if (timeoutText.Length > 0 && int.TryParse(timeoutText, out var seconds) && seconds > 0)
        {
            ceiling = TimeSpan.FromSeconds(seconds);
        }

        // 2. Body, capped.
        // §3 row 9 (quirk): the real platform silently cuts A2A bodies at 1 MiB.
        var truncate = options.Quirks.TruncateOversizedRequests;
        var body = await Contract.ReadBodyAsync(context, truncate ? EmulatorOptions.BodyCap : options.MaxBodyBytes, truncate);
        if (body is null)
        {
            await Contract.TooLarge().ExecuteAsync(context);
            return;
        }

        // 3-5. Caller rules.
        var callerText = Contract.Header(context.Request, "X-Workspace-ID");
        Guid? caller = null;
        if (callerText.Length > 0)
        {
            if (ReservedCallerPrefixes.Any(p => callerText.StartsWith(p, StringComparison.Ordinal)))
            {
                await Contract.Error(403, "invalid caller ID").ExecuteAsync(context);
                return;
            }

            if (Contract.ParseWorkspaceId(callerText) is { } c)
            {
                caller = c;
            }

            if (!string.Equals(callerText, id, StringComparison.OrdinalIgnoreCase))
            {
                if (caller is { } callerId && auth.Registry(context, callerId, caller: true) is { } denied)
                {
                    await denied.ExecuteAsync(context);
                    return;
                }

                if (caller is null || Contract.ParseWorkspaceId(id) is not { } target || !state.CanCommunicate(caller.Value, target))
                {
                    await Contract.Error(403, "access denied: workspaces cannot communicate per hierarchy rules").ExecuteAsync(context);
                    return;
                }
            }
        }
        else if (options.RequireCanvasAuth && auth.Admin(context) is { } denied)
        {
            await denied.ExecuteAsync(context);
            return;
        }

        if (ceiling is null)
        {
            ceiling = caller is not null ? TimeSpan.FromMinutes(30) : null;   // canvas calls have no ceiling
        }
        else if (options.Quirks.XTimeoutOnlyLiftsCeiling)
        {
            ceiling = null;   // §3 row 10: the real forward ignores the value; X-Timeout only removes the 30-minute ceiling
        }

        // 6-7. Budget and target.
        if (Contract.ParseWorkspaceId(id) is not { } workspaceId)
        {
            // §3 row 12: the real platform's lookup of a non-UUID id leaks as a 500.
            await (options.Quirks.DatastoreErrorsAs500 ? Contract.Error(500, "lookup failed") : Contract.Error(400, "invalid workspace ID")).ExecuteAsync(context);
            return;
        }

        if (state.Find(workspaceId) is not { } row)
        {
            await Contract.Error(404, "workspace not found").ExecuteAsync(context);
            return;
        }

        string url, status;
        long? budget;
        long spend;
        lock (row.Gate)
        {
            (url, status, budget, spend) = (row.Url, row.Status, row.BudgetLimit, row.MonthlySpend);
        }

        if (budget is { } limit && spend >= limit)
        {
            await Contract.Error(402, "workspace budget limit exceeded").ExecuteAsync(context);
            return;
        }

        if (url.Length == 0)
        {
            if (status == WorkspaceStatus.Hibernated)
            {
                await Contract.Json(503, new JsonObject
                {
                    ["error"] = "workspace is waking from hibernation — retry in ~15 seconds",
                    ["waking"] = true,
                    ["retry_after"] = 15,
                }, new Dictionary<string, string> { ["Retry-After"] = "15" }).ExecuteAsync(context);
                return;
            }

            await Contract.Json(503, new JsonObject { ["error"] = "workspace has no URL", ["status"] = status }).ExecuteAsync(context);
            return;
        }

        if (!await urls.AllowsForwardingAsync(url, context.RequestAborted))
        {
            await Contract.Error(502, "workspace URL is not publicly routable").ExecuteAsync(context);
            return;
        }

        // 8. Normalise. A body that already is JSON-RPC with a messageId (what A2A clients send) is forwarded as the
        // same bytes; only the other shapes are rewritten.
        if (Normalise(body) is not { } normalised)
        {
            await Contract.Error(400, "invalid JSON").ExecuteAsync(context);
            return;
        }

        var (forwardedBody, method, messageId) = normalised;

        // 9. Forward to the stored URL exactly as stored.
        context.Request.Body = new MemoryStream(forwardedBody);
        context.Request.ContentLength = forwardedBody.Length;
        context.Request.ContentType = "application/json";
        var capture = new CaptureStream(context.Response.Body, 256 * 1024);
        context.Response.Body = capture;

        using var deadline = ceiling is { } c2 ? new CancellationTokenSource(c2, time) : new CancellationTokenSource();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, deadline.Token);
        var originalAborted = context.RequestAborted;
        context.RequestAborted = linked.Token;

        var transformer = new A2ATransformer(url, options.Quirks.BufferStreamingResponses);
        var started = time.GetTimestamp();
        var error = await forwarder.SendAsync(context, url, Invoker,
            new ForwarderRequestConfig { ActivityTimeout = options.A2AIdleTimeout, AllowResponseBuffering = false }, transformer);
        context.RequestAborted = originalAborted;
        var outcome = "ok";

        if (error != ForwarderError.None && !context.Response.HasStarted)
        {
            var busy = error is ForwarderError.RequestTimedOut or ForwarderError.RequestCanceled or ForwarderError.ResponseBodyCanceled ||
                       deadline.IsCancellationRequested || IsBusyClass(context.Features.Get<IForwarderErrorFeature>()?.Exception);
            context.Response.Body = capture.Inner;
            outcome = busy ? "busy" : "unreachable";
            if (!busy)
            {
                await Contract.Error(502, "failed to reach workspace agent").ExecuteAsync(context);
            }
            else if (HasCapability(row, "session"))
            {
                await Contract.Json(503, new JsonObject
                {
                    ["error"] = "workspace agent busy — adapter handles retry (native_session)",
                    ["busy"] = true,
                    ["retry_after"] = 30,
                    ["native_session"] = true,
                }, RetryAfter30).ExecuteAsync(context);
            }
            else if (queue.Enqueue(workspaceId, forwardedBody, method, messageId) is { } queued)
            {
                outcome = "queued";
                await Contract.Json(202, new JsonObject
                {
                    ["queued"] = true,
                    ["queue_id"] = queued.Call.Id.ToString(),
                    ["queue_depth"] = queued.Depth,
                    ["message"] = "workspace agent busy — request queued, will dispatch when capacity available",
                }).ExecuteAsync(context);
            }
            else
            {
                await Contract.Json(503, new JsonObject
                {
                    ["error"] = "workspace agent busy — retry after a short backoff",
                    ["busy"] = true,
                    ["retry_after"] = 30,
                }, RetryAfter30).ExecuteAsync(context);
            }
        }
        else if (transformer.AgentError is { } agentError)
        {
            context.Response.Body = capture.Inner;
            outcome = "agent_error";
            await Contract.Error(transformer.AgentStatus, agentError).ExecuteAsync(context);
        }
        else if (error != ForwarderError.None)
        {
            outcome = "interrupted";
            LogStreamInterrupted(loggers.CreateLogger("Molecule.PlatformEmulator.Proxy"), workspaceId, error.ToString());
        }

        metrics.ProxyRequests.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
        var responseText = capture.Captured;
        var ok = context.Response.StatusCode < 400 && outcome is "ok";
        activity.Add(workspaceId, "a2a_receive", caller is null ? "canvas" : "agent", new JsonObject
        {
            ["caller_id"] = caller?.ToString(),
            ["method"] = method,
            ["request_body"] = Encoding.UTF8.GetString(forwardedBody),
            ["response_body"] = responseText,
            ["duration_ms"] = (long)time.GetElapsedTime(started).TotalMilliseconds,
            ["status"] = ok ? "ok" : "error",
        });

        if (ok && caller is null)
        {
            events.Publish("A2A_RESPONSE", workspaceId, new JsonObject
            {
                ["response_body"] = responseText,
                ["method"] = method,
                ["duration_ms"] = (long)time.GetElapsedTime(started).TotalMilliseconds,
            });
        }

        if (ok && caller is { } from && state.Find(from) is { } callerRow)
        {
            lock (callerRow.Gate)
            {
                callerRow.LastOutboundAt = time.GetUtcNow();
            }
        }
    }

    private static readonly Dictionary<string, string> RetryAfter30 = new() { ["Retry-After"] = "30" };

    /// <summary>
    /// Busy class per the contract: the agent accepted the connection but gave no answer (EOF or reset before a
    /// response). A refused connection, DNS or TLS failure is "unreachable" (502) instead.
    /// </summary>
    private static bool IsBusyClass(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case HttpRequestException { HttpRequestError: HttpRequestError.ResponseEnded }:
                    return true;
                case HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError or HttpRequestError.SecureConnectionError }:
                    return false;
                case System.Net.Sockets.SocketException { SocketErrorCode: System.Net.Sockets.SocketError.ConnectionReset or System.Net.Sockets.SocketError.ConnectionAborted }:
                    return true;
            }
        }

        return false;
    }

    private static bool HasCapability(WorkspaceRow row, string name)
    {
        lock (row.Gate)
        {
            return row.Capabilities.TryGetValue(name, out var enabled) && enabled;
        }
    }

    /// <summary>
    /// The contract's step 8: a body without a top-level <c>jsonrpc</c> is rewrapped, a <c>params.message</c> without
    /// <c>messageId</c> gets one; anything else passes byte for byte. Also returns the method and the message id (the
    /// busy queue's idempotency key). Null when the body is not a JSON object.
    /// </summary>
    internal static (byte[] Body, string Method, string? MessageId)? Normalise(byte[] body)
    {
        bool hasJsonRpc, needsMessageId;
        string method;
        string? messageId = null;
        if (JsonStrings.FindUnreadable(body) is not null)
        {
            return null;   // parses, but holds text no reader can decode (invalid UTF-8, an unpaired surrogate escape)
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            hasJsonRpc = root.TryGetProperty("jsonrpc", out _);
            method = root.TryGetProperty("method", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString()! : "";
            needsMessageId = false;
            if (root.TryGetProperty("params", out var p) && p.ValueKind == JsonValueKind.Object &&
                p.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.Object)
            {
                needsMessageId = !message.TryGetProperty("messageId", out var id);
                messageId = id.ValueKind == JsonValueKind.String ? id.GetString() : null;
            }
        }
        catch (JsonException)
        {
            return null;
        }

        if (hasJsonRpc && !needsMessageId)
        {
            return (body, method, messageId);
        }

        var request = (JsonObject)JsonNode.Parse(body)!;
        if (!hasJsonRpc)
        {
            request = new JsonObject
            {
                ["jsonrpc"] = "2.0",
                ["id"] = Guid.NewGuid().ToString(),
                ["method"] = request["method"]?.DeepClone(),
                ["params"] = request["params"]?.DeepClone(),
            };
        }

        if (needsMessageId && request["params"] is JsonObject parameters && parameters["message"] is JsonObject added)
        {
            messageId = Guid.NewGuid().ToString();
            added["messageId"] = messageId;
        }

        return (Encoding.UTF8.GetBytes(request.ToJsonString(Contract.WireOptions)), method, messageId);
    }

    /// <summary>The workspace's card through the proxy, with its URLs rewritten to the proxied address.</summary>
    private static async Task CardAsync(string id, HttpContext context, PlatformState state)
    {
        if (Contract.ParseWorkspaceId(id) is not { } guid || state.Find(guid) is not { } row)
        {
            await Contract.Error(404, "workspace not found").ExecuteAsync(context);
            return;
        }

        string? card;
        lock (row.Gate)
        {
            card = row.AgentCard;
        }

        if (card is null || JsonNode.Parse(card) is not JsonObject document)
        {
            await Contract.Error(404, "workspace has no agent card").ExecuteAsync(context);
            return;
        }

        var proxied = $"{context.Request.Scheme}://{context.Request.Host}/workspaces/{guid}/a2a/";
        if (document.ContainsKey("url"))
        {
            document["url"] = proxied;
        }

        if (document["supportedInterfaces"] is JsonArray interfaces)
        {
            foreach (var entry in interfaces.OfType<JsonObject>())
            {
                entry["url"] = proxied;
            }
        }

        var v10 = Contract.Header(context.Request, "A2A-Version").StartsWith('1');
        if (v10)
        {
            foreach (var key in (string[])["protocolVersion", "url", "preferredTransport", "supportsAuthenticatedExtendedCard"])
            {
                document.Remove(key);
            }
        }

        context.Response.Headers.Vary = "A2A-Version";
        await Contract.Ok(document).ExecuteAsync(context);
    }

    [LoggerMessage(EventId = 700, Level = LogLevel.Information, Message = "A2A stream to workspace {WorkspaceId} ended early: {Error}")]
    private static partial void LogStreamInterrupted(ILogger logger, Guid workspaceId, string error);

    /// <summary>Sends the request to the stored URL verbatim with only the A2A headers; maps agent errors.</summary>
    private sealed class A2ATransformer(string destination, bool bufferResponses) : HttpTransformer
    {
        private const int BufferedResponseCap = 10 * 1024 * 1024;

        public string? AgentError { get; private set; }

        public int AgentStatus { get; private set; }

        public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
        {
            await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken);
            proxyRequest.RequestUri = new Uri(destination);
            proxyRequest.Method = HttpMethod.Post;
            foreach (var header in proxyRequest.Headers.Select(h => h.Key).ToArray())
            {
                if (!ForwardedHeaders.Contains(header))
                {
                    proxyRequest.Headers.Remove(header);
                }
            }

            proxyRequest.Headers.Host = null;
        }

        public override async ValueTask<bool> TransformResponseAsync(HttpContext httpContext, HttpResponseMessage? proxyResponse, CancellationToken cancellationToken)
        {
            if (bufferResponses && proxyResponse is not null && (int)proxyResponse.StatusCode < 300)
            {
                // §3 row 7 (quirk): read whole, re-sent as JSON; a stream arrives in one piece at the end, mislabelled.
                var whole = await ReadCappedAsync(proxyResponse.Content, cancellationToken);
                httpContext.Response.StatusCode = whole is null ? StatusCodes.Status502BadGateway : (int)proxyResponse.StatusCode;
                httpContext.Response.ContentType = "application/json";
                await httpContext.Response.Body.WriteAsync(
                    whole ?? """{"error":"failed to read agent response","delivery_confirmed":true}"""u8.ToArray(), cancellationToken);
                return false;
            }

            if (proxyResponse is null || (int)proxyResponse.StatusCode < 300)
            {
                await base.TransformResponseAsync(httpContext, proxyResponse, cancellationToken);
                if (proxyResponse?.Content.Headers.ContentType?.MediaType == "text/event-stream")
                {
                    httpContext.Response.Headers["X-Accel-Buffering"] = "no";
                    httpContext.Response.Headers.CacheControl = "no-cache";
                }

                return true;
            }

            AgentStatus = (int)proxyResponse.StatusCode;
            string? text = null;
            try
            {
                var bytes = await proxyResponse.Content.ReadAsByteArrayAsync(cancellationToken);
                using var document = JsonDocument.Parse(bytes);
                if (document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.String)
                {
                    text = e.GetString();
                }
            }
            catch (Exception ex) when (ex is JsonException or HttpRequestException or IOException)
            {
            }

            AgentError = text ?? (ReasonPhrase(AgentStatus) is { Length: > 0 } phrase ? phrase : $"HTTP {AgentStatus}");
            if (proxyResponse.Headers.RetryAfter is { } retryAfter)
            {
                httpContext.Response.Headers.RetryAfter = retryAfter.ToString();
            }

            return false;
        }

        private static string ReasonPhrase(int status) => Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status);

        private static async Task<byte[]?> ReadCappedAsync(HttpContent content, CancellationToken cancellationToken)
        {
            await using var stream = await content.ReadAsStreamAsync(cancellationToken);
            using var buffer = new MemoryStream();
            var chunk = new byte[64 * 1024];
            int read;
            while ((read = await stream.ReadAsync(chunk, cancellationToken)) > 0)
            {
                if (buffer.Length + read > BufferedResponseCap)
                {
                    return null;
                }

                buffer.Write(chunk, 0, read);
            }

            return buffer.ToArray();
        }
    }

    /// <summary>Passes writes through (flushes included) while keeping the first bytes for the activity row.</summary>
    private sealed class CaptureStream(Stream inner, int limit) : Stream
    {
        private readonly MemoryStream _captured = new();

        public Stream Inner => inner;

        public string Captured => Encoding.UTF8.GetString(_captured.GetBuffer(), 0, (int)_captured.Length);

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush() => inner.Flush();

        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count)
        {
            Keep(buffer.AsSpan(offset, count));
            inner.Write(buffer, offset, count);
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Keep(buffer.Span);
            await inner.WriteAsync(buffer, cancellationToken);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        private void Keep(ReadOnlySpan<byte> bytes)
        {
            var room = limit - (int)_captured.Length;
            if (room > 0)
            {
                _captured.Write(bytes[..Math.Min(room, bytes.Length)]);
            }
        }
    }
}
