using System.Text.Json;
using System.Text.Json.Nodes;
using Molecule.PlatformEmulator.Auth;
using Molecule.PlatformEmulator.Events;
using Molecule.PlatformEmulator.Infrastructure;
using Molecule.PlatformEmulator.State;

namespace Molecule.PlatformEmulator.Workspaces;

/// <summary><c>/workspaces</c>: create, list, read, patch, delete, agent state polling and the auxiliary routes (tokens: <see cref="Auth.TokenEndpoints"/>).</summary>
public static class WorkspaceEndpoints
{
    private static readonly char[] BannedCharacters = ['{', '}', '[', ']', '|', '>', '*', '&', '!', '\n', '\r'];
    private static readonly string[] SystemDirectories = ["/etc", "/var", "/proc", "/sys", "/dev", "/boot", "/sbin", "/bin", "/lib", "/usr"];
    private static readonly HashSet<string> ActivityTypes = ["a2a_send", "a2a_receive", "task_update", "agent_log", "skill_promotion", "memory_write", "error"];

    public static IEndpointRouteBuilder MapWorkspaces(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/workspaces").WithTags("Workspaces");
        group.MapPost("", Create);
        group.MapGet("", List);
        group.MapGet("/{id}", Get);
        group.MapDelete("/{id}", Delete);

        var scoped = group.MapGroup("/{id}").RequireWorkspaceAuth();
        scoped.MapPatch("", Patch);
        scoped.MapGet("/state", GetState);
        scoped.MapTokens();
        scoped.MapGet("/delegations", () => Contract.Ok(new JsonArray()));
        scoped.MapPost("/activity", PostActivity);
        scoped.MapGet("/activity", ListActivity);
        scoped.MapPost("/notify", Notify);
        scoped.MapGet("/instructions/resolve", () => Contract.Ok(new JsonObject { ["instructions"] = "" }));
        routes.MapTestToken();
        return routes;
    }

        private static bool CleanText(string? value, int maxBytes, bool allowBanned = false) =>
        value is null || (System.Text.Encoding.UTF8.GetByteCount(value) <= maxBytes && (allowBanned || value.IndexOfAny(BannedCharacters) < 0));

    private static async Task<IResult> Create(HttpContext context, PlatformAuth auth, WorkspaceService service, EmulatorOptions options, EventBus events, TimeProvider time)
    {
        if (auth.Admin(context) is { } denied)
        {
            return denied;
        }

        using var request = await Contract.ReadJsonAsync(context, options.MaxBodyBytes);
        if (request.Rejection("invalid workspace payload") is { } rejected)
        {
            return rejected;
        }

        var body = request.Object!.Value;

        if (!Contract.TryString(body, "name", out var name) || string.IsNullOrEmpty(name))
        {
            return Contract.Error(400, "invalid workspace payload");
        }

        var fieldsOk = Contract.TryString(body, "role", out var role) & Contract.TryString(body, "template", out var template) &
                       Contract.TryString(body, "model", out var model) & Contract.TryString(body, "runtime", out var runtime) &
                       Contract.TryString(body, "url", out var url) & Contract.TryString(body, "parent_id", out var parentText) &
                       Contract.TryString(body, "workspace_dir", out var workspaceDir) & Contract.TryString(body, "workspace_access", out var access) &
                       Contract.TryInt(body, "tier", out var tier) & Contract.TryInt(body, "budget_limit", out var budget) &
                       Contract.TryInt(body, "max_concurrent_tasks", out var maxTasks) & Contract.TryBool(body, "external", out var external);
        if (!fieldsOk)
        {
            return Contract.Error(400, "invalid workspace payload");
        }

        if (!CleanText(name, 255) || !CleanText(role, 1000) || !CleanText(model, 100, allowBanned: true) || !CleanText(runtime, 100, allowBanned: true) ||
            (model?.IndexOfAny(['\n', '\r']) >= 0) || (runtime?.IndexOfAny(['\n', '\r']) >= 0))
        {
            return Contract.Error(400, "invalid workspace fields");
        }

        if (template is not null && (template.Contains("..", StringComparison.Ordinal) || Path.IsPathRooted(template)))
        {
            return Contract.Error(400, "invalid template");
        }

        if (workspaceDir is not null && (!workspaceDir.StartsWith('/') || workspaceDir.Contains("..", StringComparison.Ordinal) ||
            SystemDirectories.Any(d => workspaceDir == d || workspaceDir.StartsWith(d + "/", StringComparison.Ordinal))))
        {
            return Contract.Error(400, "invalid workspace directory");
        }

        access ??= "none";
        if (access is not ("none" or "read_only" or "read_write") || (access != "none" && workspaceDir is null))
        {
            return Contract.Error(400, "invalid workspace access");
        }

        Guid? parentId = null;
        if (parentText is not null)
        {
            if (Contract.ParseWorkspaceId(parentText) is not { } parent || service.State.Find(parent) is not { } parentRow || parentRow.Status == WorkspaceStatus.Removed)
            {
                // §3 row 12: the real platform's foreign-key failure leaks as a 500.
                return options.Quirks.DatastoreErrorsAs500 ? Contract.Error(500, "failed to create workspace") : Contract.Error(400, "invalid workspace fields");
            }

            parentId = parent;
        }

        double x = 0, y = 0;
        if (body.TryGetProperty("canvas", out var canvas) && canvas.ValueKind == JsonValueKind.Object)
        {
            if (!Contract.TryNumber(canvas, "x", out var cx) || !Contract.TryNumber(canvas, "y", out var cy))
            {
                return Contract.Error(400, "invalid workspace payload");
            }

            x = cx ?? 0;
            y = cy ?? 0;
        }

        var secrets = new Dictionary<string, string>();
        if (body.TryGetProperty("secrets", out var secretElement) && secretElement.ValueKind == JsonValueKind.Object)
        {
            foreach (var secret in secretElement.EnumerateObject())
            {
                if (secret.Value.ValueKind != JsonValueKind.String)
                {
                    return Contract.Error(400, "invalid workspace payload");
                }

                secrets[secret.Name] = secret.Value.GetString()!;
            }
        }

        var isExternal = external == true || runtime == "external";
        var id = Guid.NewGuid();
        var now = time.GetUtcNow();
        var row = service.State.Add(id, now, r =>
        {
            r.Name = name;
            r.Role = string.IsNullOrEmpty(role) ? null : role;
            r.Tier = tier is null or 0 ? 3 : (int)tier;
            r.Model = model;
            // §3 row 1 (quirk): the real platform never persists awaiting_agent; the row stays provisioning with its
            // old runtime, and the provision timeout fails it.
            var notPersisted = isExternal && string.IsNullOrEmpty(url) && options.Quirks.AwaitingAgentNotPersisted;
            r.Runtime = isExternal && !notPersisted ? "external" : runtime ?? "langgraph";
            r.Template = template;
            r.ParentId = parentId;
            r.WorkspaceDir = workspaceDir;
            r.WorkspaceAccess = access;
            r.BudgetLimit = budget;
            r.MaxConcurrentTasks = maxTasks is null or <= 0 ? 1 : (int)maxTasks;
            r.X = x;
            r.Y = y;
            r.Secrets = secrets;
            r.Status = isExternal && !notPersisted ? (string.IsNullOrEmpty(url) ? WorkspaceStatus.AwaitingAgent : WorkspaceStatus.Online) : WorkspaceStatus.Provisioning;
            if (isExternal && !string.IsNullOrEmpty(url))
            {
                r.Url = url;
                r.LastHeartbeatAt = now;
            }
        });

        if (!isExternal)
        {
            events.Publish("WORKSPACE_PROVISIONING", id, new JsonObject { ["name"] = name, ["tier"] = row.Tier, ["runtime"] = row.Runtime });
            return Contract.Json(201, new JsonObject
            {
                ["id"] = id.ToString(),
                ["status"] = WorkspaceStatus.Provisioning,
                ["awareness_namespace"] = $"workspace:{id}",
                ["workspace_access"] = access,
            });
        }

        if (!string.IsNullOrEmpty(url))
        {
            events.Publish("WORKSPACE_ONLINE", id, new JsonObject { ["name"] = name, ["external"] = true });
            return Contract.Json(201, new JsonObject { ["id"] = id.ToString(), ["external"] = true, ["status"] = WorkspaceStatus.Online });
        }

        var token = service.State.Tokens.Mint(id).Plaintext;
        var platformUrl = options.ExternalPlatformUrl ?? $"{context.Request.Scheme}://{context.Request.Host}";
        events.Publish("WORKSPACE_AWAITING_AGENT", id, new JsonObject { ["name"] = name, ["external"] = true });
        return Contract.Json(201, new JsonObject
        {
            ["id"] = id.ToString(),
            ["external"] = true,
            ["status"] = WorkspaceStatus.AwaitingAgent,
            ["connection"] = new JsonObject
            {
                ["workspace_id"] = id.ToString(),
                ["platform_url"] = platformUrl,
                ["auth_token"] = token,
                ["registry_endpoint"] = $"{platformUrl}/registry/register",
                ["heartbeat_endpoint"] = $"{platformUrl}/registry/heartbeat",
                ["curl_register_template"] =
                    $"curl -X POST {platformUrl}/registry/register -H 'Content-Type: application/json' -H 'Authorization: Bearer <auth_token>' " +
                    $"-d '{{\"id\":\"{id}\",\"url\":\"http://<agent-host>:8000\",\"agent_card\":{{\"name\":\"{name}\"}}}}'",
                ["python_snippet"] =
                    $"from molecule_runtime import HeartbeatLoop\nloop = HeartbeatLoop(\"{platformUrl}\", \"{id}\")\nloop.start()",
            },
        });
    }

    private static IResult List(HttpContext context, PlatformAuth auth, WorkspaceService service)
    {
        if (auth.Admin(context) is { } denied)
        {
            return denied;
        }

        var array = new JsonArray();
        foreach (var row in service.State.All)
        {
            if (row.Status != WorkspaceStatus.Removed)
            {
                array.Add(service.ListElement(row));
            }
        }

        return Contract.Ok(array);
    }

    private static IResult Get(string id, WorkspaceService service)
    {
        if (Contract.ParseWorkspaceId(id) is not { } guid)
        {
            return Contract.Error(400, "invalid workspace ID");
        }

        return service.State.Find(guid) is { } row ? Contract.Ok(service.DetailElement(row)) : Contract.Error(404, "workspace not found");
    }

    private static async Task<IResult> Patch(HttpContext context, WorkspaceService service, EmulatorOptions options, TimeProvider time)
    {
        var guid = WorkspaceScope.Id(context);

        using var request = await Contract.ReadJsonAsync(context, options.MaxBodyBytes);
        if (request.Rejection("invalid request body") is { } rejected)
        {
            return rejected;
        }

        var body = request.Object!.Value;

        if (service.State.Find(guid) is not { } row)
        {
            return Contract.Error(404, "workspace not found");
        }

        if (!Contract.TryString(body, "name", out var name) || !Contract.TryString(body, "role", out var role) ||
            !Contract.TryInt(body, "tier", out var tier) || !Contract.TryString(body, "parent_id", out var parentText) ||
            !Contract.TryBool(body, "collapsed", out var collapsed) || !Contract.TryString(body, "runtime", out var runtime) ||
            !Contract.TryString(body, "workspace_dir", out var workspaceDir) || !Contract.TryNumber(body, "x", out var x) || !Contract.TryNumber(body, "y", out var y))
        {
            return Contract.Error(400, "invalid request body");
        }

        if (name is not null && (name.Length == 0 || !CleanText(name, 255)))
        {
            return Contract.Error(400, name.Length == 0 ? "name must not be empty" : "name must be at most 255 characters without newlines or {}[]|>*&!");
        }

        if (!CleanText(role, 1000))
        {
            return Contract.Error(400, "role must be at most 1000 characters without newlines or {}[]|>*&!");
        }

        Guid? parentId = null;
        var parentSet = body.TryGetProperty("parent_id", out _);
        if (parentText is not null)
        {
            if (Contract.ParseWorkspaceId(parentText) is not { } parent || parent == guid || service.State.Find(parent) is null)
            {
                return Contract.Error(400, "parent_id must name another existing workspace");
            }

            parentId = parent;
        }

        if (workspaceDir is not null && (!workspaceDir.StartsWith('/') || workspaceDir.Contains("..", StringComparison.Ordinal)))
        {
            return Contract.Error(400, "invalid workspace directory");
        }

        var needsRestart = false;
        lock (row.Gate)
        {
            row.Name = name ?? row.Name;
            if (body.TryGetProperty("role", out _))
            {
                row.Role = string.IsNullOrEmpty(role) ? null : role;
            }

            row.Tier = tier is { } t ? (int)t : row.Tier;
            if (parentSet)
            {
                row.ParentId = parentId;
            }

            row.Collapsed = collapsed ?? row.Collapsed;
            row.Runtime = runtime ?? row.Runtime;
            if (workspaceDir is not null && workspaceDir != row.WorkspaceDir)
            {
                row.WorkspaceDir = workspaceDir;
                needsRestart = true;
            }

            if (x is not null && y is not null)
            {
                row.X = x.Value;
                row.Y = y.Value;
            }

            row.UpdatedAt = time.GetUtcNow();
        }

        var result = new JsonObject { ["status"] = "updated" };
        if (needsRestart)
        {
            result["needs_restart"] = true;
        }

        return Contract.Ok(result);
    }

    private static IResult Delete(string id, HttpContext context, PlatformAuth auth, WorkspaceService service)
    {
        if (auth.Admin(context) is { } denied)
        {
            return denied;
        }

        if (Contract.ParseWorkspaceId(id) is not { } guid)
        {
            return Contract.Error(400, "invalid workspace ID");
        }

        if (service.State.Find(guid) is not { } row)
        {
            return Contract.Ok(new JsonObject { ["status"] = "removed", ["cascade_deleted"] = 0 });
        }

        var confirm = context.Request.Query["confirm"] == "true";
        var purge = context.Request.Query["purge"] == "true";
        var children = service.State.ChildrenOf(guid);
        if (children.Count > 0 && !confirm)
        {
            var list = new JsonArray();
            foreach (var child in children)
            {
                list.Add(new JsonObject { ["id"] = child.Id.ToString(), ["name"] = child.Name });
            }

            return Contract.Json(409, new JsonObject
            {
                ["status"] = "confirmation_required",
                ["message"] = $"Workspace has {children.Count} child workspace(s); deleting it removes them too. Repeat with ?confirm=true.",
                ["children"] = list,
                ["children_count"] = children.Count,
            });
        }

        var cascade = service.Delete(row, purge);
        return Contract.Ok(new JsonObject { ["status"] = purge ? "purged" : "removed", ["cascade_deleted"] = cascade });
    }

    private static IResult GetState(HttpContext context, WorkspaceService service)
    {
        var guid = WorkspaceScope.Id(context);

        // The handler's own re-check: once the workspace has a live token, only its own bearer is accepted.
        if (service.State.Tokens.HasLive(guid) &&
            (Contract.Bearer(context.Request) is not { } bearer || !service.State.Tokens.IsLiveTokenOf(bearer, guid)))
        {
            return Contract.Error(401, "invalid workspace auth token");
        }

        if (service.State.Find(guid) is not { } row)
        {
            return Contract.Json(404, new JsonObject { ["workspace_id"] = guid.ToString(), ["deleted"] = true });
        }

        string status;
        lock (row.Gate)
        {
            status = row.Status;
        }

        return status == WorkspaceStatus.Removed
            ? Contract.Json(404, new JsonObject { ["workspace_id"] = guid.ToString(), ["status"] = WorkspaceStatus.Removed, ["deleted"] = true })
            : Contract.Ok(new JsonObject { ["workspace_id"] = guid.ToString(), ["status"] = status, ["paused"] = status == WorkspaceStatus.Paused, ["deleted"] = false });
    }

    private static async Task<IResult> PostActivity(HttpContext context, ActivityLog activity, EmulatorOptions options)
    {
        var guid = WorkspaceScope.Id(context);

        using var request = await Contract.ReadJsonAsync(context, options.MaxBodyBytes);
        if (request.Rejection("invalid request body") is { } rejected)
        {
            return rejected;
        }

        var body = request.Object!.Value;

        // Gin's binding first: a missing, null or empty activity_type and any wrongly typed field are one 400 text.
        if (!Contract.TryString(body, "activity_type", out var type) || string.IsNullOrEmpty(type) ||
            !Contract.TryString(body, "method", out _) || !Contract.TryString(body, "summary", out _) ||
            !Contract.TryString(body, "target_id", out _) || !Contract.TryString(body, "error_detail", out _) ||
            !Contract.TryString(body, "status", out _) || !Contract.TryString(body, "source_id", out var source) ||
            !Contract.TryInt(body, "duration_ms", out _))
        {
            return Contract.Error(400, "invalid request body");
        }

        if (!ActivityTypes.Contains(type))
        {
            return Contract.Error(400, "invalid activity_type, must be one of: a2a_send, a2a_receive, task_update, agent_log, skill_promotion, memory_write, error");
        }

        if (!string.IsNullOrEmpty(source) && !string.Equals(source, guid.ToString(), StringComparison.OrdinalIgnoreCase))
        {
            return Contract.Error(403, "source_id must match authenticated workspace");
        }

        activity.Add(guid, type, "agent", (JsonObject)JsonNode.Parse(body.GetRawText())!);
        return Contract.Ok(new JsonObject { ["status"] = "logged" });
    }

    private static IResult ListActivity(HttpContext context, ActivityLog activity)
    {
        var limit = int.TryParse(context.Request.Query["limit"], out var l) ? Math.Clamp(l, 1, 500) : 100;
        var type = context.Request.Query["type"].ToString();
        var source = context.Request.Query["source"].ToString();
        var rows = new JsonArray();
        foreach (var row in activity.List(WorkspaceScope.Id(context), string.IsNullOrEmpty(type) ? null : type, string.IsNullOrEmpty(source) ? null : source, limit))
        {
            rows.Add(row);
        }

        return Contract.Ok(rows);
    }

    private static async Task<IResult> Notify(HttpContext context, EmulatorOptions options, EventBus events)
    {
        var guid = WorkspaceScope.Id(context);

        using var request = await Contract.ReadJsonAsync(context, options.MaxBodyBytes);
        if (request.TooLarge)
        {
            return Contract.TooLarge();
        }

        if (request.Object is not { } body || !Contract.TryString(body, "message", out var message) || message is null)
        {
            return Contract.Error(400, "invalid request body");
        }

        events.Publish("AGENT_MESSAGE", guid, new JsonObject { ["message"] = message });
        return Contract.Ok(new JsonObject { ["status"] = "sent" });
    }
}
