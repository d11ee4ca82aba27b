using Microsoft.AspNetCore.Http.HttpResults;
using Molecule.PlatformEmulator.Infrastructure;
using Molecule.PlatformEmulator.State;

namespace Molecule.PlatformEmulator.Auth;

/// <summary>
/// Workspace tokens: list, mint and revoke on <c>/workspaces/{id}/tokens</c> (WorkspaceAuth, from the scoped group),
/// and the admin test token <c>/admin/workspaces/{id}/test-token</c>.
/// </summary>
public static class TokenEndpoints
{
    private const int MaxLiveTokens = 50;

    /// <summary>Maps the token routes on the <c>/workspaces/{id}</c> group that already requires WorkspaceAuth.</summary>
    public static RouteGroupBuilder MapTokens(this RouteGroupBuilder scoped)
    {
        scoped.MapGet("/tokens", ListTokens);
        scoped.MapPost("/tokens", CreateToken);
        scoped.MapDelete("/tokens/{tokenId}", RevokeToken);
        return scoped;
    }

    public static RouteGroupBuilder MapTestToken(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapFeature("/admin/workspaces/{id}", "Auth").RequireTestTokenAuth();
        group.MapGet("/test-token", TestToken);
        return group;
    }

    private static Ok<TokenList> ListTokens(HttpContext context, TokenRegistry tokens)
    {
        var limit = int.TryParse(context.Request.Query["limit"], out var l) && l is >= 1 and <= 200 ? l : 50;
        var offset = int.TryParse(context.Request.Query["offset"], out var o) && o >= 0 ? o : 0;
        var page = tokens.Live(context.WorkspaceId()).Skip(offset).Take(limit)
            .Select(t => new TokenInfo(t.Id.ToString(), t.Prefix, Contract.Timestamp(t.CreatedAt), t.LastUsedAt is { } used ? Contract.Timestamp(used) : null))
            .ToArray();
        return TypedResults.Ok(new TokenList(page, page.Length));
    }

    private static Results<JsonHttpResult<MintedToken>, ContractError> CreateToken(HttpContext context, PlatformState state)
    {
        var guid = context.WorkspaceId();
        if (state.Find(guid) is null)
        {
            return ContractError.NotFound("workspace not found");
        }

        if (state.Tokens.Live(guid).Count >= MaxLiveTokens)
        {
            return ContractError.TooManyRequests("maximum 50 active tokens per workspace");
        }

        var (plaintext, _) = state.Tokens.Mint(guid);
        return TypedResults.Json(new MintedToken(plaintext, guid.ToString(), "Save this token now — it cannot be retrieved again."),
            statusCode: StatusCodes.Status201Created);
    }

    private static Results<Ok<StatusAnswer>, ContractError> RevokeToken(string tokenId, HttpContext context, TokenRegistry tokens) =>
        Contract.ParseWorkspaceId(tokenId) is { } token && tokens.Revoke(context.WorkspaceId(), token)
            ? TypedResults.Ok(new StatusAnswer("revoked"))
            : ContractError.NotFound("token not found or already revoked");

    private static Results<Ok<TestToken>, ContractError> TestToken(string id, PlatformState state)
    {
        if (Contract.ParseWorkspaceId(id) is not { } guid || state.Find(guid) is null)
        {
            return ContractError.NotFound("workspace not found");
        }

        var (plaintext, _) = state.Tokens.Mint(guid);
        return TypedResults.Ok(new TestToken(plaintext, guid.ToString()));
    }
}

public sealed record TokenInfo(string Id, string Prefix, string CreatedAt, string? LastUsedAt);

public sealed record TokenList(IReadOnlyList<TokenInfo> Tokens, int Count);

public sealed record MintedToken(string AuthToken, string WorkspaceId, string Message);

public sealed record TestToken(string AuthToken, string WorkspaceId);
