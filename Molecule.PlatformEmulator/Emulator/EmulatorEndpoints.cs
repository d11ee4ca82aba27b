using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.HttpResults;
using Molecule.PlatformEmulator.Auth;
using Molecule.PlatformEmulator.Faults;
using Molecule.PlatformEmulator.Infrastructure;
using Molecule.PlatformEmulator.State;

namespace Molecule.PlatformEmulator.Emulator;

/// <summary><c>/_emulator/*</c>: reset, outage, the status hook and fault injection (AdminAuth; off with <c>Emulator:TestHooks=false</c>).</summary>
public static class EmulatorEndpoints
{
    public static RouteGroupBuilder MapEmulatorHooks(this IEndpointRouteBuilder routes, EmulatorOptions options)
    {
        var group = routes.MapFeature("/_emulator", "Emulator").RequireAdminAuth();
        if (!options.TestHooks)
        {
            return group;
        }

        group.MapPost("/reset", (WorkspaceService service, FaultStore faults, Workspaces.ActivityLog activity, Proxy.A2AQueue queue) =>
        {
            service.Reset();
            faults.Clear();
            activity.Clear();
            queue.Clear();
            return TypedResults.Ok(new StatusAnswer("reset"));
        });
        group.MapPost("/outage", (WorkspaceService service, Proxy.A2AQueue queue) =>
        {
            service.Outage();
            queue.Clear();
            return TypedResults.Ok(new StatusAnswer("outage"));
        });
        group.MapPost("/workspaces/{id}/status", SetStatus).WithRequestBody();
        group.MapGet("/faults", (FaultStore faults) => TypedResults.Ok(new JsonArray([.. faults.All.Select(f => (JsonNode)f.ToJson())])));
        group.MapPost("/faults", AddFault).WithRequestBody();
        group.MapDelete("/faults", (FaultStore faults) => TypedResults.Ok(new ClearedAnswer("cleared", faults.Clear())));
        group.MapDelete("/faults/{id}", Results<Ok<StatusAnswer>, ContractError> (string id, FaultStore faults) =>
            faults.Remove(id) ? TypedResults.Ok(new StatusAnswer("removed")) : ContractError.NotFound("fault not found"));
        return group;
    }

    private static Results<Ok<StatusAnswer>, ContractError> SetStatus(string id, Body<SetStatusRequest> body, WorkspaceService service)
    {
        if (Contract.ParseWorkspaceId(id) is not { } guid)
        {
            return ContractError.BadRequest("invalid workspace ID");
        }

        if (service.State.Find(guid) is not { } row)
        {
            return ContractError.NotFound("workspace not found");
        }

        service.SetStatus(row, body.Value.Status!);
        return TypedResults.Ok(new StatusAnswer("updated"));
    }

    private static JsonHttpResult<JsonObject> AddFault(Body<AddFaultRequest> body, FaultStore faults)
    {
        var request = body.Value;
        var pattern = new Regex("^" + Regex.Escape(request.Path!).Replace("\\*", "[^/]*", StringComparison.Ordinal) + "$",
            RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(50));
        var rule = new FaultRule
        {
            Id = string.IsNullOrEmpty(request.Id) ? Guid.NewGuid().ToString("N")[..12] : request.Id,
            Method = request.Method,
            Path = request.Path!,
            WorkspaceId = Contract.ParseWorkspaceId(request.WorkspaceId),
            Kind = request.EffectiveKind,
            Status = (int)(request.Status ?? 503),
            Body = request.BodyText,
            LatencyMs = (int)(request.LatencyMs ?? 0),
            Probability = request.Probability ?? 1,
            Remaining = request.Count is null ? null : (int)request.Count,
            Pattern = pattern,
        };
        faults.Add(rule);
        return TypedResults.Json(rule.ToJson(), statusCode: StatusCodes.Status201Created);
    }
}
