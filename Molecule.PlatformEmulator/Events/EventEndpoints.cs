using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using Molecule.PlatformEmulator.Auth;
using Molecule.PlatformEmulator.Infrastructure;
using Molecule.PlatformEmulator.State;

namespace Molecule.PlatformEmulator.Events;

/// <summary><c>GET /events</c>, <c>/events/{id}</c>, the <c>/ws</c> WebSocket and per-workspace SSE.</summary>
public static class EventEndpoints
{
    private static readonly TimeSpan KeepAliveInterval = TimeSpan.FromSeconds(15);

    public static IEndpointRouteBuilder MapEvents(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/events", (HttpContext context, PlatformAuth auth, EventBus bus) => List(context, auth, bus, null)).WithTags("Events");
        routes.MapGet("/events/{workspaceId}", (string workspaceId, HttpContext context, PlatformAuth auth, EventBus bus) => List(context, auth, bus, workspaceId)).WithTags("Events");
        routes.Map("/ws", WebSocketAsync).WithTags("Events");
        routes.MapGet("/workspaces/{id}/events/stream", StreamAsync).WithTags("Events");
        return routes;
    }

    private static IResult List(HttpContext context, PlatformAuth auth, EventBus bus, string? workspaceId)
    {
        if (auth.Admin(context) is { } denied)
        {
            return denied;
        }

        Guid? filter = null;
        if (workspaceId is not null)
        {
            if (Contract.ParseWorkspaceId(workspaceId) is not { } id)
            {
                return Contract.Error(400, "invalid workspace ID");
            }

            filter = id;
        }

        var array = new JsonArray();
        foreach (var platformEvent in bus.Recent(filter))
        {
            array.Add(platformEvent.PersistedRow());
        }

        return Contract.Ok(array);
    }

    private static async Task WebSocketAsync(HttpContext context, PlatformAuth auth, PlatformState state, EventBus bus, EmulatorOptions options)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            await Contract.Error(400, "websocket upgrade required").ExecuteAsync(context);
            return;
        }

        if (options.CorsOriginsSet && Contract.Header(context.Request, "Origin") is { Length: > 0 } origin &&
            !options.CorsOrigins.Contains(origin, StringComparer.OrdinalIgnoreCase))
        {
            await Contract.Error(403, "origin not allowed").ExecuteAsync(context);
            return;
        }

        Func<PlatformEvent, bool> filter = _ => true;
        var workspaceHeader = Contract.Header(context.Request, "X-Workspace-ID");
        if (workspaceHeader.Length > 0)
        {
            if (Contract.ParseWorkspaceId(workspaceHeader) is not { } agent)
            {
                await Contract.Error(400, "invalid workspace ID").ExecuteAsync(context);
                return;
            }

            if (auth.Registry(context, agent) is { } denied)
            {
                await denied.ExecuteAsync(context);
                return;
            }

            filter = e => state.CanCommunicate(agent, e.WorkspaceId);
        }

        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        using var subscription = bus.Subscribe(filter, workspaceHeader.Length > 0 ? "agent-ws" : "canvas-ws");
        using var closed = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        var receive = Task.Run(async () =>
        {
            var buffer = new byte[4096];
            try
            {
                while (socket.State == WebSocketState.Open)
                {
                    var result = await socket.ReceiveAsync(buffer, closed.Token);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        break;
                    }
                }
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
            {
            }
            finally
            {
                await closed.CancelAsync();
            }
        });

        try
        {
            await foreach (var platformEvent in subscription.Reader.ReadAllAsync(closed.Token))
            {
                await socket.SendAsync(Encoding.UTF8.GetBytes(platformEvent.Envelope), WebSocketMessageType.Text, true, closed.Token);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
        }

        if (socket.State == WebSocketState.Open)
        {
            try
            {
                await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(2));
            }
            catch (Exception ex) when (ex is WebSocketException or TimeoutException or OperationCanceledException)
            {
            }
        }

        await receive;
    }

    private static async Task StreamAsync(string id, HttpContext context, PlatformAuth auth, EventBus bus, TimeProvider time)
    {
        var guid = Contract.ParseWorkspaceId(id);
        if (auth.Workspace(context, guid) is { } denied)
        {
            await denied.ExecuteAsync(context);
            return;
        }

        if (guid is null)
        {
            await Contract.Error(400, "invalid workspace ID").ExecuteAsync(context);
            return;
        }

        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        context.Response.Headers["X-Accel-Buffering"] = "no";
        Contract.DisableBuffering(context);
        // Kestrel only writes headers on the first flush: flush now so the client sees the stream open at once,
        // not with the first event (or the first keep-alive, 15 s later).
        await context.Response.StartAsync(context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
        using var subscription = bus.Subscribe(e => e.WorkspaceId == guid, "workspace-sse");
        var aborted = context.RequestAborted;
        try
        {
            while (!aborted.IsCancellationRequested)
            {
                using var idle = new CancellationTokenSource(KeepAliveInterval, time);
                using var keepAlive = CancellationTokenSource.CreateLinkedTokenSource(aborted, idle.Token);
                try
                {
                    if (!await subscription.Reader.WaitToReadAsync(keepAlive.Token))
                    {
                        break;
                    }
                }
                catch (OperationCanceledException) when (!aborted.IsCancellationRequested)
                {
                    await context.Response.WriteAsync(": keep-alive\n\n", aborted);
                    await context.Response.Body.FlushAsync(aborted);
                    continue;
                }

                while (subscription.Reader.TryRead(out var platformEvent))
                {
                    await context.Response.WriteAsync($"data: {platformEvent.Envelope}\n\n", aborted);
                }

                await context.Response.Body.FlushAsync(aborted);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
