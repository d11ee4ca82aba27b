using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Molecule.PlatformEmulator.Auth;
using Molecule.PlatformEmulator.Events;
using Molecule.PlatformEmulator.Infrastructure;
using Molecule.PlatformEmulator.State;

namespace Molecule.PlatformEmulator.Approvals;

/// <summary>
/// Approvals (supplement §5): a workspace asks (<c>APPROVAL_REQUESTED</c>, escalated to its parent), a person decides
/// (<c>APPROVAL_APPROVED</c> / <c>APPROVAL_DENIED</c>), the canvas lists what is pending.
/// </summary>
public static class ApprovalEndpoints
{
    public static RouteGroupBuilder MapApprovals(this RouteGroupBuilder scoped)
    {
        var group = scoped.MapFeature("", "Approvals");
        group.MapPost("/approvals", Request).WithRequestBody();
        group.MapGet("/approvals", (HttpContext context, ApprovalStore approvals) => TypedResults.Ok(approvals.For(context.WorkspaceId()).Select(Entry).ToArray()));
        group.MapPost("/approvals/{approvalId}/decide", Decide).WithRequestBody();
        return group;
    }

    /// <summary><c>GET /approvals/pending</c> (AdminAuth): what waits for a person, across the platform.</summary>
    public static RouteGroupBuilder MapPendingApprovals(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapFeature("/approvals", "Approvals").RequireAdminAuth();
        group.MapGet("/pending", (ApprovalStore approvals, PlatformState state, TimeProvider time) =>
            TypedResults.Ok(approvals.Pending(time.GetUtcNow()).Select(a => new PendingApproval(a.Id.ToString(), a.WorkspaceId.ToString(),
                state.Find(a.WorkspaceId)?.Name ?? "", a.Action, a.Reason, a.Status, Contract.Timestamp(a.CreatedAt))).ToArray()));
        return group;
    }

    private static Results<JsonHttpResult<ApprovalCreated>, ContractError> Request(Body<RequestApprovalRequest> body, HttpContext context, PlatformState state,
        ApprovalStore approvals, EventBus events, EmulatorOptions options, TimeProvider time)
    {
        var id = context.WorkspaceId();
        if (state.Find(id) is null)
        {
            // The real platform's insert fails on the foreign key.
            return options.Quirks.DatastoreError("failed to create approval", ContractError.NotFound("workspace not found"));
        }

        var request = body.Value;
        var approval = approvals.Add(new Approval
        {
            Id = Guid.NewGuid(),
            WorkspaceId = id,
            Action = request.Action!,
            Reason = request.Reason ?? "",
            TaskId = request.TaskId ?? "",
            Context = request.Context.ValueKind == JsonValueKind.Object ? JsonObject.Create(request.Context) : null,
            CreatedAt = time.GetUtcNow(),
        });
        events.Publish("APPROVAL_REQUESTED", id, new JsonObject
        {
            ["approval_id"] = approval.Id.ToString(),
            ["action"] = approval.Action,
            ["reason"] = approval.Reason,
            ["task_id"] = approval.TaskId,
        });
        if (state.ParentOf(id) is { } parent)
        {
            events.Publish("APPROVAL_ESCALATED", parent, new JsonObject
            {
                ["approval_id"] = approval.Id.ToString(),
                ["from_workspace_id"] = id.ToString(),
                ["action"] = approval.Action,
                ["reason"] = approval.Reason,
            });
        }

        return TypedResults.Json(new ApprovalCreated(approval.Id.ToString(), approval.Status), statusCode: StatusCodes.Status201Created);
    }

    private static Results<Ok<ApprovalDecided>, ContractError> Decide(string approvalId, Body<DecideApprovalRequest> body, HttpContext context,
        ApprovalStore approvals, EventBus events, EmulatorOptions options, TimeProvider time)
    {
        if (Contract.ParseWorkspaceId(approvalId) is not { } id)
        {
            return options.Quirks.DatastoreError("failed to update", ContractError.NotFound("approval not found or already decided"));
        }

        var request = body.Value;
        var decidedBy = string.IsNullOrEmpty(request.DecidedBy) ? "human" : request.DecidedBy;
        var workspace = context.WorkspaceId();
        if (!approvals.Decide(workspace, id, request.Decision!, decidedBy, time.GetUtcNow()))
        {
            return ContractError.NotFound("approval not found or already decided");
        }

        events.Publish(request.Decision == "approved" ? "APPROVAL_APPROVED" : "APPROVAL_DENIED", workspace, new JsonObject
        {
            ["approval_id"] = id.ToString(),
            ["decision"] = request.Decision,
            ["decided_by"] = decidedBy,
        });
        return TypedResults.Ok(new ApprovalDecided(id.ToString(), request.Decision!));
    }

    private static ApprovalEntry Entry(Approval a) => new(a.Id.ToString(), a.TaskId, a.Action, a.Reason, a.Status, a.DecidedBy,
        a.DecidedAt is { } at ? Contract.Timestamp(at) : null, Contract.Timestamp(a.CreatedAt));
}
