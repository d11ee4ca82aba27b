using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Molecule.PlatformEmulator.Auth;
using Molecule.PlatformEmulator.Infrastructure;
using Molecule.PlatformEmulator.State;
using Molecule.PlatformEmulator.Workspaces;

namespace Molecule.PlatformEmulator.Registry;

/// <summary><c>/registry/*</c>: register, heartbeat, update-card, discover, peers and check-access.</summary>
public static class RegistryEndpoints
{
    private static readonly TimeSpan RegisteredUrlCacheTime = TimeSpan.FromMinutes(5);

    public static RouteGroupBuilder MapRegistry(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapFeature("/registry", "Registry");
        group.MapPost("/register", Register).WithRequestBody().AddEndpointFilter(RequireRegistrableUrl)
            .RequireRegistryAuth<RouteHandlerBuilder, RegisterRequest>(r => r.WorkspaceId);
        group.MapPost("/heartbeat", Heartbeat).WithRequestBody()
            .RequireRegistryAuth<RouteHandlerBuilder, HeartbeatRequest>(r => r.Subject);
        group.MapPost("/update-card", UpdateCard).WithRequestBody()
            .RequireRegistryAuth<RouteHandlerBuilder, UpdateCardRequest>(r => r.Subject, exempt: TokenlessUpdateCard);
        group.MapGet("/discover/{id}", Discover)
            .RequireRegistryAuth(c => Contract.ParseWorkspaceId(Contract.Header(c.Request, "X-Workspace-ID")), devModePasses: true);
        group.MapGet("/{id}/peers", Peers)
            .RequireRegistryAuth(c => Contract.ParseWorkspaceId(c.GetRouteValue("id") as string), devModePasses: true);
        group.MapPost("/check-access", CheckAccess).WithRequestBody().AllowAnyCaller();
        return group;
    }

    /// <summary>Contract §2.5 step 2: the URL policy, after the body binds and before the registry rule.</summary>
    private static async ValueTask<object?> RequireRegistrableUrl(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (context.GetArgument<Body<RegisterRequest>>(0) is { Rejection: null } body &&
            !await http.RequestServices.GetRequiredService<UrlPolicy>().AllowsRegistrationAsync(body.Value.Url!, http.RequestAborted))
        {
            var options = http.RequestServices.GetRequiredService<EmulatorOptions>();
            var detail = !options.IncludeDetail ? null : options.UrlSafety == "Strict"
                ? "url must resolve to a public address (loopback, private, link-local and reserved ranges are refused; only the literal host localhost skips the lookup)"
                : "url must be an http(s) URL with a host; link-local and metadata addresses are refused";
            return TypedResults.Json(new RefusedUrlAnswer("invalid request body", detail), statusCode: StatusCodes.Status400BadRequest);
        }

        return await next(context);
    }

    private static bool TokenlessUpdateCard(HttpContext context) =>
        context.RequestServices.GetRequiredService<EmulatorOptions>().AllowTokenlessUpdateCard && Contract.Bearer(context.Request) is null;

    private static Results<Ok<RegisteredAnswer>, ContractError> Register(Body<RegisterRequest> body, WorkspaceService service, EmulatorOptions options)
    {
        var request = body.Value;
        var id = request.WorkspaceId;
        if (service.State.Find(id) is { } existing && existing.Status == WorkspaceStatus.Removed)
        {
            // §3 row 3: the real platform answers 200 and mints a token that never validates; the row stays removed.
            return options.Quirks.AcceptRegistryCallsForRemoved
                ? TypedResults.Ok(new RegisteredAnswer("registered", TokenRegistry.NewPlaintext()))
                : ContractError.NotFound("workspace removed");
        }

        var (_, token) = service.Register(id, request.Url!, request.AgentCard.GetRawText());
        return TypedResults.Ok(new RegisteredAnswer("registered", token));
    }

    private static Results<StatusOkResult, ContractError> Heartbeat(Body<HeartbeatRequest> body, WorkspaceService service, EmulatorOptions options, Proxy.A2AQueue queue)
    {
        var request = body.Value;
        var id = request.Subject;
        if (service.State.Find(id) is not { } row || row.Status == WorkspaceStatus.Removed)
        {
            // §3 row 3: the real platform's heartbeat is a 200 no-op for unknown and removed workspaces.
            return options.Quirks.AcceptRegistryCallsForRemoved ? StatusOkResult.Instance : ContractError.NotFound("workspace not found");
        }

        var activeTasks = (int)(request.ActiveTasks ?? 0);
        service.Heartbeat(row, new WorkspaceService.HeartbeatInput(
            request.ErrorRate ?? 0, request.SampleError ?? "", activeTasks, request.UptimeSeconds ?? 0, request.CurrentTask ?? "",
            request.MonthlySpend, request.RuntimeState ?? "",
            request.RuntimeMetadata.ValueKind == System.Text.Json.JsonValueKind.Object ? JsonObject.Create(request.RuntimeMetadata) : null));

        // Spare capacity reported: the platform drains one queued A2A call (contract §2.10).
        string rowUrl;
        int maxTasks;
        lock (row.Gate)
        {
            (rowUrl, maxTasks) = (row.Url, row.MaxConcurrentTasks);
        }

        queue.OnHeartbeat(id, rowUrl, activeTasks, maxTasks);
        return StatusOkResult.Instance;
    }

    private static Results<Ok<StatusAnswer>, ContractError> UpdateCard(Body<UpdateCardRequest> body, WorkspaceService service, EmulatorOptions options)
    {
        var request = body.Value;
        if (service.State.Find(request.Subject) is not { } row || (row.Status == WorkspaceStatus.Removed && !options.Quirks.AcceptRegistryCallsForRemoved))
        {
            // §3 row 3: the real platform answers 200 for unknown ids (no-op) and rewrites a removed workspace's card.
            return options.Quirks.AcceptRegistryCallsForRemoved ? TypedResults.Ok(new StatusAnswer("updated")) : ContractError.NotFound("workspace not found");
        }

        service.UpdateCard(row, request.AgentCard.GetRawText());
        return TypedResults.Ok(new StatusAnswer("updated"));
    }

    private static async Task<Results<Ok<DiscoverAnswer>, JsonHttpResult<UnavailableAnswer>, ContractError>> Discover(
        string id, HttpContext context, WorkspaceService service, EmulatorOptions options, TimeProvider time, UrlPolicy urls)
    {
        var callerText = Contract.Header(context.Request, "X-Workspace-ID");
        if (string.IsNullOrEmpty(callerText))
        {
            return ContractError.BadRequest("X-Workspace-ID header is required");
        }

        var caller = Contract.ParseWorkspaceId(callerText);
        if (Contract.ParseWorkspaceId(id) is not { } target)
        {
            return ContractError.NotFound("workspace not found");
        }

        if (service.State.Find(target) is not { } row)
        {
            return ContractError.NotFound("workspace not found");
        }

        if (caller is null || !service.State.CanCommunicate(caller.Value, target))
        {
            return ContractError.Forbidden("not authorized to discover this workspace");
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
                return ContractError.Unavailable("workspace URL failed safety check");
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
                return TypedResults.Json(new UnavailableAnswer("workspace not available", status), statusCode: StatusCodes.Status503ServiceUnavailable);
            }
        }

        return TypedResults.Ok(new DiscoverAnswer(target.ToString(), url, name));
    }

    private static Results<Ok<JsonArray>, ContractError> Peers(string id, HttpContext context, WorkspaceService service)
    {
        var guid = Contract.ParseWorkspaceId(id);
        if (guid is null || service.State.Find(guid.Value) is not { } self)
        {
            return ContractError.NotFound("workspace not found");
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
                peers.Add(WorkspaceJson.PeerElement(row));
            }
        }

        return TypedResults.Ok(peers);
    }

    private static Ok<AccessAnswer> CheckAccess(Body<CheckAccessRequest> body, WorkspaceService service)
    {
        var request = body.Value;
        var allowed = Contract.ParseWorkspaceId(request.CallerId) is { } caller && Contract.ParseWorkspaceId(request.TargetId) is { } target &&
                      service.State.CanCommunicate(caller, target);
        return TypedResults.Ok(new AccessAnswer(allowed));
    }
}
