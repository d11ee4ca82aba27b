using Molecule.PlatformEmulator.Infrastructure;

namespace Molecule.PlatformEmulator.Auth;

/// <summary>The contract's auth tiers (§1), one per route, declared on the route as endpoint metadata.</summary>
public enum AuthTier
{
    /// <summary>No platform auth: health, the canvas assets, a workspace's public read.</summary>
    Open,

    /// <summary>AdminAuth: the admin token (or, before one exists, any live workspace token; fail-open on a fresh install).</summary>
    Admin,

    /// <summary>WorkspaceAuth on <c>{id}</c>: that workspace's live token or the admin token.</summary>
    Workspace,

    /// <summary>The registry's grandfathered rule: a workspace with no live token passes, else its own token is required.</summary>
    Registry,

    /// <summary>The A2A proxy's caller policy: the registry rule on <c>X-Workspace-ID</c> plus the hierarchy rule.</summary>
    Caller,

    /// <summary>The admin test-token route: the admin token itself, when test tokens are enabled.</summary>
    TestToken,

    /// <summary>CanvasOrBearer (supplement §0): the admin token or any live workspace token, else an allowed canvas <c>Origin</c>.</summary>
    CanvasOrBearer,
}

/// <summary>Endpoint metadata naming the route's <see cref="AuthTier"/>.</summary>
public sealed record AuthTierMetadata(AuthTier Tier);

/// <summary>
/// Auth as endpoint filters, so no handler takes an auth decision: each convention adds the check and the
/// <see cref="AuthTierMetadata"/> the architecture test reads. On a group it runs before every route's own filters.
/// </summary>
public static class AuthConventions
{
    private const string WorkspaceIdKey = "molecule.workspace-id";

    /// <summary>A route with no platform auth.</summary>
    public static TBuilder AllowAnyCaller<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new AuthTierMetadata(AuthTier.Open));

    /// <summary>AdminAuth.</summary>
    public static TBuilder RequireAdminAuth<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder
    {
        return Check(builder, AuthTier.Admin, static http => Auth(http).Admin(http));
    }

    /// <summary>
    /// WorkspaceAuth for the routes scoped to <c>{id}</c>: auth first (as the contract orders it), then
    /// <c>400 invalid workspace ID</c>; handlers read the parsed id with <see cref="WorkspaceId"/>.
    /// </summary>
    public static TBuilder RequireWorkspaceAuth<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder
    {
        builder.WithMetadata(new AuthTierMetadata(AuthTier.Workspace));
        return builder.AddEndpointFilter(static async (context, next) =>
        {
            var http = context.HttpContext;
            var guid = Contract.ParseWorkspaceId(http.GetRouteValue("id") as string);
            if (http.RequestServices.GetRequiredService<PlatformAuth>().Workspace(http, guid) is { } denied)
            {
                return denied;
            }

            if (guid is null)
            {
                return ContractError.BadRequest("invalid workspace ID");
            }

            http.Items[WorkspaceIdKey] = guid.Value;
            return await next(context);
        });
    }

    /// <summary>
    /// The own-token re-check some WorkspaceAuth handlers add (<c>/state</c>, <c>/secrets/values</c>): once the workspace
    /// has a live token, only that workspace's own bearer passes (the admin token does not). Apply after
    /// <see cref="RequireWorkspaceAuth{TBuilder}"/>.
    /// </summary>
    public static TBuilder RequireOwnTokenOnceIssued<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        Check(builder, tier: null, static http =>
        {
            var guid = http.WorkspaceId();
            var tokens = http.RequestServices.GetRequiredService<State.TokenRegistry>();
            return tokens.HasLive(guid) && (Contract.Bearer(http.Request) is not { } bearer || !tokens.IsLiveTokenOf(bearer, guid))
                ? ContractError.Unauthorized("invalid workspace auth token")
                : null;
        });

    /// <summary>The workspace id of a request that passed <see cref="RequireWorkspaceAuth{TBuilder}"/>.</summary>
    public static Guid WorkspaceId(this HttpContext context) => (Guid)context.Items[WorkspaceIdKey]!;

    /// <summary>
    /// The registry rule on a subject the request names outside its body (a route value, a header); no subject (it
    /// is absent or no UUID) passes here and the handler answers with its own text.
    /// </summary>
    public static TBuilder RequireRegistryAuth<TBuilder>(this TBuilder builder, Func<HttpContext, Guid?> subject, bool devModePasses = false)
        where TBuilder : IEndpointConventionBuilder
    {
        return Check(builder, AuthTier.Registry, http => subject(http) is { } id ? Auth(http).Registry(http, id, devModePasses: devModePasses) : null);
    }

    /// <summary>
    /// The registry rule on the workspace a request record names (register, heartbeat, update-card). Put it after
    /// <see cref="RequestBodyConventions.WithRequestBody{TBuilder}"/>: the contract binds the body before it checks auth.
    /// <paramref name="exempt"/> lets a route skip the rule (update-card's tokenless switch).
    /// </summary>
    public static TBuilder RequireRegistryAuth<TBuilder, TBody>(this TBuilder builder, Func<TBody, Guid> subject, Func<HttpContext, bool>? exempt = null)
        where TBuilder : IEndpointConventionBuilder
        where TBody : class, IRequestBody<TBody>
    {
        builder.WithMetadata(new AuthTierMetadata(AuthTier.Registry));
        return builder.AddEndpointFilterFactory((factory, next) =>
        {
            var index = Array.FindIndex(factory.MethodInfo.GetParameters(), p => p.ParameterType == typeof(Body<TBody>));
            if (index < 0)
            {
                throw new InvalidOperationException($"{factory.MethodInfo.Name} takes no Body<{typeof(TBody).Name}> for the registry rule to read.");
            }

            var auth = factory.ApplicationServices.GetRequiredService<PlatformAuth>();
            return context =>
            {
                var http = context.HttpContext;
                return exempt?.Invoke(http) != true && context.Arguments[index] is Body<TBody> { Rejection: null } body && auth.Registry(http, subject(body.Value)) is { } denied
                    ? ValueTask.FromResult<object?>(denied)
                    : next(context);
            };
        });
    }

    /// <summary>CanvasOrBearer: no live token anywhere passes; a bearer must be the admin token or a live one; else an allowed Origin. No dev-mode pass.</summary>
    public static TBuilder RequireCanvasOrBearer<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder
    {
        return Check(builder, AuthTier.CanvasOrBearer, static http => Auth(http).CanvasOrBearer(http));
    }

    /// <summary>The admin test-token route: 404 unless test tokens are on, then the admin token itself when one is set.</summary>
    public static TBuilder RequireTestTokenAuth<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder
    {
        return Check(builder, AuthTier.TestToken, static http =>
        {
            var options = http.RequestServices.GetRequiredService<EmulatorOptions>();
            return !options.TestTokensEnabled ? ContractError.NotFound("not found")
                : options.AdminToken is not null && !Auth(http).IsAdminToken(Contract.Bearer(http.Request)) ? ContractError.Unauthorized("admin auth required")
                : null;
        });
    }

    private static PlatformAuth Auth(HttpContext http) => http.RequestServices.GetRequiredService<PlatformAuth>();

    /// <summary>The shape of every check above: declare the tier, answer the refusal, or go on (no state machine per request).</summary>
    private static TBuilder Check<TBuilder>(TBuilder builder, AuthTier? tier, Func<HttpContext, ContractError?> decide)
        where TBuilder : IEndpointConventionBuilder
    {
        if (tier is { } declared)
        {
            builder.WithMetadata(new AuthTierMetadata(declared));
        }

        return builder.AddEndpointFilter((context, next) => decide(context.HttpContext) is { } denied ? ValueTask.FromResult<object?>(denied) : next(context));
    }
}
