using Molecule.PlatformEmulator.Infrastructure;

namespace Molecule.PlatformEmulator.Auth;

/// <summary>
/// WorkspaceAuth for the routes scoped to <c>{id}</c>, applied once to their group: auth first (as the contract orders
/// it), then <c>400 invalid workspace ID</c>; handlers read the parsed id with <see cref="Id"/>.
/// </summary>
public static class WorkspaceScope
{
    private const string ItemKey = "molecule.workspace-id";

    public static TBuilder RequireWorkspaceAuth<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            var guid = Contract.ParseWorkspaceId(http.GetRouteValue("id") as string);
            if (http.RequestServices.GetRequiredService<PlatformAuth>().Workspace(http, guid) is { } denied)
            {
                return denied;
            }

            if (guid is null)
            {
                return Contract.Error(400, "invalid workspace ID");
            }

            http.Items[ItemKey] = guid.Value;
            return await next(context);
        });

    /// <summary>The workspace id of a request that passed <see cref="RequireWorkspaceAuth{TBuilder}"/>.</summary>
    public static Guid Id(HttpContext context) => (Guid)context.Items[ItemKey]!;
}
