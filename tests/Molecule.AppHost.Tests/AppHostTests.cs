using System.Net.Http.Headers;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Molecule.AppHost.Tests;

/// <summary>One AppHost (emulator + three workspaces, short timers) shared by the end-to-end tests.</summary>
public sealed class AppHostFixture : IAsyncLifetime
{
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(180);
    public const int Workspaces = 3;

    public DistributedApplication App { get; private set; } = null!;

    public MoleculeSettings Settings { get; private set; } = null!;

    public string AdminToken { get; private set; } = "";

    public async ValueTask InitializeAsync()
    {
        using var cts = new CancellationTokenSource(StartTimeout);
        var configs = Directory.CreateTempSubdirectory("molecule-apphost-tests-").FullName;
        App = await TestAppHost.StartAsync(
        [
            $"--Molecule:Workspaces={Workspaces}",
            "--Molecule:HeartbeatInterval=00:00:01",
            "--Molecule:LivenessTtl=00:00:04",
            "--Molecule:SweepInterval=00:00:01",
            "--Molecule:ExternalStaleAfter=00:00:04",
            $"--Molecule:ConfigsRoot={configs}",
            "--Molecule:Sample=true",
            "--Molecule:DataDir=",   // each run starts from an empty platform
        ], cts.Token);
        Settings = MoleculeSettings.From(App.Services.GetRequiredService<IConfiguration>());
        var notifications = App.Services.GetRequiredService<ResourceNotificationService>();
        foreach (var name in new[] { ResourceNames.Platform, ResourceNames.Sample }.Concat(Enumerable.Range(0, Workspaces).Select(ResourceNames.WorkspaceAt)))
        {
            await notifications.WaitForResourceHealthyAsync(name, cts.Token).WaitAsync(StartTimeout, cts.Token);
        }

        var parameter = App.Services.GetRequiredService<DistributedApplicationModel>().Resources.OfType<ParameterResource>().Single(p => p.Name == ResourceNames.AdminToken);
        AdminToken = (await parameter.GetValueAsync(cts.Token))!;
    }

    public HttpClient PlatformClient()
    {
        var client = App.CreateHttpClient(ResourceNames.Platform, "http");
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken);
        return client;
    }

    /// <summary>Polls the emulator until <paramref name="predicate"/> holds for the workspace, or fails with what it last saw.</summary>
    public async Task<JsonElement> WaitForWorkspaceAsync(string id, Func<JsonElement, bool> predicate, TimeSpan timeout)
    {
        using var client = PlatformClient();
        var deadline = TestDeadline.In(timeout);
        var last = "";
        while (!deadline.Passed)
        {
            last = await client.GetStringAsync($"/workspaces/{id}").WaitAsync(TimeSpan.FromSeconds(10));
            var element = JsonDocument.Parse(last).RootElement.Clone();
            if (predicate(element))
            {
                return element;
            }

            await Task.Delay(250);
        }

        throw new TimeoutException($"Workspace {id} did not reach the expected state within {timeout}; last seen: {last}");
    }

    public async ValueTask DisposeAsync()
    {
        if (App is not null)
        {
            await App.StopAsync().WaitAsync(TimeSpan.FromSeconds(60));
            await App.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(60));
        }
    }
}

[Trait("Category", "Integration")]
public sealed class AppHostTests(AppHostFixture fixture) : IClassFixture<AppHostFixture>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Every_seeded_workspace_comes_online_with_the_card_it_serves()
    {
        for (var i = 0; i < AppHostFixture.Workspaces; i++)
        {
            var id = fixture.Settings.WorkspaceIdAt(i);
            var row = await fixture.WaitForWorkspaceAsync(id, w => w.GetProperty("status").GetString() == "online" && w.GetProperty("agent_card").ValueKind == JsonValueKind.Object, Wait);

            using var workspace = fixture.App.CreateHttpClient(ResourceNames.WorkspaceAt(i), "http");
            var served = JsonDocument.Parse(await workspace.GetStringAsync("/.well-known/agent-card.json").WaitAsync(Wait)).RootElement;
            Assert.Equal(served.GetProperty("name").GetString(), row.GetProperty("agent_card").GetProperty("name").GetString());
            Assert.Equal(ResourceNames.WorkspaceAt(i), served.GetProperty("name").GetString());
            Assert.Equal(served.GetProperty("url").GetString(), row.GetProperty("agent_card").GetProperty("url").GetString());
        }
    }

    [Fact]
    public async Task An_a2a_message_through_the_emulator_proxy_gets_the_agents_answer()
    {
        await fixture.App.WaitForMoleculeWorkspaceOnlineAsync(ResourceNames.WorkspaceAt(0), Wait);
        using var platform = fixture.App.CreateMoleculeEmulatorClient(ResourceNames.Platform);

        var answer = await platform.SendMessageAsync(ResourceNames.WorkspaceAt(0), "hello through the proxy").WaitAsync(Wait);

        Assert.Equal("Echo: hello through the proxy", MoleculeEmulatorClient.TextOf(answer));
    }

    [Fact]
    public async Task The_sample_agent_runs_next_to_the_emulator_and_answers_through_its_proxy()
    {
        var row = await fixture.App.WaitForMoleculeWorkspaceOnlineAsync(ResourceNames.Sample, Wait);
        Assert.Equal(MoleculeSettings.SampleWorkspaceId, row.GetProperty("id").GetString());
        using var platform = fixture.App.CreateMoleculeEmulatorClient(ResourceNames.Platform);

        var answer = await platform.SendMessageAsync(ResourceNames.Sample, "reverse: stressed").WaitAsync(Wait);

        Assert.Equal("desserts", MoleculeEmulatorClient.TextOf(answer));
    }

    [Fact]
    public async Task A_wait_for_a_workspace_that_never_comes_online_fails_with_the_platforms_view_and_the_resources_logs()
    {
        using var platform = fixture.App.CreateMoleculeEmulatorClient(ResourceNames.Platform);
        var id = platform.WorkspaceId(ResourceNames.WorkspaceAt(1));
        using var client = fixture.PlatformClient();
        using (var paused = await client.PostAsync($"/workspaces/{id}/pause", null))
        {
            Assert.True(paused.IsSuccessStatusCode);
        }

        try
        {
            var error = await Assert.ThrowsAsync<TimeoutException>(() => fixture.App.WaitForMoleculeWorkspaceOnlineAsync(ResourceNames.WorkspaceAt(1), TimeSpan.FromSeconds(2)));
            Assert.Contains($"Workspace '{ResourceNames.WorkspaceAt(1)}' ({id}) was not online on 'platform' within 2 s", error.Message, StringComparison.Ordinal);
            Assert.Contains("\"status\":\"paused\"", error.Message, StringComparison.Ordinal);
            Assert.Contains("Recent log lines:", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            using var resumed = await client.PostAsync($"/workspaces/{id}/resume", null);
        }

        await fixture.App.WaitForMoleculeWorkspaceOnlineAsync(ResourceNames.WorkspaceAt(1), Wait);
    }

    [Fact]
    public async Task A_stopped_workspace_is_reported_offline_after_the_shortened_ttl()
    {
        var index = AppHostFixture.Workspaces - 1;
        var id = fixture.Settings.WorkspaceIdAt(index);
        await fixture.WaitForWorkspaceAsync(id, w => w.GetProperty("status").GetString() == "online", Wait);

        var stopped = await fixture.App.ResourceCommands.ExecuteCommandAsync(ResourceNames.WorkspaceAt(index), KnownResourceCommands.StopCommand).WaitAsync(Wait);
        Assert.True(stopped.Success, stopped.Message);

        var row = await fixture.WaitForWorkspaceAsync(id, w => w.GetProperty("status").GetString() == "offline", Wait);
        Assert.Equal("offline", row.GetProperty("status").GetString());

        // Started again, it re-registers by itself and comes back online (and the other tests find it as before). A
        // start is a new process: on a loaded machine it gets the fixture's start budget, and a failed wait says what
        // the resource's state and log were.
        var started = await fixture.App.ResourceCommands.ExecuteCommandAsync(ResourceNames.WorkspaceAt(index), KnownResourceCommands.StartCommand).WaitAsync(Wait);
        Assert.True(started.Success, started.Message);
        await fixture.App.WaitForMoleculeWorkspaceOnlineAsync(ResourceNames.WorkspaceAt(index), AppHostFixture.StartTimeout);
    }

    [Fact]
    public async Task The_dashboard_shows_the_platforms_view_of_a_workspace_and_its_health_follows_it()
    {
        var name = ResourceNames.WorkspaceAt(0);
        var id = fixture.Settings.WorkspaceIdAt(0);
        var notifications = fixture.App.Services.GetRequiredService<ResourceNotificationService>();
        using var cts = new CancellationTokenSource(Wait);
        await notifications.WaitForResourceAsync(name, e => PlatformStatus(e.Snapshot) == "online" && e.Snapshot.HealthStatus == HealthStatus.Healthy, cts.Token);

        // The dashboard's command: the platform pauses it.
        var paused = await fixture.App.ResourceCommands.ExecuteCommandAsync(name, "molecule-pause").WaitAsync(Wait);
        Assert.True(paused.Success, paused.Message);
        try
        {
            // Paused on the platform: the process still runs and serves its card, but the resource is no longer healthy.
            var snapshot = await notifications.WaitForResourceAsync(name, e => PlatformStatus(e.Snapshot) == "paused" && e.Snapshot.HealthStatus == HealthStatus.Unhealthy, cts.Token);
            Assert.Contains(snapshot.Snapshot.HealthReports, r => r.Description == "paused on the platform");
            Assert.Equal("paused", (await fixture.WaitForWorkspaceAsync(id, _ => true, Wait)).GetProperty("status").GetString());
        }
        finally
        {
            var resumed = await fixture.App.ResourceCommands.ExecuteCommandAsync(name, "molecule-resume").WaitAsync(Wait);
            Assert.True(resumed.Success, resumed.Message);
        }

        // Healthy again only at this run's URL: the resume restarted the resource, which registered again, so the
        // platform routes to it (the pause had cleared the URL).
        await notifications.WaitForResourceAsync(name, e => PlatformStatus(e.Snapshot) == "online" && e.Snapshot.HealthStatus == HealthStatus.Healthy, cts.Token);
        using var platform = fixture.App.CreateMoleculeEmulatorClient(ResourceNames.Platform);
        var answer = await platform.SendMessageAsync(name, "back after the resume").WaitAsync(Wait);
        Assert.Equal("Echo: back after the resume", MoleculeEmulatorClient.TextOf(answer));

        // A restart on the platform clears the URL too; the agent sees `provisioning` at its next beat and registers again.
        var restarted = await fixture.App.ResourceCommands.ExecuteCommandAsync(name, "molecule-restart").WaitAsync(Wait);
        Assert.True(restarted.Success, restarted.Message);
        await fixture.App.WaitForMoleculeWorkspaceOnlineAsync(name, Wait);
        answer = await platform.SendMessageAsync(name, "back after the restart").WaitAsync(Wait);
        Assert.Equal("Echo: back after the restart", MoleculeEmulatorClient.TextOf(answer));
    }

    [Fact]
    public async Task A_workspaces_heartbeat_fault_is_set_and_cleared_from_the_dashboard_and_the_canvas_link_signs_in_through_the_fragment()
    {
        var name = ResourceNames.WorkspaceAt(2);
        var id = fixture.Settings.WorkspaceIdAt(2);
        using var client = fixture.PlatformClient();

        var failed = await fixture.App.ResourceCommands.ExecuteCommandAsync(name, "molecule-fail-heartbeats").WaitAsync(Wait);
        Assert.True(failed.Success, failed.Message);
        var faults = JsonDocument.Parse(await client.GetStringAsync("/_emulator/faults")).RootElement;
        var fault = Assert.Single(faults.EnumerateArray(), f => f.GetProperty("workspace_id").GetString() == id);
        Assert.Equal("/registry/heartbeat", fault.GetProperty("path").GetString());
        var cleared = await fixture.App.ResourceCommands.ExecuteCommandAsync(name, "molecule-clear-heartbeat-fault").WaitAsync(Wait);
        Assert.True(cleared.Success, cleared.Message);
        Assert.DoesNotContain(JsonDocument.Parse(await client.GetStringAsync("/_emulator/faults")).RootElement.EnumerateArray(), f => f.GetProperty("workspace_id").GetString() == id);

        var notifications = fixture.App.Services.GetRequiredService<ResourceNotificationService>();
        using var cts = new CancellationTokenSource(Wait);
        var platform = await notifications.WaitForResourceAsync(ResourceNames.Platform, e => e.Snapshot.Urls.Any(u => u.Url.Contains("#admin-token=", StringComparison.Ordinal)), cts.Token);
        var signedIn = platform.Snapshot.Urls.Single(u => u.Url.Contains("#admin-token=", StringComparison.Ordinal)).Url;
        Assert.EndsWith($"/#admin-token={Uri.EscapeDataString(fixture.AdminToken)}", signedIn, StringComparison.Ordinal);   // a fragment: never sent to the server
    }

    [Fact]
    public async Task The_platforms_live_events_stream_to_a_test()
    {
        using var platform = fixture.App.CreateMoleculeEmulatorClient(ResourceNames.Platform);
        var id = platform.WorkspaceId(ResourceNames.WorkspaceAt(0));
        using var cts = new CancellationTokenSource(Wait);

        await foreach (var envelope in platform.StreamEventsAsync(cts.Token))
        {
            if (envelope.GetProperty("event").GetString() == "WORKSPACE_HEARTBEAT" && envelope.GetProperty("workspace_id").GetString() == id)
            {
                return;   // heartbeats arrive every second
            }
        }

        Assert.Fail("the stream ended without a heartbeat of the workspace");
    }

    private static string? PlatformStatus(CustomResourceSnapshot snapshot) =>
        snapshot.Properties.FirstOrDefault(p => p.Name == "molecule.platform.status")?.Value as string;
}
