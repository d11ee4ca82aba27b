using Microsoft.AspNetCore.Http.HttpResults;
using Molecule.PlatformEmulator.Auth;
using Molecule.PlatformEmulator.Infrastructure;

namespace Molecule.PlatformEmulator.Delegations;

/// <summary>Delegations on the <c>/workspaces/{id}</c> group (WorkspaceAuth), supplement §4.</summary>
public static class DelegationEndpoints
{
    public static RouteGroupBuilder MapDelegations(this RouteGroupBuilder scoped)
    {
        var group = scoped.MapFeature("", "Delegations");
        group.MapPost("/delegate", Results<JsonHttpResult<DelegatedAnswer>, Ok<IdempotentDelegation>, ContractError> (Body<DelegateRequest> body, HttpContext context,
            DelegationService delegations) =>
        {
            var source = context.WorkspaceId();
            if (string.Equals(body.Value.TargetId, source.ToString(), StringComparison.OrdinalIgnoreCase))
            {
                return ContractError.BadRequest("self-delegation not permitted");
            }

            return delegations.Delegate(source, body.Value) switch
            {
                IdempotentDelegation hit => TypedResults.Ok(hit),
                var answer => TypedResults.Json((DelegatedAnswer)answer, statusCode: StatusCodes.Status202Accepted),
            };
        }).WithRequestBody();
        group.MapGet("/delegations", (HttpContext context, DelegationService delegations) => TypedResults.Ok(delegations.List(context.WorkspaceId())));
        group.MapPost("/delegations/record", (Body<RecordDelegationRequest> body, HttpContext context, DelegationService delegations) =>
        {
            delegations.Record(context.WorkspaceId(), body.Value);
            return TypedResults.Json(new DelegationStatusAnswer(body.Value.DelegationId!, "recorded"), statusCode: StatusCodes.Status202Accepted);
        }).WithRequestBody();
        group.MapPost("/delegations/{delegationId}/update", (string delegationId, Body<UpdateDelegationRequest> body, HttpContext context,
            DelegationService delegations) =>
        {
            delegations.Update(context.WorkspaceId(), delegationId, body.Value);
            return TypedResults.Ok(new DelegationStatusAnswer(delegationId, body.Value.Status!));
        }).WithRequestBody();
        return group;
    }
}
