using Molecule.PlatformEmulator.Auth;
using Molecule.PlatformEmulator.Infrastructure;
using Molecule.PlatformEmulator.State;

namespace Molecule.PlatformEmulator.Proxy;

/// <summary>
/// Who may call a workspace through the proxy (contract §2.9 steps 3-5), decided before the gateway forwards: a reserved caller
/// prefix is 403; another workspace as caller must pass the registry rule (caller texts) and the hierarchy rule; no
/// caller is the canvas, which needs AdminAuth only with <c>Emulator:RequireCanvasAuth</c>.
/// </summary>
public static class CallerPolicy
{
    private const string CallerKey = "molecule.proxy-caller";

    private static readonly string[] ReservedCallerPrefixes = ["webhook:", "system:", "test:", "channel:"];

    /// <summary>The calling workspace of a request that passed the policy; null for the canvas (or a non-UUID self-call).</summary>
    public static Guid? Caller(this HttpContext context) => context.Items[CallerKey] as Guid?;

    /// <summary>The refusal of <paramref name="http"/>'s caller, or null when it may call; <paramref name="services"/> holds the platform's singletons.</summary>
    public static ContractError? Decide(HttpContext http, IServiceProvider services)
    {
        var callerText = Contract.Header(http.Request, "X-Workspace-ID");
        var target = http.GetRouteValue("id") as string;
        if (callerText.Length == 0)
        {
            var options = services.GetRequiredService<EmulatorOptions>();
            return options.RequireCanvasAuth ? services.GetRequiredService<PlatformAuth>().Admin(http) : null;
        }

        if (ReservedCallerPrefixes.Any(p => callerText.StartsWith(p, StringComparison.Ordinal)))
        {
            return ContractError.Forbidden("invalid caller ID");
        }

        var caller = Contract.ParseWorkspaceId(callerText);
        http.Items[CallerKey] = caller;
        if (string.Equals(callerText, target, StringComparison.OrdinalIgnoreCase))
        {
            return null;   // a workspace calling itself
        }

        if (caller is { } callerId && services.GetRequiredService<PlatformAuth>().Registry(http, callerId, caller: true) is { } denied)
        {
            return denied;
        }

        return caller is null || Contract.ParseWorkspaceId(target) is not { } targetId || !services.GetRequiredService<PlatformState>().CanCommunicate(caller.Value, targetId)
            ? ContractError.Forbidden("access denied: workspaces cannot communicate per hierarchy rules")
            : null;
    }
}
