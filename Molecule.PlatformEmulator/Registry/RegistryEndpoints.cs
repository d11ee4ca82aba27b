using System.Text.Json;
using System.Text.Json.Nodes;
using Molecule.PlatformEmulator.Auth;
using Molecule.PlatformEmulator.Infrastructure;
using Molecule.PlatformEmulator.State;

namespace Molecule.PlatformEmulator.Registry;

/// <summary><c>/registry/*</c>: register, heartbeat, update-card, discover, peers and check-access.</summary>
public static class RegistryEndpoints
{
    public static IEndpointRouteBuilder MapRegistry(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/registry").WithTags("Registry");
        group.MapPost("/register", Register);
        group.MapPost("/heartbeat", Heartbeat);
        group.MapPost("/update-card", UpdateCard);
        group.MapGet("/discover/{id}", Discover);
        group.MapGet("/{id}/peers", Peers);
        group.MapPost("/check-access", CheckAccess);
        return routes;
    }

    private static async Task<IResult> Register(HttpContext context, PlatformAuth auth, WorkspaceService service, EmulatorOptions options, UrlPolicy urls)
    {
        using var request = await Contract.ReadJsonAsync(context, options.MaxBodyBytes);
        if (request.TooLarge)
        {
            return Contract.TooLarge();
        }

        if (request.Object is not { } body ||
            !Contract.TryString(body, "id", out var idText) || idText is null ||
            !Contract.TryString(body, "url", out var url) || url is null ||
            !body.TryGetProperty("agent_card", out var card) || card.ValueKind == JsonValueKind.Null)
        {
            return Contract.Error(400, "invalid request body");
        }

        if (Contract.ParseWorkspaceId(idText) is not { } id)
        {
            // §3 row 12: the real platform's datastore rejects the id and the error leaks as a 500.
            return options.Quirks.DatastoreErrorsAs500 ? Contract.Error(500, "registration failed") : Contract.Error(400, "invalid request body");
        }

        if (!await urls.AllowsRegistrationAsync(url, context.RequestAborted))
        {
            var rejected = new JsonObject { ["error"] = "invalid request body" };
            if (options.IncludeDetail)
            {
                rejected["detail"] = urls.Strict
                    ? "url must resolve to a public address (loopback, private, link-local and reserved ranges are refused; only the literal host localhost skips the lookup)"
                    : "url must be an http(s) URL with a host; link-local and metadata addresses are refused";
            }

            return Contract.Json(400, rejected);
        }

        if (auth.Registry(context, id) is { } denied)
        {
            return denied;
        }

        if (service.State.Find(id) is { } existing && existing.Status == WorkspaceStatus.Removed)
        {
            // §3 row 3: the real platform answers 200 and mints a token that never validates; the row stays removed.
            return options.Quirks.AcceptRegistryCallsForRemoved
                ? Contract.Ok(new JsonObject { ["status"] = "registered", ["auth_token"] = TokenRegistry.NewPlaintext() })
                : Contract.Error(404, "workspace removed");
        }

        var (_, token) = service.Register(id, url, card.GetRawText());
        var result = new JsonObject { ["status"] = "registered" };
        if (token is not null)
        {
            result["auth_token"] = token;
        }

        return Contract.Ok(result);
    }

    private static async Task<IResult> Heartbeat(HttpContext context, PlatformAuth auth, WorkspaceService service, EmulatorOptions options, Proxy.A2AQueue queue)
    {
        using var request = await Contract.ReadJsonAsync(context, options.MaxBodyBytes);
        if (request.TooLarge)
        {
            return Contract.TooLarge();
        }

        if (request.Object is not { } body ||
            !Contract.TryString(body, "workspace_id", out var idText) || idText is null ||
            !Contract.TryNumber(body, "error_rate", out var errorRate) || !Contract.TryString(body, "sample_error", out var sampleError) ||
            !Contract.TryInt(body, "active_tasks", out var activeTasks) || !Contract.TryInt(body, "uptime_seconds", out var uptime) ||
            !Contract.TryString(body, "current_task", out var currentTask) || !Contract.TryInt(body, "monthly_spend", out var spend) ||
            !Contract.TryString(body, "runtime_state", out var runtimeState) ||
            (body.TryGetProperty("runtime_metadata", out var metadata) && metadata.ValueKind is not (JsonValueKind.Object or JsonValueKind.Null)) ||
            activeTasks is < 0 or > int.MaxValue)
        {
            return Contract.Error(400, "invalid request body");
        }

        if (Contract.ParseWorkspaceId(idText) is not { } id)
        {
            return options.Quirks.DatastoreErrorsAs500 ? Contract.Error(500, "failed to update") : Contract.Error(400, "invalid request body");
        }

        if (auth.Registry(context, id) is { } denied)
        {
            return denied;
        }

        if (service.State.Find(id) is not { } row || row.Status == WorkspaceStatus.Removed)
        {
            // §3 row 3: the real platform's heartbeat is a 200 no-op for unknown and removed workspaces.
            return options.Quirks.AcceptRegistryCallsForRemoved ? Contract.StatusOk() : Contract.Error(404, "workspace not found");
        }

        service.Heartbeat(row, new WorkspaceService.HeartbeatInput(
            errorRate ?? 0, sampleError ?? "", (int)(activeTasks ?? 0), uptime ?? 0, currentTask ?? "", spend, runtimeState ?? "",
            metadata.ValueKind == JsonValueKind.Object ? (JsonObject?)JsonNode.Parse(metadata.GetRawText()) : null));

        // Spare capacity reported: the platform drains one queued A2A call (contract §2.10).
        string rowUrl;
        int maxTasks;
        lock (row.Gate)
        {
            (rowUrl, maxTasks) = (row.Url, row.MaxConcurrentTasks);
        }

        queue.OnHeartbeat(id, rowUrl, (int)(activeTasks ?? 0), maxTasks);
        return Contract.StatusOk();
    }

    private static async Task<IResult> UpdateCard(HttpContext context, PlatformAuth auth, WorkspaceService service, EmulatorOptions options)
    {
        using var request = await Contract.ReadJsonAsync(context, options.MaxBodyBytes);
        if (request.TooLarge)
        {
            return Contract.TooLarge();
        }

        if (request.Object is not { } body ||
            !Contract.TryString(body, "workspace_id", out var idText) || idText is null ||
            !body.TryGetProperty("agent_card", out var card) || card.ValueKind == JsonValueKind.Null)
        {
            return Contract.Error(400, "invalid request body");
        }

        if (Contract.ParseWorkspaceId(idText) is not { } id)
        {
            return options.Quirks.DatastoreErrorsAs500 ? Contract.Error(500, "failed to update card") : Contract.Error(400, "invalid request body");
        }

        var tokenless = options.AllowTokenlessUpdateCard && Contract.Bearer(context.Request) is null;
        if (!tokenless && auth.Registry(context, id) is { } denied)
        {
            return denied;
        }

        if (service.State.Find(id) is not { } row || (row.Status == WorkspaceStatus.Removed && !options.Quirks.AcceptRegistryCallsForRemoved))
        {
            // §3 row 3: the real platform answers 200 for unknown ids (no-op) and rewrites a removed workspace's card.
            return options.Quirks.AcceptRegistryCallsForRemoved ? Contract.Ok(new JsonObject { ["status"] = "updated" }) : Contract.Error(404, "workspace not found");
        }

        service.UpdateCard(row, card.GetRawText());
        return Contract.Ok(new JsonObject { ["status"] = "updated" });
    }

    private static readonly TimeSpan RegisteredUrlCacheTime = TimeSpan.FromMinutes(5);

    private static async Task<IResult> Discover(string id, HttpContext context, PlatformAuth auth, WorkspaceService service, EmulatorOptions options, TimeProvider time, UrlPolicy urls)
    {
        var callerText = Contract.Header(context.Request, "X-Workspace-ID");
        if (string.IsNullOrEmpty(callerText))
        {
            return Contract.Error(400, "X-Workspace-ID header is required");
        }

        var caller = Contract.ParseWorkspaceId(callerText);
        if (caller is { } c && auth.Registry(context, c, devModePasses: true) is { } denied)
        {
            return denied;
        }

        if (Contract.ParseWorkspaceId(id) is not { } target)
        {
            return Contract.Error(404, "workspace not found");
        }

        if (service.State.Find(target) is not { } row)
        {
            return Contract.Error(404, "workspace not found");
        }

        if (caller is null || !service.State.CanCommunicate(caller.Value, target))
        {
            return Contract.Error(403, "not authorized to discover this workspace");
        }

        string url, name, status, runtime;
        DateTimeOffset? registeredAt;
        lock (row.Gate)
        {
            (url, name, status, runtime, registeredAt) = (row.Url, row.Name, row.Status, row.Runtime, row.RegisteredAt);
        }

        if (runtime != "external" && options.Quirks.RegisteredUrlExpires && (registeredAt is null || time.GetUtcNow() - registeredAt > RegisteredUrlCacheTime))
        {
            url = "";   // §3 row 14 (quirk): the real platform caches the registered URL for 5 minutes only
        }

        if (runtime == "external" && url.Length > 0)
        {
            if (!await urls.AllowsRegistrationAsync(url, context.RequestAborted))
            {
                return Contract.Error(503, "workspace URL failed safety check");
            }

            var callerExternal = service.State.Find(caller.Value) is { } callerRow && callerRow.IsExternal;
            if (!callerExternal && options.LoopbackRewriteHost is { } rewrite && Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.IsLoopback)
            {
                url = new UriBuilder(uri) { Host = rewrite }.Uri.AbsoluteUri.TrimEnd('/');
            }
        }
        else if (url.Length == 0)
        {
            if (status is WorkspaceStatus.Online or WorkspaceStatus.Degraded)
            {
                url = $"http://ws-{target.ToString()[..12]}:8000";
            }
            else
            {
                return Contract.Json(503, new JsonObject { ["error"] = "workspace not available", ["status"] = status });
            }
        }

        return Contract.Ok(new JsonObject { ["id"] = target.ToString(), ["url"] = url, ["name"] = name });
    }

    private static IResult Peers(string id, HttpContext context, PlatformAuth auth, WorkspaceService service)
    {
        var guid = Contract.ParseWorkspaceId(id);
        if (guid is { } subject && auth.Registry(context, subject, devModePasses: true) is { } denied)
        {
            return denied;
        }

        if (guid is null || service.State.Find(guid.Value) is not { } self)
        {
            return Contract.Error(404, "workspace not found");
        }

        Guid? parent;
        lock (self.Gate)
        {
            parent = self.ParentId;
        }

        var query = context.Request.Query["q"].ToString();
        var peers = new JsonArray();
        foreach (var row in service.State.All)
        {
            if (row.Id == self.Id)
            {
                continue;
            }

            bool include;
            lock (row.Gate)
            {
                include = row.Status != WorkspaceStatus.Removed &&
                          (row.ParentId == parent || row.ParentId == self.Id || row.Id == parent) &&
                          (query.Length == 0 || row.Name.Contains(query, StringComparison.OrdinalIgnoreCase) ||
                           (row.Role?.Contains(query, StringComparison.OrdinalIgnoreCase) ?? false));
            }

            if (include)
            {
                peers.Add(WorkspaceService.PeerElement(row));
            }
        }

        return Contract.Ok(peers);
    }

    private static async Task<IResult> CheckAccess(HttpContext context, WorkspaceService service, EmulatorOptions options)
    {
        using var request = await Contract.ReadJsonAsync(context, options.MaxBodyBytes);
        if (request.TooLarge)
        {
            return Contract.TooLarge();
        }

        if (request.Object is not { } body ||
            !Contract.TryString(body, "caller_id", out var callerText) || callerText is null ||
            !Contract.TryString(body, "target_id", out var targetText) || targetText is null)
        {
            return Contract.Error(400, "invalid request body");
        }

        var allowed = Contract.ParseWorkspaceId(callerText) is { } caller && Contract.ParseWorkspaceId(targetText) is { } target && service.State.CanCommunicate(caller, target);
        return Contract.Ok(new JsonObject { ["allowed"] = allowed });
    }
}
