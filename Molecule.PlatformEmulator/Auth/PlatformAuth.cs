using System.Security.Cryptography;
using System.Text;
using Molecule.PlatformEmulator.Infrastructure;
using Molecule.PlatformEmulator.State;

namespace Molecule.PlatformEmulator.Auth;

/// <summary>AdminAuth, WorkspaceAuth and the registry's "grandfathered" rule, exactly as the contract writes them.</summary>
public sealed class PlatformAuth(EmulatorOptions options, TokenRegistry tokens)
{
    private readonly byte[]? _adminHash = options.AdminToken is { } admin ? SHA256.HashData(Encoding.UTF8.GetBytes(admin)) : null;


    public bool IsAdminToken(string? bearer) =>
        bearer is not null && _adminHash is not null &&
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(bearer)), _adminHash);

    /// <summary>Null when the request passes AdminAuth; otherwise the 401 to send.</summary>
    public ContractError? Admin(HttpContext context)
    {
        if (!tokens.AnyLive && options.AdminToken is null)
        {
            return null;   // fresh-install fail-open
        }

        if (options.IsDevMode)
        {
            return null;
        }

        var bearer = Contract.Bearer(context.Request);
        if (bearer is null)
        {
            return ContractError.Unauthorized("admin auth required");
        }

        if (options.AdminToken is not null)
        {
            return IsAdminToken(bearer) ? null : ContractError.Unauthorized("invalid admin auth token");
        }

        return tokens.Find(bearer) is not null ? null : ContractError.Unauthorized("invalid admin auth token");
    }

    /// <summary>CanvasOrBearer; under Compatible the emulator's own canvas (same origin as the request) is an allowed origin too.</summary>
    public ContractError? CanvasOrBearer(HttpContext context)
    {
        if (!tokens.AnyLive)
        {
            return null;
        }

        if (Contract.Bearer(context.Request) is { } bearer)
        {
            return IsAdminToken(bearer) || tokens.Find(bearer) is not null ? null : ContractError.Unauthorized("invalid admin auth token");
        }

        var origin = Contract.Header(context.Request, "Origin");
        var sameOrigin = !options.Strict && origin == $"{context.Request.Scheme}://{context.Request.Host}";
        return origin.Length > 0 && (sameOrigin || options.CorsOrigins.Contains(origin, StringComparer.Ordinal) ||
               origin is "http://localhost:3000" or "http://localhost:3001")
            ? null
            : ContractError.Unauthorized("admin auth required");
    }

    /// <summary>WorkspaceAuth for a route scoped to <paramref name="id"/> (which may not even parse yet).</summary>
    public ContractError? Workspace(HttpContext context, Guid? id)
    {
        var bearer = Contract.Bearer(context.Request);
        if (bearer is not null)
        {
            if (IsAdminToken(bearer))
            {
                return null;
            }

            return id is { } workspace && tokens.IsLiveTokenOf(bearer, workspace) ? null : ContractError.Unauthorized("invalid workspace auth token");
        }

        return options.IsDevMode ? null : ContractError.Unauthorized("missing workspace auth token");
    }

    /// <summary>The registry rule for subject <paramref name="subject"/>; <paramref name="caller"/> switches the texts.</summary>
    public ContractError? Registry(HttpContext context, Guid subject, bool caller = false, bool devModePasses = false)
    {
        if (!tokens.HasLive(subject))
        {
            return null;
        }

        if (devModePasses && options.IsDevMode)
        {
            return null;
        }

        var who = caller ? "caller" : "workspace";
        var bearer = Contract.Bearer(context.Request);
        if (bearer is null)
        {
            return ContractError.Unauthorized($"missing {who} auth token");
        }

        return tokens.IsLiveTokenOf(bearer, subject) ? null : ContractError.Unauthorized($"invalid {who} auth token");
    }
}
