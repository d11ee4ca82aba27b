using Molecule.PlatformEmulator.Infrastructure;
using Molecule.PlatformEmulator.State;

namespace Molecule.PlatformEmulator.Proxy;

/// <summary>The workspace a proxied call goes to and the URL it forwards to (as stored, and parsed), or the answer when it cannot go.</summary>
public sealed record ProxyTarget(Guid Id, WorkspaceRow Row, string Url, Uri Destination)
{
    /// <summary>
    /// Contract §2.9 steps 6-7: the id, the row, its budget, its URL and the URL policy, in that order — for the proxy
    /// route and for the calls the platform makes itself (<see cref="PlatformA2A"/>).
    /// </summary>
    public static async Task<(ProxyTarget? Target, ProxyRefusal? Refusal)> ResolveAsync(string id, PlatformState state, EmulatorOptions options,
        Registry.UrlPolicy urls, CancellationToken cancellationToken)
    {
        if (Contract.ParseWorkspaceId(id) is not { } workspaceId)
        {
            // §3 row 12: the real platform's lookup of a non-UUID id leaks as a 500.
            return (null, ProxyRefusal.Of(options.Quirks.DatastoreError("lookup failed", ContractError.BadRequest("invalid workspace ID"))));
        }

        if (state.Find(workspaceId) is not { } row)
        {
            return (null, ProxyRefusal.Of(ContractError.NotFound("workspace not found")));
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
            return (null, ProxyRefusal.Of(ContractError.PaymentRequired("workspace budget limit exceeded")));
        }

        if (url.Length == 0)
        {
            if (status == WorkspaceStatus.Hibernated)
            {
                const string waking = "workspace is waking from hibernation — retry in ~15 seconds";
                return (null, new ProxyRefusal(StatusCodes.Status503ServiceUnavailable, waking,
                    TypedResults.Json(new WakingAnswer(waking, Waking: true, RetryAfter: 15), statusCode: StatusCodes.Status503ServiceUnavailable), RetryAfter: "15"));
            }

            return (null, new ProxyRefusal(StatusCodes.Status503ServiceUnavailable, "workspace has no URL",
                TypedResults.Json(new Registry.UnavailableAnswer("workspace has no URL", status), statusCode: StatusCodes.Status503ServiceUnavailable)));
        }

        if (!await urls.AllowsForwardingAsync(url, cancellationToken) || Registry.UrlPolicy.ParseHttpUrl(url) is not { } destination)
        {
            return (null, ProxyRefusal.Of(ContractError.BadGateway("workspace URL is not publicly routable")));
        }

        return (new ProxyTarget(workspaceId, row, url, destination), null);
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

/// <summary>Why a call cannot go to its target: the status and error text, and the proxy route's answer for it.</summary>
public sealed record ProxyRefusal(int Status, string Error, IResult Answer, string? RetryAfter = null)
{
    public static ProxyRefusal Of(ContractError error) => new(error.StatusCode, error.Error, error);

    /// <summary>Answers the proxied request with the refusal (and its <c>Retry-After</c>).</summary>
    public Task ExecuteAsync(HttpContext context)
    {
        if (RetryAfter is not null)
        {
            context.Response.Headers.RetryAfter = RetryAfter;
        }

        return Answer.ExecuteAsync(context);
    }
}
