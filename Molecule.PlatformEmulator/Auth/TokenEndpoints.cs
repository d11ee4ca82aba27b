using System.Text.Json.Nodes;
using Molecule.PlatformEmulator.Infrastructure;
using Molecule.PlatformEmulator.State;

namespace Molecule.PlatformEmulator.Auth;

/// <summary>
/// Workspace tokens: list, mint and revoke on <c>/workspaces/{id}/tokens</c> (WorkspaceAuth, from the scoped group),
/// and the admin test token <c>/admin/workspaces/{id}/test-token</c>.
/// </summary>
public static class TokenEndpoints
{
    /// <summary>Maps the token routes on the <c>/workspaces/{id}</c> group that already requires WorkspaceAuth.</summary>
    public static RouteGroupBuilder MapTokens(this RouteGroupBuilder scoped)
    {
        scoped.MapGet("/tokens", ListTokens);
        scoped.MapPost("/tokens", CreateToken);
        scoped.MapDelete("/tokens/{tokenId}", RevokeToken);
        return scoped;
    }

    public static RouteHandlerBuilder MapTestToken(this IEndpointRouteBuilder routes) =>
        routes.MapGet("/admin/workspaces/{id}/test-token", TestToken).WithTags("Workspaces");

    private static IResult ListTokens(HttpContext context, WorkspaceService service)
    {
        var guid = WorkspaceScope.Id(context);

        var limit = int.TryParse(context.Request.Query["limit"], out var l) && l is >= 1 and <= 200 ? l : 50;
        var offset = int.TryParse(context.Request.Query["offset"], out var o) && o >= 0 ? o : 0;
        var tokens = new JsonArray();
        foreach (var token in service.State.Tokens.Live(guid).Skip(offset).Take(limit))
        {
            tokens.Add(new JsonObject
            {
                ["id"] = token.Id.ToString(),
                ["prefix"] = token.Prefix,
                ["created_at"] = Contract.Timestamp(token.CreatedAt),
                ["last_used_at"] = Contract.Timestamp(token.LastUsedAt),
            });
        }

        return Contract.Ok(new JsonObject { ["tokens"] = tokens, ["count"] = tokens.Count });
    }

    private static IResult CreateToken(HttpContext context, WorkspaceService service)
    {
        var guid = WorkspaceScope.Id(context);

        if (service.State.Find(guid) is null)
        {
            return Contract.Error(404, "workspace not found");
        }

        if (service.State.Tokens.Live(guid).Count >= 50)
        {
            return Contract.Error(429, "maximum 50 active tokens per workspace");
        }

        var (plaintext, _) = service.State.Tokens.Mint(guid);
        return Contract.Json(201, new JsonObject
        {
            ["auth_token"] = plaintext,
            ["workspace_id"] = guid.ToString(),
            ["message"] = "Save this token now — it cannot be retrieved again.",
        });
    }

    private static IResult RevokeToken(string tokenId, HttpContext context, WorkspaceService service)
    {
        var guid = WorkspaceScope.Id(context);

        return Contract.ParseWorkspaceId(tokenId) is { } token && service.State.Tokens.Revoke(guid, token)
            ? Contract.Ok(new JsonObject { ["status"] = "revoked" })
            : Contract.Error(404, "token not found or already revoked");
    }

    private static IResult TestToken(string id, HttpContext context, PlatformAuth auth, EmulatorOptions options, WorkspaceService service)
    {
        if (!options.TestTokensEnabled)
        {
            return Contract.Error(404, "not found");
        }

        if (options.AdminToken is not null && !auth.IsAdminToken(Contract.Bearer(context.Request)))
        {
            return Contract.Error(401, "admin auth required");
        }

        if (Contract.ParseWorkspaceId(id) is not { } guid || service.State.Find(guid) is null)
        {
            return Contract.Error(404, "workspace not found");
        }

        var (plaintext, _) = service.State.Tokens.Mint(guid);
        return Contract.Ok(new JsonObject { ["auth_token"] = plaintext, ["workspace_id"] = guid.ToString() });
    }
}
