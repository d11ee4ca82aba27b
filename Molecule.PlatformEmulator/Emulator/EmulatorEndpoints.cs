using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Molecule.PlatformEmulator.Auth;
using Molecule.PlatformEmulator.Faults;
using Molecule.PlatformEmulator.Infrastructure;
using Molecule.PlatformEmulator.State;

namespace Molecule.PlatformEmulator.Emulator;

/// <summary><c>/_emulator/*</c>: reset, outage, the status hook and fault injection (AdminAuth; off with <c>Emulator:TestHooks=false</c>).</summary>
public static class EmulatorEndpoints
{
    public static IEndpointRouteBuilder MapEmulatorHooks(this IEndpointRouteBuilder routes, EmulatorOptions options)
    {
        if (!options.TestHooks)
        {
            return routes;
        }

        var group = routes.MapGroup("/_emulator").WithTags("Emulator");
        group.MapPost("/reset", (HttpContext c, PlatformAuth auth, WorkspaceService service, FaultStore faults, Workspaces.ActivityLog activity, Proxy.A2AQueue queue) =>
            Admin(c, auth, () =>
            {
                service.Reset();
                faults.Clear();
                activity.Clear();
                queue.Clear();
                return Contract.Ok(new JsonObject { ["status"] = "reset" });
            }));
        group.MapPost("/outage", (HttpContext c, PlatformAuth auth, WorkspaceService service, Proxy.A2AQueue queue) =>
            Admin(c, auth, () =>
            {
                service.Outage();
                queue.Clear();
                return Contract.Ok(new JsonObject { ["status"] = "outage" });
            }));
        group.MapPost("/workspaces/{id}/status", SetStatus);
        group.MapGet("/faults", (HttpContext c, PlatformAuth auth, FaultStore faults) =>
            Admin(c, auth, () => Contract.Ok(new JsonArray(faults.All.Select(f => (JsonNode)f.ToJson()).ToArray()))));
        group.MapPost("/faults", AddFault);
        group.MapDelete("/faults", (HttpContext c, PlatformAuth auth, FaultStore faults) =>
            Admin(c, auth, () => Contract.Ok(new JsonObject { ["status"] = "cleared", ["removed"] = faults.Clear() })));
        group.MapDelete("/faults/{id}", (string id, HttpContext c, PlatformAuth auth, FaultStore faults) =>
            Admin(c, auth, () => faults.Remove(id) ? Contract.Ok(new JsonObject { ["status"] = "removed" }) : Contract.Error(404, "fault not found")));
        return routes;
    }

    private static IResult Admin(HttpContext context, PlatformAuth auth, Func<IResult> then) => auth.Admin(context) ?? then();

    private static async Task<IResult> SetStatus(string id, HttpContext context, PlatformAuth auth, WorkspaceService service, EmulatorOptions options)
    {
        if (auth.Admin(context) is { } denied)
        {
            return denied;
        }

        using var request = await Contract.ReadJsonAsync(context, options.MaxBodyBytes);
        if (request.TooLarge)
        {
            return Contract.TooLarge();
        }

        if (Contract.ParseWorkspaceId(id) is not { } guid)
        {
            return Contract.Error(400, "invalid workspace ID");
        }

        if (request.Object is not { } body || !Contract.TryString(body, "status", out var status) ||
            status is null || !WorkspaceStatus.All.Contains(status))
        {
            return Contract.Error(400, "invalid request body");
        }

        if (service.State.Find(guid) is not { } row)
        {
            return Contract.Error(404, "workspace not found");
        }

        service.SetStatus(row, status);
        return Contract.Ok(new JsonObject { ["status"] = "updated" });
    }

    private static async Task<IResult> AddFault(HttpContext context, PlatformAuth auth, FaultStore faults, EmulatorOptions options)
    {
        if (auth.Admin(context) is { } denied)
        {
            return denied;
        }

        using var request = await Contract.ReadJsonAsync(context, options.MaxBodyBytes);
        if (request.Rejection("invalid request body") is { } rejected)
        {
            return rejected;
        }

        var body = request.Object!.Value;

        if (!Contract.TryString(body, "path", out var path) || string.IsNullOrEmpty(path) || !path.StartsWith('/'))
        {
            return Contract.Error(400, "path is required: a route pattern such as /registry/heartbeat or /workspaces/*/a2a");
        }

        if (!Contract.TryString(body, "kind", out var kind) || (kind ??= "status") is not ("status" or "latency" or "reset" or "hang"))
        {
            return Contract.Error(400, "kind must be status, latency, reset or hang");
        }

        if (!Contract.TryString(body, "method", out var method) || !Contract.TryString(body, "workspace_id", out var workspaceText) ||
            !Contract.TryInt(body, "status", out var status) || !Contract.TryInt(body, "latency_ms", out var latency) ||
            !Contract.TryInt(body, "count", out var count) || !Contract.TryNumber(body, "probability", out var probability) ||
            !Contract.TryString(body, "id", out var id))
        {
            return Contract.Error(400, "invalid request body");
        }

        Guid? workspaceId = null;
        if (workspaceText is not null)
        {
            if (Contract.ParseWorkspaceId(workspaceText) is not { } parsed)
            {
                return Contract.Error(400, "workspace_id must be a UUID");
            }

            workspaceId = parsed;
        }

        if (status is { } s && (s < 200 || s > 599))
        {
            return Contract.Error(400, "status must be an HTTP status between 200 and 599");
        }

        if (kind == "latency" && latency is null or < 0 or > 600_000)
        {
            return Contract.Error(400, "latency_ms must be between 0 and 600000 for a latency fault");
        }

        if (count is <= 0 || probability is <= 0 or > 1)
        {
            return Contract.Error(400, "count must be positive and probability in (0, 1]");
        }

        string? faultBody = null;
        if (body.TryGetProperty("body", out var bodyElement) && bodyElement.ValueKind != JsonValueKind.Null)
        {
            faultBody = bodyElement.ValueKind == JsonValueKind.String ? bodyElement.GetString() : bodyElement.GetRawText();
        }

        var pattern = new Regex("^" + Regex.Escape(path).Replace("\\*", "[^/]*", StringComparison.Ordinal) + "$", RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(50));
        var rule = new FaultRule
        {
            Id = string.IsNullOrEmpty(id) ? Guid.NewGuid().ToString("N")[..12] : id,
            Method = method,
            Path = path,
            WorkspaceId = workspaceId,
            Kind = kind,
            Status = (int)(status ?? 503),
            Body = faultBody,
            LatencyMs = (int)(latency ?? 0),
            Probability = probability ?? 1,
            Remaining = count is null ? null : (int)count,
            Pattern = pattern,
        };
        faults.Add(rule);
        return Contract.Json(201, rule.ToJson());
    }
}
