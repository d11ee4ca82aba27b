using System.Text.Json;
using System.Text.Json.Nodes;
using Molecule.PlatformEmulator.Events;
using Molecule.PlatformEmulator.Infrastructure;

namespace Molecule.PlatformEmulator.Faults;

/// <summary>Applies injected faults before routing. Emulator routes themselves are never faulted.</summary>
public sealed partial class FaultInjectionMiddleware(RequestDelegate next, FaultStore faults, EmulatorMetrics metrics, TimeProvider time, ILogger<FaultInjectionMiddleware> logger)
{
    /// <summary>With no fault set (nearly always), the request goes on without an async step of this middleware's own.</summary>
    public Task InvokeAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "/";
        return faults.IsEmpty || path.StartsWith("/_emulator", StringComparison.Ordinal) ? next(context) : ApplyAsync(context, path);
    }

    private async Task ApplyAsync(HttpContext context, string path)
    {
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
