using System.Globalization;
using System.Net;

namespace Molecule.Deployment.Tests;

/// <summary>
/// The built workspace process against the built emulator process, faults injected on the emulator: the workspace
/// recovers by itself from failing heartbeats, from an emulator that lost its state (401/404, re-registration),
/// and rides out latency.
/// </summary>
[Trait("Category", "Integration")]
public sealed class RecoveryTests(EmulatorProcess platform) : IClassFixture<EmulatorProcess>, IAsyncLifetime
{
    private readonly string _configs = Directory.CreateTempSubdirectory("molecule-recovery-").FullName;
    private readonly int _port = TestPorts.Free();
    private ChildProcess? _workspace;
    private string _id = "";

    private HttpClient Workspace { get; } = new() { Timeout = TimeSpan.FromSeconds(10) };

    public async ValueTask InitializeAsync()
    {
        _id = await platform.CreateWorkspaceAsync($"recovery-{Guid.NewGuid():N}"[..20]);
        _workspace = ChildProcess.StartWorkspace(new Dictionary<string, string?>
        {
            ["WORKSPACE_ID"] = _id,
            ["PORT"] = _port.ToString(CultureInfo.InvariantCulture),
            ["AGENT_URL"] = $"http://127.0.0.1:{_port}",
            ["PLATFORM_URL"] = $"http://127.0.0.1:{platform.Port}",
            ["CONFIGS_DIR"] = _configs,
            ["HEARTBEAT_INTERVAL_SECONDS"] = "1",
        });
        Workspace.BaseAddress = new Uri($"http://127.0.0.1:{_port}");
        await TestTimeouts.Eventually(async () => await platform.StatusOfAsync(_id) == "online" && await HealthyAsync(), TestTimeouts.Start, "workspace online and healthy");
    }

    public async ValueTask DisposeAsync()
    {
        await ClearFaultsAsync();
        if (_workspace is not null)
        {
            await _workspace.DisposeAsync();
        }

        Workspace.Dispose();
        Directory.Delete(_configs, recursive: true);
    }

    [Fact]
    public async Task Failing_heartbeats_are_retried_and_the_workspace_is_healthy_again_once_they_pass()
    {
        await AddFaultAsync($$"""{"method":"POST","path":"/registry/heartbeat","workspace_id":"{{_id}}","kind":"status","status":503,"count":3}""");

        await TestTimeouts.Eventually(() => Task.FromResult(Log.Contains("Heartbeat failed: 503", StringComparison.Ordinal)), TestTimeouts.Start, "a failed heartbeat logged");
        var failedAt = await HeartbeatsAcceptedAsync();
        await TestTimeouts.Eventually(async () => await HealthyAsync() && await HeartbeatsAcceptedAsync() > failedAt, TestTimeouts.Start, "heartbeats accepted again");

        Assert.Equal("online", await platform.StatusOfAsync(_id));
    }

    [Fact]
    public async Task After_an_outage_that_lost_every_workspace_and_token_it_registers_again_by_itself()
    {
        var tokenBefore = await File.ReadAllTextAsync(Path.Combine(_configs, ".auth_token"));

        using var outage = await platform.Client.PostAsync("/_emulator/outage", EmulatorProcess.Json("{}"));
        Assert.Equal(HttpStatusCode.OK, outage.StatusCode);

        // Back online on the platform, and the token the new registration minted saved by the workspace (the platform
        // marks the row online before its answer, with the token, reaches the workspace).
        await TestTimeouts.Eventually(async () => await platform.StatusOfAsync(_id) == "online" &&
                                                  await File.ReadAllTextAsync(Path.Combine(_configs, ".auth_token")) != tokenBefore,
            TestTimeouts.Start, "registered again with a new token after the outage");
        await TestTimeouts.Eventually(HealthyAsync, TestTimeouts.Start, "healthy after the outage");
        Assert.Contains("re-registering", Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Slow_heartbeat_answers_do_not_take_the_workspace_offline_or_unhealthy()
    {
        await AddFaultAsync($$"""{"method":"POST","path":"/registry/heartbeat","workspace_id":"{{_id}}","kind":"latency","latency_ms":1500,"count":3}""");
        var before = await HeartbeatsAcceptedAsync();

        await TestTimeouts.Eventually(async () => await HeartbeatsAcceptedAsync() >= before + 4, TestTimeouts.Start, "slow heartbeats accepted");

        Assert.True(await HealthyAsync(), Log);
        Assert.Equal("online", await platform.StatusOfAsync(_id));
        Assert.DoesNotContain("Heartbeat failed", Log, StringComparison.Ordinal);
    }

    private string Log => _workspace?.Output ?? "";

    /// <summary>Heartbeats the emulator accepted from any workspace, from its Prometheus counter.</summary>
    private async Task<long> HeartbeatsAcceptedAsync()
    {
        var metrics = await platform.Client.GetStringAsync("/metrics");
        var line = metrics.Split('\n').FirstOrDefault(l => l.StartsWith("molecule_emulator_heartbeats", StringComparison.Ordinal) && !l.StartsWith('#'));
        return line is null ? 0 : (long)double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
    }

    private async Task<bool> HealthyAsync() => await Workspace.StatusAsync("/health") == HttpStatusCode.OK;

    private async Task AddFaultAsync(string json)
    {
        using var response = await platform.Client.PostAsync("/_emulator/faults", EmulatorProcess.Json(json));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    private async Task ClearFaultsAsync()
    {
        using var response = await platform.Client.DeleteAsync("/_emulator/faults");
    }
}
