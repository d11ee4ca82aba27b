using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Molecule.PlatformEmulator.Approvals;
using Molecule.PlatformEmulator.Auth;
using Molecule.PlatformEmulator.Chat;
using Molecule.PlatformEmulator.Delegations;
using Molecule.PlatformEmulator.Infrastructure;
using Molecule.PlatformEmulator.Instructions;
using Molecule.PlatformEmulator.Lifecycle;
using Molecule.PlatformEmulator.Mcp;
using Molecule.PlatformEmulator.Memories;
using Molecule.PlatformEmulator.Secrets;
using Molecule.PlatformEmulator.State;

namespace Molecule.PlatformEmulator.Workspaces;

/// <summary>
/// <c>/workspaces</c>: create, list, read, patch, delete and agent state polling; the routes scoped to one
/// workspace are mapped on the <c>/{id}</c> group by their own features (tokens, activity).
/// </summary>
public static class WorkspaceEndpoints
{
    public static RouteGroupBuilder MapWorkspaces(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapFeature("/workspaces", "Workspaces");
        group.MapPost("", Create).RequireAdminAuth().WithRequestBody();
        group.MapGet("", List).RequireAdminAuth();
        group.MapGet("/{id}", Get).AllowAnyCaller();
        group.MapDelete("/{id}", Delete).RequireAdminAuth();

        var scoped = group.MapGroup("/{id}").RequireWorkspaceAuth();
        scoped.MapPatch("", Patch).WithRequestBody();
        scoped.MapGet("/state", GetState).RequireOwnTokenOnceIssued();
        scoped.MapTokens();
        scoped.MapActivity();
        scoped.MapChat();
        scoped.MapDelegations();
        scoped.MapApprovals();
        scoped.MapMcp();
        scoped.MapLifecycle();
        scoped.MapMemories();
        scoped.MapSecrets();
        scoped.MapResolvedInstructions();
        routes.MapTestToken();
        return group;
    }

    private static Results<JsonHttpResult<CreatedWorkspace>, JsonHttpResult<ExternalWorkspace>, ContractError> Create(
        Body<CreateWorkspaceRequest> body, HttpContext context, WorkspaceService service, EmulatorOptions options)
    {
        var request = body.Value;
        Guid? parentId = null;
        if (request.ParentId is { } parentText)
        {
            if (Contract.ParseWorkspaceId(parentText) is not { } parent || service.State.Find(parent) is not { } parentRow || parentRow.Status == WorkspaceStatus.Removed)
            {
                // §3 row 12: the real platform's foreign-key failure leaks as a 500.
                return options.Quirks.DatastoreError("failed to create workspace", ContractError.BadRequest("invalid workspace fields"));
            }

            parentId = parent;
        }

        var (row, token) = service.Create(request, parentId);
        var id = row.Id.ToString();
        if (!request.IsExternal)
        {
            return Created(new CreatedWorkspace(id, WorkspaceStatus.Provisioning, $"workspace:{id}", request.Access));
        }

        if (token is null)
        {
            return Created(new ExternalWorkspace(id, External: true, WorkspaceStatus.Online, Connection: null));
        }

        var platformUrl = options.ExternalPlatformUrl ?? $"{context.Request.Scheme}://{context.Request.Host}";
        return Created(new ExternalWorkspace(id, External: true, WorkspaceStatus.AwaitingAgent, ConnectionBlock.For(row.Id, request.Name!, platformUrl, token)));
    }

    private static JsonHttpResult<T> Created<T>(T answer) => TypedResults.Json(answer, statusCode: StatusCodes.Status201Created);

    private static Ok<JsonArray> List(WorkspaceService service, EmulatorOptions options)
    {
        var array = new JsonArray();
        foreach (var row in service.State.All)
        {
            if (row.Status != WorkspaceStatus.Removed)
            {
                array.Add(WorkspaceJson.ListElement(row, options));
            }
        }

        return TypedResults.Ok(array);
    }

    private static Results<Ok<JsonObject>, ContractError> Get(string id, WorkspaceService service, EmulatorOptions options)
    {
        if (Contract.ParseWorkspaceId(id) is not { } guid)
        {
            return ContractError.BadRequest("invalid workspace ID");
        }

        return service.State.Find(guid) is { } row ? TypedResults.Ok(WorkspaceJson.DetailElement(row, options)) : ContractError.NotFound("workspace not found");
    }

    private static Results<Ok<PatchAnswer>, ContractError> Patch(Body<PatchWorkspaceRequest> body, HttpContext context, WorkspaceService service, TimeProvider time)
    {
        var guid = context.WorkspaceId();
        var request = body.Value;
        if (service.State.Find(guid) is not { } row)
        {
            return ContractError.NotFound("workspace not found");
        }

        Guid? parentId = null;
        if (request.ParentText is { } parentText)
        {
            if (Contract.ParseWorkspaceId(parentText) is not { } parent || parent == guid || service.State.Find(parent) is null)
            {
                return ContractError.BadRequest("parent_id must name another existing workspace");
            }

            parentId = parent;
        }

        if (request.WorkspaceDir is { } dir && (!dir.StartsWith('/') || dir.Contains("..", StringComparison.Ordinal)))
        {
            return ContractError.BadRequest("invalid workspace directory");
        }

        var needsRestart = false;
        lock (row.Gate)
        {
            row.Name = request.Name ?? row.Name;
            if (request.RoleSet)
            {
                row.Role = string.IsNullOrEmpty(request.RoleText) ? null : request.RoleText;
            }

            row.Tier = request.Tier is { } tier ? (int)tier : row.Tier;
            if (request.ParentSet)
            {
                row.ParentId = parentId;
            }

            row.Collapsed = request.Collapsed ?? row.Collapsed;
            row.Runtime = request.Runtime ?? row.Runtime;
            if (request.WorkspaceDir is { } newDir && newDir != row.WorkspaceDir)
            {
                row.WorkspaceDir = newDir;
                needsRestart = true;
            }

            if (request is { X: { } x, Y: { } y })
            {
                row.X = x;
                row.Y = y;
            }

            row.UpdatedAt = time.GetUtcNow();
        }

        return TypedResults.Ok(new PatchAnswer("updated", needsRestart ? true : null));
    }

    private static Results<Ok<DeleteAnswer>, JsonHttpResult<DeleteConfirmation>, ContractError> Delete(string id, HttpContext context, WorkspaceService service)
    {
        if (Contract.ParseWorkspaceId(id) is not { } guid)
        {
            return ContractError.BadRequest("invalid workspace ID");
        }

        if (service.State.Find(guid) is not { } row)
        {
            return TypedResults.Ok(new DeleteAnswer("removed", 0));
        }

        var confirm = context.Request.Query["confirm"] == "true";
        var purge = context.Request.Query["purge"] == "true";
        var children = service.State.ChildrenOf(guid);
        if (children.Count > 0 && !confirm)
        {
            return TypedResults.Json(new DeleteConfirmation(
                "confirmation_required",
                $"Workspace has {children.Count} child workspace(s); deleting it removes them too. Repeat with ?confirm=true.",
                [.. children.Select(c => new ChildRef(c.Id.ToString(), c.Name))],
                children.Count), statusCode: StatusCodes.Status409Conflict);
        }

        var cascade = service.Delete(row, purge);
        return TypedResults.Ok(new DeleteAnswer(purge ? "purged" : "removed", cascade));
    }

    private static Results<Ok<AgentState>, JsonHttpResult<RemovedState>, ContractError> GetState(HttpContext context, WorkspaceService service)
    {
        var guid = context.WorkspaceId();
        if (service.State.Find(guid) is not { } row)
        {
            return TypedResults.Json(new RemovedState(guid.ToString(), Status: null, Deleted: true), statusCode: StatusCodes.Status404NotFound);
        }

        string status;
        lock (row.Gate)
        {
            status = row.Status;
        }

        return status == WorkspaceStatus.Removed
            ? TypedResults.Json(new RemovedState(guid.ToString(), WorkspaceStatus.Removed, Deleted: true), statusCode: StatusCodes.Status404NotFound)
            : TypedResults.Ok(new AgentState(guid.ToString(), status, status == WorkspaceStatus.Paused, Deleted: false));
    }
}
