using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Molecule.AppHost.Tests;

/// <summary>
/// The same AppHost switched to an existing platform with a URL and an admin token: a separately started emulator in
/// Strict fidelity stands in for the real one. The AppHost creates the external workspace there once, the workspace
/// comes online, and a second run reuses it.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ExistingPlatformTests : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(120);
    private readonly EmulatorProcess _platform = new()
    {
        Settings = new Dictionary<string, string?>
        {
            ["Emulator__Fidelity"] = "Strict",
            ["Emulator__UrlSafety"] = "Local",   // the workspace listens on loopback
        },
    };
    private readonly string _configs = Directory.CreateTempSubdirectory("molecule-existing-").FullName;

    public ValueTask InitializeAsync() => _platform.InitializeAsync();

    public async ValueTask DisposeAsync()
    {
        await _platform.DisposeAsync();
        Directory.Delete(_configs, recursive: true);
    }

    [Fact]
    public async Task The_workspace_is_created_once_on_the_existing_platform_comes_online_and_is_reused_on_the_next_run()
    {
        string first;
        await using (var app = await StartAsync())
        {
            Assert.DoesNotContain(app.Services.GetRequiredService<DistributedApplicationModel>().Resources, r => r.Name == ResourceNames.Platform);   // no emulator runs
            var row = await app.WaitForMoleculeWorkspaceOnlineAsync(ResourceNames.Workspace, Wait);
            first = row.GetProperty("id").GetString()!;
            using var platform = app.CreateMoleculeEmulatorClient(ResourceNames.Platform);
            Assert.Equal("Echo: hello, real platform", MoleculeEmulatorClient.TextOf(await platform.SendMessageAsync(ResourceNames.Workspace, "hello, real platform")));
        }

        await using (var app = await StartAsync())
        {
            var row = await app.WaitForMoleculeWorkspaceOnlineAsync(ResourceNames.Workspace, Wait);
            Assert.Equal(first, row.GetProperty("id").GetString());
        }

        var all = JsonDocument.Parse(await _platform.Client.GetStringAsync("/workspaces")).RootElement.EnumerateArray().ToArray();
        Assert.Equal(first, Assert.Single(all).GetProperty("id").GetString());   // created once
        var state = await File.ReadAllTextAsync(Path.Combine(_configs, "existing-workspaces.json"));
        Assert.Contains(first, state, StringComparison.Ordinal);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_configs, "existing-workspaces.json")));   // it holds tokens
        }
    }

    private async Task<DistributedApplication> StartAsync()
    {
        using var cts = new CancellationTokenSource(Wait);
        return await TestAppHost.StartAsync(
        [
            $"--Molecule:ExistingPlatform=http://127.0.0.1:{_platform.Port}",
            $"--Parameters:admin-token={EmulatorProcess.AdminToken}",
            "--Molecule:HeartbeatInterval=00:00:01",
            $"--Molecule:ConfigsRoot={_configs}",
            "--Molecule:DataDir=",
        ], cts.Token);
    }
}
