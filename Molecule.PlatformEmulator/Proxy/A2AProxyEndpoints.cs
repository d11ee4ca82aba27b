using Molecule.PlatformEmulator.Auth;
using Molecule.PlatformEmulator.Events;
using Molecule.PlatformEmulator.Infrastructure;
using Molecule.PlatformEmulator.State;
using Molecule.PlatformEmulator.Workspaces;

namespace Molecule.PlatformEmulator.Proxy;

/// <summary>
/// <c>POST /workspaces/{id}/a2a</c>: the platform's A2A gateway, forwarding through <see cref="A2AForwarder"/> with one
/// shared invoker and a per-request destination. Buffered JSON answers pass verbatim; agent errors (≥ 300)
/// become <c>{"error":…}</c>; SSE passes through unbuffered, flushed per event, cancellation reaching the agent.
/// The steps are the contract's (§2.9), each in the part named for it: <see cref="ProxyBody"/> (cap),
/// <see cref="CallerPolicy"/>, <see cref="ProxyDeadline"/>, <see cref="ProxyTarget"/>, <see cref="A2ANormaliser"/>,
/// <see cref="A2AForwarder"/> (forwarding), <see cref="ProxyOutcome"/> (answer and record).
/// </summary>
public static class A2AProxyEndpoints
{
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
            var forwarded = await A2AForwarder.SendAsync(context, target!, call, ceiling, _options, _time);
            var outcome = await ProxyOutcome.AnswerAsync(context, forwarded, target!, call, _queue, _logger);
            ProxyOutcome.Record(context, outcome, target!, caller, call, forwarded.Captured, _time.GetElapsedTime(started), _metrics, _activity, _events, _state, _time);
        }
    }
}
