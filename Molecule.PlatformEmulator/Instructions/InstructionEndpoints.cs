using Microsoft.AspNetCore.Http.HttpResults;
using Molecule.PlatformEmulator.Auth;
using Molecule.PlatformEmulator.Infrastructure;
using Molecule.PlatformEmulator.State;

namespace Molecule.PlatformEmulator.Instructions;

/// <summary>
/// Platform instructions (<c>/instructions</c>, AdminAuth), what they resolve to for one workspace, and the parent's
/// shared context (supplement §7).
/// </summary>
public static class InstructionEndpoints
{
    public static RouteGroupBuilder MapInstructions(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapFeature("/instructions", "Instructions").RequireAdminAuth();
        group.MapGet("", (HttpContext context, InstructionStore instructions) =>
        {
            var query = context.Request.Query;
            var rows = query["workspace_id"].ToString() is { Length: > 0 } workspace
                ? instructions.For(workspace)
                : instructions.All(query["scope"].ToString() is { Length: > 0 } scope ? scope : null);
            return TypedResults.Ok(rows.Select(Answer).ToArray());
        });
        group.MapPost("", (Body<CreateInstructionRequest> body, InstructionStore instructions, TimeProvider time) =>
        {
            var request = body.Value;
            var row = instructions.Add(request.Scope!, request.ScopeTarget, request.Title!, request.Content!, request.Priority ?? 0, time.GetUtcNow());
            return TypedResults.Json(new CreatedId(row.Id.ToString()), statusCode: StatusCodes.Status201Created);
        }).WithRequestBody();
        group.MapPut("/{instructionId}", Update).WithRequestBody();
        group.MapDelete("/{instructionId}", Results<Ok<StatusAnswer>, ContractError> (string instructionId, InstructionStore instructions, EmulatorOptions options) =>
            Contract.ParseWorkspaceId(instructionId) is not { } id
                ? NotAnId(options, "delete failed")
                : instructions.Delete(id) ? TypedResults.Ok(new StatusAnswer("deleted")) : ContractError.NotFound("instruction not found"));
        return group;
    }

    /// <summary><c>instructions/resolve</c> and <c>shared-context</c> on the <c>/workspaces/{id}</c> group (WorkspaceAuth).</summary>
    public static RouteGroupBuilder MapResolvedInstructions(this RouteGroupBuilder scoped)
    {
        var group = scoped.MapFeature("", "Instructions");
        group.MapGet("/instructions/resolve", (HttpContext context, InstructionStore instructions) =>
        {
            var id = context.WorkspaceId().ToString();
            return TypedResults.Ok(new ResolvedInstructions(instructions.Resolve(id), id));
        });

        // The files a parent shares with its children: the emulator provisions no container and holds no template
        // folder, so a known workspace shares none, as the real platform answers for a workspace without either.
        group.MapGet("/shared-context", Results<Ok<SharedContextFile[]>, ContractError> (HttpContext context, PlatformState state) =>
            state.Find(context.WorkspaceId()) is null ? ContractError.NotFound("workspace not found") : TypedResults.Ok(Array.Empty<SharedContextFile>()));
        return group;
    }

    private static Results<Ok<StatusAnswer>, ContractError> Update(string instructionId, Body<UpdateInstructionRequest> body, InstructionStore instructions,
        EmulatorOptions options, TimeProvider time)
    {
        if (Contract.ParseWorkspaceId(instructionId) is not { } id)
        {
            return NotAnId(options, "update failed");
        }

        var request = body.Value;
        var now = time.GetUtcNow();
        return instructions.Update(id, row => row with
        {
            Title = request.Title ?? row.Title,
            Content = request.Content ?? row.Content,
            Priority = request.Priority ?? row.Priority,
            Enabled = request.Enabled ?? row.Enabled,
            UpdatedAt = now,
        })
            ? TypedResults.Ok(new StatusAnswer("updated"))
            : ContractError.NotFound("instruction not found");
    }

    /// <summary>A non-UUID id: the real platform's query fails (500); a plain 404 under Compatible.</summary>
    private static ContractError NotAnId(EmulatorOptions options, string realText) =>
        options.Quirks.DatastoreError(realText, ContractError.NotFound("instruction not found"));

    private static InstructionAnswer Answer(Instruction row) => new(row.Id.ToString(), row.Scope, row.ScopeTarget, row.Title, row.Content, row.Priority,
        row.Enabled, Contract.Timestamp(row.CreatedAt), Contract.Timestamp(row.UpdatedAt));
}
