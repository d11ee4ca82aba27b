using Aspire.Hosting;
using Aspire.Hosting.Testing;

namespace Molecule.AppHost.Tests;

/// <summary>
/// The AppHost run twice on one data folder, as <c>dotnet run</c> and a rerun of a user's tests do: the platform
/// restores the workspace's row from the first run, still online (until its liveness TTL) at the first run's URL.
/// The second run's waits take only its own registration for "online", so its first call reaches its own agent.
/// </summary>
[Trait("Category", "Integration")]
public sealed class RestartedPlatformTests : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(120);
    private readonly string _state = Directory.CreateTempSubdirectory("molecule-restart-state-").FullName;
    private readonly string _configs = Directory.CreateTempSubdirectory("molecule-restart-configs-").FullName;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync()
    {
        Directory.Delete(_state, recursive: true);
        Directory.Delete(_configs, recursive: true);
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task A_row_left_online_by_the_previous_run_is_not_taken_for_this_runs_workspace()
    {
        string firstUrl;
        await using (var app = await StartAsync())
        {
            var row = await app.WaitForMoleculeWorkspaceOnlineAsync(ResourceNames.Workspace, Wait);
            firstUrl = row.GetProperty("url").GetString()!;
            await StopAsync(app);
        }

        await using (var app = await StartAsync())
        {
            var row = await app.WaitForMoleculeWorkspaceOnlineAsync(ResourceNames.Workspace, Wait);
            Assert.NotEqual(firstUrl, row.GetProperty("url").GetString());   // ports are the OS's on every run
            using var platform = app.CreateMoleculeEmulatorClient(ResourceNames.Platform);
            Assert.Equal("Echo: after a restart", MoleculeEmulatorClient.TextOf(await platform.SendMessageAsync(ResourceNames.Workspace, "after a restart")));

            await StopAsync(app);
        }
    }

    private async Task<DistributedApplication> StartAsync()
    {
        using var cts = new CancellationTokenSource(Wait);
        return await TestAppHost.StartAsync(
        [
            "--Molecule:HeartbeatInterval=00:00:01",
            $"--Molecule:ConfigsRoot={_configs}",
            $"--Molecule:DataDir={_state}",   // the default liveness TTL keeps the restored row online through the second start
        ], cts.Token);
    }

    private static async Task StopAsync(DistributedApplication app) => await app.StopAsync().WaitAsync(TimeSpan.FromSeconds(60));
}
