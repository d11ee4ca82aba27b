using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Molecule.PlatformEmulator.Auth;
using Molecule.PlatformEmulator.Events;
using Molecule.PlatformEmulator.Infrastructure;
using Molecule.PlatformEmulator.State;

namespace Molecule.PlatformEmulator.Faults;

/// <summary>
/// One injected fault: which requests it matches (method, path pattern with <c>*</c>, optionally one workspace), what it
/// does (answer a status, add latency, reset the connection, hang) and for how long (next N calls, a probability, or
/// until removed).
/// </summary>
public sealed class FaultRule
{
    public required string Id { get; init; }

    public string? Method { get; init; }

    public required string Path { get; init; }

    public Guid? WorkspaceId { get; init; }

    /// <summary><c>status</c>, <c>latency</c>, <c>reset</c> or <c>hang</c>.</summary>
    public required string Kind { get; init; }

    public int Status { get; init; } = 503;

    public string? Body { get; init; }

    public int LatencyMs { get; init; }

    public double Probability { get; init; } = 1;

    /// <summary>Remaining matches; null = until removed.</summary>
    public int? Remaining { get; set; }

    public long Hits { get; set; }

    public required Regex Pattern { get; init; }

    public JsonObject ToJson() => new()
    {
        ["id"] = Id,
        ["method"] = Method,
        ["path"] = Path,
        ["workspace_id"] = WorkspaceId?.ToString(),
        ["kind"] = Kind,
        ["status"] = Kind == "status" ? Status : null,
        ["body"] = Body,
        ["latency_ms"] = LatencyMs,
        ["probability"] = Probability,
        ["remaining"] = Remaining,
        ["hits"] = Hits,
    };
}

public sealed class FaultStore(Random? random = null)
{
    private readonly ConcurrentDictionary<string, FaultRule> _rules = new(StringComparer.Ordinal);
    private readonly Random _random = random ?? new Random();

    public bool IsEmpty => _rules.IsEmpty;

    public IReadOnlyList<FaultRule> All => _rules.Values.OrderBy(r => r.Id, StringComparer.Ordinal).ToArray();

    public void Add(FaultRule rule) => _rules[rule.Id] = rule;

    public bool Remove(string id) => _rules.TryRemove(id, out _);

    public int Clear()
    {
        var count = _rules.Count;
        _rules.Clear();
        return count;
    }

    /// <summary>A uniform draw in [0, 1) for probabilistic rules; the source is not thread-safe, so draws take turns.</summary>
    private double Roll()
    {
        lock (_random)
        {
            return _random.NextDouble();
        }
    }

    /// <summary>The first rule that fires for this request (consuming one of its remaining uses), or null.</summary>
    public FaultRule? Match(string method, string path, Guid? workspaceId)
    {
        foreach (var rule in _rules.Values)
        {
            if ((rule.Method is not null && !string.Equals(rule.Method, method, StringComparison.OrdinalIgnoreCase)) ||
                !rule.Pattern.IsMatch(path) || (rule.WorkspaceId is not null && rule.WorkspaceId != workspaceId))
            {
                continue;
            }

            lock (rule)
            {
                if (rule.Remaining is <= 0 || (rule.Probability < 1 && Roll() >= rule.Probability))
                {
                    continue;
                }

                if (rule.Remaining is { } remaining)
                {
                    rule.Remaining = remaining - 1;
                    if (remaining - 1 == 0)
                    {
                        _rules.TryRemove(rule.Id, out _);
                    }
                }

                rule.Hits++;
                return rule;
            }
        }

        return null;
    }
}

/// <summary>Applies injected faults before routing. Emulator routes themselves are never faulted.</summary>
public sealed partial class FaultInjectionMiddleware(RequestDelegate next, FaultStore faults, EmulatorMetrics metrics, TimeProvider time, ILogger<FaultInjectionMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "/";
        if (faults.IsEmpty || path.StartsWith("/_emulator", StringComparison.Ordinal))
        {
            await next(context);
            return;
        }

        var workspaceId = await WorkspaceOfAsync(context, path);
        if (faults.Match(context.Request.Method, path, workspaceId) is not { } rule)
        {
            await next(context);
            return;
        }

        metrics.FaultsInjected.Add(1, new KeyValuePair<string, object?>("kind", rule.Kind), new KeyValuePair<string, object?>("fault", rule.Id));
        LogFault(logger, rule.Id, rule.Kind, context.Request.Method, path);
        switch (rule.Kind)
        {
            case "latency":
                await Task.Delay(TimeSpan.FromMilliseconds(rule.LatencyMs), time, context.RequestAborted);
                await next(context);
                break;
            case "reset":
                context.Abort();
                break;
            case "hang":
                try
                {
                    await Task.Delay(Timeout.InfiniteTimeSpan, time, context.RequestAborted);
                }
                catch (OperationCanceledException)
                {
                }

                break;
            default:
                var body = rule.Body ?? new JsonObject { ["error"] = "injected fault", ["fault_id"] = rule.Id }.ToJsonString(Contract.WireOptions);
                context.Response.StatusCode = rule.Status;
                context.Response.ContentType = "application/json; charset=utf-8";
                if (rule.Status is 429 or 503)
                {
                    context.Response.Headers.RetryAfter = "1";
                }

                await context.Response.WriteAsync(body, context.RequestAborted);
                break;
        }
    }

    /// <summary>The workspace a request concerns: a UUID in the path, <c>X-Workspace-ID</c>, or the registry body's id.</summary>
    private static async Task<Guid?> WorkspaceOfAsync(HttpContext context, string path)
    {
        foreach (var segment in path.Split('/'))
        {
            if (segment.Length == 36 && Guid.TryParse(segment, out var id))
            {
                return id;
            }
        }

        if (Guid.TryParse(Contract.Header(context.Request, "X-Workspace-ID"), out var header))
        {
            return header;
        }

        if (!path.StartsWith("/registry/", StringComparison.Ordinal) || !HttpMethods.IsPost(context.Request.Method) || context.Request.ContentLength > 1024 * 1024)
        {
            return null;
        }

        context.Request.EnableBuffering();
        try
        {
            using var document = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
            foreach (var name in (string[])["workspace_id", "id"])
            {
                if (document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty(name, out var value) &&
                    value.ValueKind == JsonValueKind.String && Guid.TryParse(value.GetString(), out var bodyId))
                {
                    return bodyId;
                }
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            // Not JSON, or a name no reader can decode: the fault matches on the path alone.
        }
        finally
        {
            context.Request.Body.Position = 0;
        }

        return null;
    }

    [LoggerMessage(EventId = 600, Level = LogLevel.Warning, Message = "Injected fault {FaultId} ({Kind}) on {Method} {Path}")]
    private static partial void LogFault(ILogger logger, string faultId, string kind, string method, string path);
}

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
