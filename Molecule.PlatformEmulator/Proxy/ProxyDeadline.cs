using Molecule.PlatformEmulator.Infrastructure;

namespace Molecule.PlatformEmulator.Proxy;

/// <summary>How long a proxied call may take (contract §2.9 step 1): <c>X-Timeout</c> seconds, else 30 minutes for agent callers, none for the canvas.</summary>
public static class ProxyDeadline
{
    private static readonly TimeSpan AgentCallerCeiling = TimeSpan.FromMinutes(30);

    public static TimeSpan? For(HttpContext context, Guid? caller, EmulatorOptions options)
    {
        var text = Contract.Header(context.Request, "X-Timeout");
        if (text.Length > 0 && int.TryParse(text, out var seconds) && seconds > 0)
        {
            // §3 row 10: the real forward ignores the value; X-Timeout only removes the 30-minute ceiling.
            return options.Quirks.XTimeoutOnlyLiftsCeiling ? null : TimeSpan.FromSeconds(seconds);
        }

        return caller is not null ? AgentCallerCeiling : null;
    }
}
