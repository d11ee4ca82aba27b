using Microsoft.AspNetCore.Http.HttpResults;
using Molecule.PlatformEmulator.Auth;
using Molecule.PlatformEmulator.Infrastructure;

namespace Molecule.PlatformEmulator.Secrets;

/// <summary>
/// Secrets and the model override (supplement §3): a workspace's own on <c>/workspaces/{id}</c> (WorkspaceAuth;
/// <c>/secrets/values</c> with the own-token re-check), the global ones on <c>/settings/secrets</c> and
/// <c>/admin/secrets</c> (AdminAuth). No list, log line or event ever carries a value.
/// </summary>
public static class SecretEndpoints
{
    public static RouteGroupBuilder MapSecrets(this RouteGroupBuilder scoped)
    {
        var group = scoped.MapFeature("", "Secrets");
        group.MapGet("/secrets", (HttpContext context, SecretStore secrets) =>
            TypedResults.Ok(secrets.List(context.WorkspaceId()).Select(s => Info(s.Entry, s.Global ? "global" : "workspace")).ToArray()));
        group.MapGet("/secrets/values", (HttpContext context, SecretStore secrets) => TypedResults.Ok(secrets.Values(context.WorkspaceId())))
            .RequireOwnTokenOnceIssued();
        group.MapPost("/secrets", SetSecret).WithRequestBody();
        group.MapPut("/secrets", SetSecret).WithRequestBody();
        group.MapDelete("/secrets/{key}", Results<Ok<SecretSaved>, ContractError> (string key, HttpContext context, SecretStore secrets) =>
            secrets.Delete(context.WorkspaceId(), key) ? TypedResults.Ok(new SecretSaved(key, "deleted")) : ContractError.NotFound("secret not found"));
        group.MapGet("/model", (HttpContext context, SecretStore secrets) =>
            TypedResults.Ok(secrets.Get(context.WorkspaceId(), SecretStore.ModelKey) is { } model
                ? new ModelAnswer(model.Value, "workspace_secrets")
                : new ModelAnswer("", "default")));
        group.MapPut("/model", SetModel).WithRequestBody();
        return group;
    }

    /// <summary>The global secrets, under both of the platform's prefixes (only <c>/settings</c> takes PUT).</summary>
    public static RouteGroupBuilder MapGlobalSecrets(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapFeature("", "Secrets").RequireAdminAuth();
        foreach (var prefix in (string[])["/settings/secrets", "/admin/secrets"])
        {
            group.MapGet(prefix, (SecretStore secrets) => TypedResults.Ok(secrets.Globals().Select(e => Info(e, "global")).ToArray()));
            group.MapPost(prefix, SetGlobal).WithRequestBody();
            group.MapDelete(prefix + "/{key}", Results<Ok<GlobalSecretSaved>, ContractError> (string key, SecretStore secrets) =>
                secrets.Delete(null, key) ? TypedResults.Ok(new GlobalSecretSaved(key, "global", "deleted")) : ContractError.NotFound("secret not found"));
        }

        group.MapPut("/settings/secrets", SetGlobal).WithRequestBody();
        return group;
    }

    private static Ok<SecretSaved> SetSecret(Body<SetSecretRequest> body, HttpContext context, SecretStore secrets, TimeProvider time)
    {
        secrets.Set(context.WorkspaceId(), body.Value.Key!, body.Value.Value!, time.GetUtcNow());
        return TypedResults.Ok(new SecretSaved(body.Value.Key!, "saved"));
    }

    private static Ok<GlobalSecretSaved> SetGlobal(Body<SetSecretRequest> body, SecretStore secrets, TimeProvider time)
    {
        secrets.Set(null, body.Value.Key!, body.Value.Value!, time.GetUtcNow());
        return TypedResults.Ok(new GlobalSecretSaved(body.Value.Key!, "global", "saved"));
    }

    private static Results<Ok<StatusAnswer>, Ok<ModelSaved>> SetModel(Body<SetModelRequest> body, HttpContext context, SecretStore secrets, TimeProvider time)
    {
        if (string.IsNullOrEmpty(body.Value.Model))
        {
            secrets.Delete(context.WorkspaceId(), SecretStore.ModelKey);
            return TypedResults.Ok(new StatusAnswer("cleared"));
        }

        secrets.Set(context.WorkspaceId(), SecretStore.ModelKey, body.Value.Model, time.GetUtcNow());
        return TypedResults.Ok(new ModelSaved(body.Value.Model, "saved"));
    }

    private static SecretInfo Info(SecretEntry entry, string scope) =>
        new(Contract.Timestamp(entry.CreatedAt), HasValue: true, entry.Key, scope, Contract.Timestamp(entry.UpdatedAt));
}
