using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Molecule.PlatformEmulator.Auth;
using Molecule.PlatformEmulator.Events;
using Molecule.PlatformEmulator.Infrastructure;
using Molecule.PlatformEmulator.State;

namespace Molecule.PlatformEmulator.Organisation;

/// <summary>
/// <c>GET /bundles/export/{id}</c> and <c>POST /bundles/import</c> (AdminAuth, supplement §10): a workspace tree out
/// and back in. The emulator holds no templates or containers, so prompts and skills export empty.
/// </summary>
public static class BundleEndpoints
{
    private const int MaxDepth = 32;

    public static RouteGroupBuilder MapBundles(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapFeature("/bundles", "Organisation").RequireAdminAuth();
        group.MapGet("/export/{id}", Results<Ok<Bundle>, ContractError> (string id, PlatformState state) =>
            Contract.ParseWorkspaceId(id) is { } guid && state.Find(guid) is { } row ? TypedResults.Ok(Export(state, row, 0)) : ContractError.NotFound("bundle not found"));
        group.MapPost("/import", (Body<Bundle> body, PlatformState state, EventBus events, TimeProvider time) =>
            TypedResults.Json(Import(body.Value, parentId: null, state, events, time, 0), statusCode: StatusCodes.Status201Created)).WithRequestBody();
        return group;
    }

    private static Bundle Export(PlatformState state, WorkspaceRow row, int depth)
    {
        string name, role;
        int tier;
        string? card;
        lock (row.Gate)
        {
            (name, role, tier, card) = (row.Name, row.Role ?? "", row.Tier, row.AgentCard);
        }

        using var cardDocument = card is null ? null : JsonDocument.Parse(card);
        using var empty = JsonDocument.Parse("[]");
        return new Bundle
        {
            Id = row.Id.ToString(),
            Name = name,
            Description = role,
            Tier = tier,
            Model = "",
            SystemPrompt = "",
            Skills = empty.RootElement.Clone(),
            Tools = empty.RootElement.Clone(),
            Prompts = [],
            SubWorkspaces = depth >= MaxDepth ? [] : [.. state.ChildrenOf(row.Id).Select(c => Export(state, c, depth + 1))],
            AgentCard = cardDocument?.RootElement.Clone(),
            Author = "",
            Version = "1.0.0",
        };
    }

    private static ImportedWorkspace Import(Bundle bundle, Guid? parentId, PlatformState state, EventBus events, TimeProvider time, int depth)
    {
        var id = Guid.NewGuid();
        var name = bundle.Name ?? "";
        var row = state.Add(id, time.GetUtcNow(), r =>
        {
            r.Name = name;
            r.Role = string.IsNullOrEmpty(bundle.Description) ? null : bundle.Description;
            r.Tier = bundle.Tier;   // as given: an absent tier is 0, not the create route's 3
            r.ParentId = parentId;
            r.Runtime = bundle.Runtime;
            r.Status = WorkspaceStatus.Provisioning;
        });
        events.Publish("WORKSPACE_PROVISIONING", id, new JsonObject { ["name"] = name, ["tier"] = row.Tier, ["source_bundle_id"] = bundle.Id });
        var children = depth >= MaxDepth ? [] : (bundle.SubWorkspaces ?? []).Select(child => Import(child, id, state, events, time, depth + 1)).ToArray();
        return new ImportedWorkspace(id.ToString(), name, WorkspaceStatus.Provisioning, null, children.Length == 0 ? null : children);
    }
}
