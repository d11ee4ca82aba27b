using Molecule.PlatformEmulator.Infrastructure;
using Molecule.PlatformEmulator.State;

namespace Molecule.PlatformEmulator.Proxy;

/// <summary>The workspace a proxied call goes to and the URL it forwards to, or the answer when it cannot go.</summary>
public sealed record ProxyTarget(Guid Id, WorkspaceRow Row, string Url)
{
    /// <summary>Contract §2.9 steps 6-7: the id, the row, its budget, its URL and the URL policy, in that order.</summary>
    public static async Task<(ProxyTarget? Target, IResult? Refusal)> ResolveAsync(string id, PlatformState state, EmulatorOptions options,
        Registry.UrlPolicy urls, HttpContext context)
    {
        if (Contract.ParseWorkspaceId(id) is not { } workspaceId)
        {
            // §3 row 12: the real platform's lookup of a non-UUID id leaks as a 500.
            return (null, options.Quirks.DatastoreErrorsAs500 ? ContractError.Internal("lookup failed") : ContractError.BadRequest("invalid workspace ID"));
        }

        if (state.Find(workspaceId) is not { } row)
        {
            return (null, ContractError.NotFound("workspace not found"));
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
            return (null, ContractError.PaymentRequired("workspace budget limit exceeded"));
        }

        if (url.Length == 0)
        {
            if (status == WorkspaceStatus.Hibernated)
            {
                context.Response.Headers.RetryAfter = "15";
                return (null, TypedResults.Json(new WakingAnswer("workspace is waking from hibernation — retry in ~15 seconds", Waking: true, RetryAfter: 15),
                    statusCode: StatusCodes.Status503ServiceUnavailable));
            }

            return (null, TypedResults.Json(new Registry.UnavailableAnswer("workspace has no URL", status), statusCode: StatusCodes.Status503ServiceUnavailable));
        }

        if (!await urls.AllowsForwardingAsync(url, context.RequestAborted))
        {
            return (null, ContractError.BadGateway("workspace URL is not publicly routable"));
        }

        return (new ProxyTarget(workspaceId, row, url), null);
    }

    /// <summary>Whether the agent declared a runtime capability in its last heartbeat.</summary>
    public bool HasCapability(string name)
    {
        lock (Row.Gate)
        {
            return Row.Capabilities.TryGetValue(name, out var enabled) && enabled;
        }
    }
}
