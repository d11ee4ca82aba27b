using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Molecule.PlatformEmulator.Auth;
using Molecule.PlatformEmulator.Infrastructure;
using Molecule.PlatformEmulator.State;
using Molecule.Shared;

namespace Molecule.PlatformEmulator.Events;

/// <summary><c>GET /events</c>, <c>/events/{id}</c>, the <c>/ws</c> WebSocket and per-workspace SSE.</summary>
public static class EventEndpoints
{
    private static readonly TimeSpan KeepAliveInterval = TimeSpan.FromSeconds(15);

    public static RouteGroupBuilder MapEvents(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapFeature("", "Events");
        group.MapGet("/events", (EventBus bus) => List(bus, null)).RequireAdminAuth();
        group.MapGet("/events/{workspaceId}", (string workspaceId, EventBus bus) => List(bus, workspaceId)).RequireAdminAuth();
        group.Map("/ws", WebSocketAsync).AddEndpointFilter(RequireWebSocketUpgrade)
            .RequireRegistryAuth(c => Contract.ParseWorkspaceId(Contract.Header(c.Request, "X-Workspace-ID")));
        group.MapGet("/workspaces/{id}/events/stream", StreamAsync).RequireWorkspaceAuth();
        return group;
    }

    /// <summary>Before the registry rule on <c>X-Workspace-ID</c>: an upgrade, from an allowed origin, naming a UUID if anyone.</summary>
    private static async ValueTask<object?> RequireWebSocketUpgrade(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var options = http.RequestServices.GetRequiredService<EmulatorOptions>();
        if (!http.WebSockets.IsWebSocketRequest)
        {
            return ContractError.BadRequest("websocket upgrade required");
        }

        if (options.CorsOriginsSet && Contract.Header(http.Request, "Origin") is { Length: > 0 } origin &&
            !options.CorsOrigins.Contains(origin, StringComparer.OrdinalIgnoreCase))
        {
            return ContractError.Forbidden("origin not allowed");
        }

        if (Contract.Header(http.Request, "X-Workspace-ID") is { Length: > 0 } header && Contract.ParseWorkspaceId(header) is null)
        {
            return ContractError.BadRequest("invalid workspace ID");
        }

        return await next(context);
    }

    private static Results<Ok<JsonArray>, ContractError> List(EventBus bus, string? workspaceId)
    {
        Guid? filter = null;
        if (workspaceId is not null)
        {
            if (Contract.ParseWorkspaceId(workspaceId) is not { } id)
            {
                return ContractError.BadRequest("invalid workspace ID");
            }

            filter = id;
        }

        var array = new JsonArray();
        foreach (var platformEvent in bus.Recent(filter))
        {
            array.Add(platformEvent.PersistedRow());
        }

        return TypedResults.Ok(array);
    }

    private static async Task WebSocketAsync(HttpContext context, PlatformState state, EventBus bus)
    {
        Func<PlatformEvent, bool> filter = _ => true;
        var workspaceHeader = Contract.Header(context.Request, "X-Workspace-ID");
        if (Contract.ParseWorkspaceId(workspaceHeader) is { } agent)
        {
            filter = e => state.CanCommunicate(agent, e.WorkspaceId);
        }

        // Subscribed before the handshake completes: a client whose connect returned misses nothing published after it.
        using var subscription = bus.Subscribe(filter, workspaceHeader.Length > 0 ? "agent-ws" : "canvas-ws");
        using var socket = await context.WebSockets.AcceptWebSocketAsync();
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

    private static async Task StreamAsync(HttpContext context, EventBus bus, TimeProvider time)
    {
        var guid = context.WorkspaceId();

        // Subscribed before the headers go out: a client that sees 200 misses nothing published after it.
        using var subscription = bus.Subscribe(e => e.WorkspaceId == guid, "workspace-sse");
        await ServerSentEvents.StartAsync(context);
        var aborted = context.RequestAborted;
        try
        {
            while (await ServerSentEvents.WaitToReadAsync(subscription.Reader, context.Response, time, KeepAliveInterval, aborted))
            {
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
