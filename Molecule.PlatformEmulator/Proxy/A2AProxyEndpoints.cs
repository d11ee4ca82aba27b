using System.Diagnostics;
using System.Net;
using Molecule.PlatformEmulator.Auth;
using Molecule.PlatformEmulator.Events;
using Molecule.PlatformEmulator.Infrastructure;
using Molecule.PlatformEmulator.State;
using Molecule.PlatformEmulator.Workspaces;
using Yarp.ReverseProxy.Forwarder;

namespace Molecule.PlatformEmulator.Proxy;

/// <summary>
/// <c>POST /workspaces/{id}/a2a</c>: the platform's A2A gateway, forwarding through YARP's <see cref="IHttpForwarder"/>
/// with one shared invoker and a per-request destination. Buffered JSON answers pass verbatim; agent errors (≥ 300)
/// become <c>{"error":…}</c>; SSE passes through unbuffered, flushed per event, cancellation reaching the agent.
/// The steps are the contract's (§2.9), each in the part named for it: <see cref="ProxyBody"/> (cap),
/// <see cref="CallerPolicy"/>, <see cref="ProxyDeadline"/>, <see cref="ProxyTarget"/>, <see cref="A2ANormaliser"/>,
/// <see cref="A2ATransformer"/> (forwarding), <see cref="ProxyOutcome"/> (answer and record).
/// </summary>
public static class A2AProxyEndpoints
{
    private const int CapturedResponseBytes = 256 * 1024;

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

    public static RouteGroupBuilder MapA2AProxy(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapFeature("/workspaces/{id}/a2a", "A2A");

        // A request delegate rather than a route handler: the platform's busiest route skips parameter binding, the
        // request's service scope and two endpoint filters (6–17 µs of CPU per call, bench/README.md) and stays a
        // routed endpoint, so its spans and http.server.request.duration keep http.route.
        group.MapPost("", new Gateway(routes.ServiceProvider).ForwardAsync).WithMetadata(new AuthTierMetadata(AuthTier.Caller));
        group.MapGet("/.well-known/agent-card.json", ProxiedCard.GetAsync).AllowAnyCaller();
        return group;
    }

    /// <summary>The route's steps in the contract's order, over the platform's singletons resolved once.</summary>
    private sealed class Gateway(IServiceProvider services)
    {
        private readonly PlatformState _state = services.GetRequiredService<PlatformState>();
        private readonly EventBus _events = services.GetRequiredService<EventBus>();
        private readonly ActivityLog _activity = services.GetRequiredService<ActivityLog>();
        private readonly EmulatorOptions _options = services.GetRequiredService<EmulatorOptions>();
        private readonly IHttpForwarder _forwarder = services.GetRequiredService<IHttpForwarder>();
        private readonly EmulatorMetrics _metrics = services.GetRequiredService<EmulatorMetrics>();
        private readonly TimeProvider _time = services.GetRequiredService<TimeProvider>();
        private readonly A2AQueue _queue = services.GetRequiredService<A2AQueue>();
        private readonly Registry.UrlPolicy _urls = services.GetRequiredService<Registry.UrlPolicy>();
        private readonly ILogger _logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("Molecule.PlatformEmulator.Proxy");

        public async Task ForwardAsync(HttpContext context)
        {
            // Step 2, the cap, comes before the caller policy (steps 3-5), as the body is read before anything is decided.
            var body = await ProxyBody.ReadAsync(context, _options);
            if ((body.Rejection ?? CallerPolicy.Decide(context, services)) is { } refused)
            {
                await refused.ExecuteAsync(context);
                return;
            }

            var caller = context.Caller();
            var ceiling = ProxyDeadline.For(context, caller, _options);
            var (target, refusal) = await ProxyTarget.ResolveAsync((string)context.Request.RouteValues["id"]!, _state, _options, _urls, context.RequestAborted);
            if (refusal is not null)
            {
                await refusal.ExecuteAsync(context);
                return;
            }

            if (A2ANormaliser.Normalise(body.Bytes) is not { } call)
            {
                await ContractError.BadRequest("invalid JSON").ExecuteAsync(context);
                return;
            }

            var started = _time.GetTimestamp();
            var (error, transformer, deadlinePassed, capture) = await SendAsync(context, target!, call, ceiling, _forwarder, _options, _time);
            var outcome = await ProxyOutcome.AnswerAsync(context, error, transformer, deadlinePassed, target!, call, _queue, _logger);
            ProxyOutcome.Record(context, outcome, target!, caller, call, capture.Captured, _time.GetElapsedTime(started), _metrics, _activity, _events, _state, _time);
        }
    }

    /// <summary>Step 9: forwards <paramref name="call"/> to the stored URL exactly as stored, keeping the answer's first bytes.</summary>
    private static async Task<(ForwarderError Error, A2ATransformer Transformer, bool DeadlinePassed, CaptureStream Capture)> SendAsync(
        HttpContext context, ProxyTarget target, NormalisedCall call, TimeSpan? ceiling, IHttpForwarder forwarder, EmulatorOptions options, TimeProvider time)
    {
        context.Request.Body = new MemoryStream(call.Body);
        context.Request.ContentLength = call.Body.Length;
        context.Request.ContentType = "application/json";
        var capture = new CaptureStream(context.Response.Body, CapturedResponseBytes);
        context.Response.Body = capture;

        // The canvas's calls have no ceiling: they end with the caller, and cost no timer or linked token.
        using var deadline = ceiling is { } c ? new CancellationTokenSource(c, time) : null;
        using var linked = deadline is null ? null : CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, deadline.Token);
        var originalAborted = context.RequestAborted;
        context.RequestAborted = linked?.Token ?? originalAborted;
        var transformer = new A2ATransformer(target.Destination, options.Quirks.BufferStreamingResponses);
        try
        {
            var error = await forwarder.SendAsync(context, target.Url, Invoker,
                new ForwarderRequestConfig { ActivityTimeout = options.A2AIdleTimeout, AllowResponseBuffering = false }, transformer);
            return (error, transformer, deadline?.IsCancellationRequested == true, capture);
        }
        finally
        {
            context.RequestAborted = originalAborted;
            context.Response.Body = capture.Inner;
        }
    }
}
