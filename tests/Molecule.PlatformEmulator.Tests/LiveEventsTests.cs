using System.Net;
using System.Net.Http.Headers;
using System.Net.WebSockets;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Molecule.PlatformEmulator.Events;

namespace Molecule.PlatformEmulator.Tests;

/// <summary>The live envelope on /ws and SSE, the hierarchy filter, and fan-out that a stalled subscriber cannot hold up.</summary>
public sealed class LiveEventsTests(EmulatorFactory factory) : IClassFixture<EmulatorFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    private async Task<JsonElement> PostAsync(string path, string body, string? bearer = EmulatorFactory.Token)
    {
        var (status, text) = await _client.SendJsonAsync(HttpMethod.Post, path, body, bearer);
        Assert.True((int)status is >= 200 and < 300, $"{path}: {(int)status} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>A workspace registered with its first token (optionally under a parent).</summary>
    private async Task<(string Id, string Token)> RegisteredAsync(string name, string? parent = null)
    {
        var created = await PostAsync("/workspaces", parent is null ? $$"""{"name":"{{name}}"}""" : $$"""{"name":"{{name}}","parent_id":"{{parent}}"}""");
        var id = created.GetProperty("id").GetString()!;
        var registered = await PostAsync("/registry/register", $$$"""{"id":"{{{id}}}","url":"http://127.0.0.1:9/{{{name}}}","agent_card":{"name":"{{{name}}}"}}""", bearer: null);
        return (id, registered.GetProperty("auth_token").GetString()!);
    }

    private Task HeartbeatAsync((string Id, string Token) workspace) =>
        PostAsync("/registry/heartbeat", $$"""{"workspace_id":"{{workspace.Id}}","error_rate":0,"active_tasks":0,"uptime_seconds":1}""", workspace.Token);

    private async Task<WebSocket> ConnectAsync(string? workspaceId = null, string? bearer = null)
    {
        var client = factory.Server.CreateWebSocketClient();
        client.ConfigureRequest = request =>
        {
            if (workspaceId is not null)
            {
                request.Headers["X-Workspace-ID"] = workspaceId;
            }

            if (bearer is not null)
            {
                request.Headers.Authorization = $"Bearer {bearer}";
            }
        };
        return await client.ConnectAsync(new Uri(factory.Server.BaseAddress, "ws"), CancellationToken.None).WaitAsync(EmulatorHttp.Timeout);
    }

    private static async Task<JsonElement> ReceiveAsync(WebSocket socket)
    {
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        WebSocketReceiveResult result;
        do
        {
            result = await socket.ReceiveAsync(buffer, CancellationToken.None).WaitAsync(EmulatorHttp.Timeout);
            message.Write(buffer, 0, result.Count);
        }
        while (!result.EndOfMessage);

        return JsonDocument.Parse(message.ToArray()).RootElement.Clone();
    }

    private static async Task<JsonElement> ReceiveUntilAsync(WebSocket socket, Func<JsonElement, bool> match, List<JsonElement>? seen = null)
    {
        while (true)
        {
            var envelope = await ReceiveAsync(socket);
            seen?.Add(envelope);
            if (match(envelope))
            {
                return envelope;
            }
        }
    }

    [Fact]
    public async Task A_canvas_socket_receives_every_event_in_the_contract_envelope()
    {
        using var socket = await ConnectAsync();
        var workspace = await RegisteredAsync("ws-envelope");

        var online = await ReceiveUntilAsync(socket, e => e.GetProperty("event").GetString() == "WORKSPACE_ONLINE" && e.GetProperty("workspace_id").GetString() == workspace.Id);

        Assert.Equal(["event", "workspace_id", "timestamp", "payload"], online.EnumerateObject().Select(p => p.Name));
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$", online.GetProperty("timestamp").GetString());
        Assert.Equal("http://127.0.0.1:9/ws-envelope", online.GetProperty("payload").GetProperty("url").GetString());

        await HeartbeatAsync(workspace);
        var beat = await ReceiveUntilAsync(socket, e => e.GetProperty("event").GetString() == "WORKSPACE_HEARTBEAT");
        Assert.Equal(workspace.Id, beat.GetProperty("workspace_id").GetString());
    }

    [Fact]
    public async Task A_workspace_socket_sees_only_what_the_hierarchy_rule_allows()
    {
        var parent = await RegisteredAsync("ws-parent");
        var child = await RegisteredAsync("ws-child", parent.Id);
        var stranger = await RegisteredAsync("ws-stranger");
        using var socket = await ConnectAsync(child.Id, child.Token);

        await HeartbeatAsync(stranger);
        await HeartbeatAsync(parent);
        var seen = new List<JsonElement>();
        await ReceiveUntilAsync(socket, e => e.GetProperty("workspace_id").GetString() == parent.Id, seen);

        Assert.DoesNotContain(seen, e => e.GetProperty("workspace_id").GetString() == stranger.Id);
    }

    [Fact]
    public async Task A_workspace_socket_without_its_token_is_refused_before_the_upgrade()
    {
        var workspace = await RegisteredAsync("ws-refused");

        var error = await Assert.ThrowsAnyAsync<Exception>(() => ConnectAsync(workspace.Id, "not-the-token"));
        Assert.Contains("401", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_workspace_sse_stream_carries_only_that_workspaces_events_as_data_lines()
    {
        var mine = await RegisteredAsync("sse-mine");
        var other = await RegisteredAsync("sse-other");
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/workspaces/{mine.Id}/events/stream");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", mine.Token);
        using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).WaitAsync(EmulatorHttp.Timeout);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());

        await HeartbeatAsync(other);
        await HeartbeatAsync(mine);

        string? line;
        do
        {
            line = await reader.ReadLineAsync().WaitAsync(EmulatorHttp.Timeout);
        }
        while (line is not null && !line.StartsWith("data: ", StringComparison.Ordinal));

        Assert.NotNull(line);
        var envelope = JsonDocument.Parse(line["data: ".Length..]).RootElement;
        Assert.Equal(mine.Id, envelope.GetProperty("workspace_id").GetString());
        Assert.Equal("WORKSPACE_HEARTBEAT", envelope.GetProperty("event").GetString());
    }

    [Fact]
    public async Task A_stalled_subscriber_drops_its_oldest_events_and_never_holds_up_publishers_or_other_subscribers()
    {
        var bus = factory.Services.GetRequiredService<EventBus>();
        var id = Guid.NewGuid();
        using var stalled = bus.Subscribe(e => e.WorkspaceId == id, "test-stalled");
        using var live = bus.Subscribe(e => e.WorkspaceId == id, "test-live");
        var received = new List<string>();
        for (var round = 0; round < 5; round++)
        {
            for (var i = 0; i < 200; i++)
            {
                bus.Publish("WORKSPACE_HEARTBEAT", id);   // never blocks, whoever is not reading
            }

            // The live subscriber gets every event of the round while the stalled one has not read a single one.
            for (var i = 0; i < 200; i++)
            {
                received.Add((await live.Reader.ReadAsync().AsTask().WaitAsync(EmulatorHttp.Timeout)).Id);
            }
        }

        Assert.Equal(1000, received.Count);
        var kept = new List<string>();
        while (stalled.Reader.TryRead(out var e))
        {
            kept.Add(e.Id);
        }

        // Bounded at the subscriber capacity, oldest dropped: the stalled one holds exactly the newest events.
        Assert.Equal(received.TakeLast(EventBus.SubscriberCapacity), kept);
    }
}
