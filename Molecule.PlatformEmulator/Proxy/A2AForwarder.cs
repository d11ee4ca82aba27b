using System.Buffers;
using System.Collections.Frozen;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;

namespace Molecule.PlatformEmulator.Proxy;

/// <summary>How a forwarded call ended, for the answer the agent did not give itself (contract §2.9 steps 10-11).</summary>
internal enum ForwardFailure
{
    /// <summary>The agent answered, and its answer (or its error, mapped) is what the caller gets.</summary>
    None,

    /// <summary>Nothing reached the agent or came back from it: refused, unresolvable, a broken answer (502).</summary>
    Unreachable,

    /// <summary>Accepted but unanswered: ended or reset before a response, silent past the idle timeout or the caller's deadline, or the caller left.</summary>
    Busy,

    /// <summary>The answer broke off after it had begun; the caller's connection is aborted so it cannot pass for complete.</summary>
    Interrupted,
}

/// <summary>What became of a forwarded call: how it ended, the agent's own error (status ≥ 300) and the answer's first bytes.</summary>
internal readonly record struct ForwardResult(ForwardFailure Failure, int AgentStatus, string? AgentError, byte[] Captured);

/// <summary>
/// Contract §2.9 step 9: sends the normalised call to the stored URL exactly as stored and passes the answer back —
/// buffered JSON verbatim, SSE as each event arrives, an agent error (≥ 300) read for its text.
/// The body is already in memory, so headers and body leave in one write (a streaming forwarder flushes the headers
/// first, which costs the agent a second wake-up per call); one timer bounds both the agent's idle time, reset by
/// every sign of progress, and the caller's deadline.
/// </summary>
internal static class A2AForwarder
{
    private const int CapturedBytes = 256 * 1024;
    private const int BufferedResponseCap = 10 * 1024 * 1024;
    private const int CopyBufferBytes = 64 * 1024;

    /// <summary>The only caller headers that reach the agent.</summary>
    private static readonly string[] ForwardedHeaders =
    [
        "Accept", "A2A-Version", "A2A-Extensions", "X-A2A-Extensions", "Last-Event-ID", "User-Agent",
    ];

    /// <summary>
    /// The caller's trace context, which reaches the agent as the parent of the proxy's own span: HttpClient writes
    /// the current span's context, so these pass verbatim only when the request has no span at all.
    /// </summary>
    private static readonly string[] TraceHeaders = ["traceparent", "tracestate"];

    /// <summary>Hop-by-hop and connection-specific answer headers, which describe the agent's connection, not the answer.</summary>
    private static readonly FrozenSet<string> UnforwardedAnswerHeaders = new[]
    {
        HeaderNames.Connection, HeaderNames.TransferEncoding, HeaderNames.KeepAlive, HeaderNames.Upgrade, HeaderNames.ProxyConnection,
        HeaderNames.ProxyAuthenticate, "Proxy-Authentication-Info", HeaderNames.ProxyAuthorization, "Proxy-Features", "Proxy-Instruction",
        "Security-Scheme", "ALPN", "Close", "HTTP2-Settings", HeaderNames.UpgradeInsecureRequests, HeaderNames.TE, HeaderNames.AltSvc,
    }.ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    private static readonly byte[] UnreadableAnswer = """{"error":"failed to read agent response","delivery_confirmed":true}"""u8.ToArray();

    // One pooled connection set for every agent.
    private static readonly HttpMessageInvoker Invoker = new(new SocketsHttpHandler
    {
        UseProxy = false,
        AllowAutoRedirect = false,
        UseCookies = false,
        AutomaticDecompression = DecompressionMethods.None,
        ConnectTimeout = TimeSpan.FromSeconds(15),
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
    });

    public static async Task<ForwardResult> SendAsync(HttpContext context, ProxyTarget target, NormalisedCall call, TimeSpan? ceiling,
        EmulatorOptions options, TimeProvider time)
    {
        var started = time.GetTimestamp();
        TimeSpan NextLimit()
        {
            // The idle timeout from now, or what is left of the caller's deadline when that ends first.
            if (ceiling is not { } c)
            {
                return options.A2AIdleTimeout;
            }

            var left = c - time.GetElapsedTime(started);
            return left <= TimeSpan.Zero ? TimeSpan.Zero : left < options.A2AIdleTimeout ? left : options.A2AIdleTimeout;
        }

        using var limit = new CancellationTokenSource(NextLimit(), time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, limit.Token);
        var token = linked.Token;

        using var request = new HttpRequestMessage(HttpMethod.Post, target.Destination)
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,   // HTTP/2 where TLS negotiates it, HTTP/1.1 otherwise
            Content = new ByteArrayContent(call.Body),
        };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        Forward(context.Request.Headers, ForwardedHeaders, request.Headers);
        if (Activity.Current is null)
        {
            Forward(context.Request.Headers, TraceHeaders, request.Headers);
        }

        HttpResponseMessage answer;
        try
        {
            answer = await Invoker.SendAsync(request, token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or InvalidOperationException or NotSupportedException)
        {
            var busy = ex is OperationCanceledException || AgentErrors.IsBusyClass(ex) || (ceiling is { } c && time.GetElapsedTime(started) >= c);
            return new ForwardResult(busy ? ForwardFailure.Busy : ForwardFailure.Unreachable, 0, null, []);
        }

        using (answer)
        {
            Action progressed = () => Rearm(limit, NextLimit());   // every chunk of the answer, buffered or passed on, is progress
            progressed();   // and so is its head
            var status = (int)answer.StatusCode;
            if (status >= 300)
            {
                var bytes = await ReadWholeAsync(answer.Content, progressed, token).ConfigureAwait(false) ?? [];
                if (answer.Headers.RetryAfter is { } retryAfter)
                {
                    context.Response.Headers.RetryAfter = retryAfter.ToString();
                }

                return new ForwardResult(ForwardFailure.None, status, AgentErrors.Text(status, bytes), []);
            }

            if (options.Quirks.BufferStreamingResponses)
            {
                return await SendBufferedAsync(context, answer, status, progressed, token).ConfigureAwait(false);
            }

            context.Response.StatusCode = status;
            CopyHeaders(answer.Headers, context.Response.Headers);
            CopyHeaders(answer.Content.Headers, context.Response.Headers);
            if (answer.Content.Headers.ContentType?.MediaType == "text/event-stream")
            {
                context.Response.Headers["X-Accel-Buffering"] = "no";
                context.Response.Headers.CacheControl = "no-cache";
                context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
            }

            return await CopyBodyAsync(context, answer.Content, progressed, token).ConfigureAwait(false);
        }
    }

    /// <summary>§3 row 7 (quirk): the answer read whole and re-sent as JSON, so a stream arrives in one piece at the end, mislabelled.</summary>
    private static async Task<ForwardResult> SendBufferedAsync(HttpContext context, HttpResponseMessage answer, int status, Action progressed,
        CancellationToken token)
    {
        var whole = await ReadWholeAsync(answer.Content, progressed, token).ConfigureAwait(false);
        context.Response.StatusCode = whole is null ? StatusCodes.Status502BadGateway : status;
        context.Response.ContentType = "application/json";
        var body = whole ?? UnreadableAnswer;
        try
        {
            await context.Response.Body.WriteAsync(body, token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException)
        {
            context.Abort();
            return new ForwardResult(ForwardFailure.Interrupted, 0, null, []);
        }

        return new ForwardResult(ForwardFailure.None, 0, null, body.Length <= CapturedBytes ? body : body[..CapturedBytes]);
    }

    /// <summary>The answer passed on as it arrives, its first bytes kept for the activity row.</summary>
    private static async Task<ForwardResult> CopyBodyAsync(HttpContext context, HttpContent content, Action progressed, CancellationToken token)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(CopyBufferBytes);
        var captured = new CapturedPrefix(CapturedBytes);
        try
        {
            await using var source = await content.ReadAsStreamAsync(token).ConfigureAwait(false);
            int read;
            while ((read = await source.ReadAsync(buffer, token).ConfigureAwait(false)) > 0)
            {
                progressed();
                captured.Keep(buffer.AsSpan(0, read));
                await context.Response.Body.WriteAsync(buffer.AsMemory(0, read), token).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or OperationCanceledException)
        {
            if (!context.Response.HasStarted)
            {
                // Nothing went out yet: the agent's headers go, and the caller gets the platform's own answer instead.
                context.Response.Clear();
                return new ForwardResult(ex is OperationCanceledException ? ForwardFailure.Busy : ForwardFailure.Unreachable, 0, null, []);
            }

            context.Abort();
            return new ForwardResult(ForwardFailure.Interrupted, 0, null, captured.ToArray());
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return new ForwardResult(ForwardFailure.None, 0, null, captured.ToArray());
    }

    /// <summary>Moves the limit's timer: made with a <see cref="TimeProvider"/>, the source keeps that provider's timer and changes it.</summary>
    private static void Rearm(CancellationTokenSource limit, TimeSpan after)
    {
#pragma warning disable RS0030 // the source was made with the emulator's TimeProvider: CancelAfter changes that provider's timer
        limit.CancelAfter(after);
#pragma warning restore RS0030
    }

    private static async Task<byte[]?> ReadWholeAsync(HttpContent content, Action progressed, CancellationToken token)
    {
        try
        {
            return await CappedContent.ReadAsync(content, BufferedResponseCap, token, progressed).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or OperationCanceledException)
        {
            return null;
        }
    }

    private static void Forward(IHeaderDictionary incoming, string[] names, HttpRequestHeaders to)
    {
        foreach (var name in names)
        {
            if (incoming.TryGetValue(name, out var values) && values.Count > 0)
            {
                to.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
            }
        }
    }

    private static void CopyHeaders(HttpHeaders from, IHeaderDictionary to)
    {
        foreach (var (name, values) in from.NonValidated)
        {
            if (!UnforwardedAnswerHeaders.Contains(name))
            {
                to[name] = values.Count == 1 ? values.ToString() : values.ToArray();
            }
        }
    }

    /// <summary>The first bytes of an answer, up to a limit, in one array sized as they arrive.</summary>
    private struct CapturedPrefix(int limit)
    {
        private byte[] _bytes = [];
        private int _length;

        public void Keep(ReadOnlySpan<byte> chunk)
        {
            var take = Math.Min(limit - _length, chunk.Length);
            if (take <= 0)
            {
                return;
            }

            if (_length + take > _bytes.Length)
            {
                Array.Resize(ref _bytes, Math.Min(limit, Math.Max(_length + take, _bytes.Length * 2)));
            }

            chunk[..take].CopyTo(_bytes.AsSpan(_length));
            _length += take;
        }

        public readonly byte[] ToArray() => _length == _bytes.Length ? _bytes : _bytes[.._length];
    }
}
