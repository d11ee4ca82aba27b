namespace Molecule.PlatformEmulator.Tests;

/// <summary>What the service defaults collect, read from the emulator's <c>/metrics</c> on real Kestrel.</summary>
public sealed class TelemetryDefaultsTests(KestrelEmulatorFactory factory) : IClassFixture<KestrelEmulatorFactory>
{
    [Fact]
    public async Task Requests_are_measured_but_the_servers_memory_pool_is_not()
    {
        factory.StartServer();
        using var client = factory.CreateClient();
        for (var i = 0; i < 5; i++)
        {
            using var answer = await client.GetAsync("/health").WaitAsync(EmulatorHttp.Timeout);
            answer.EnsureSuccessStatusCode();
        }

        var metrics = await client.GetStringAsync("/metrics").WaitAsync(EmulatorHttp.Timeout);

        Assert.Contains("http_server_request_duration", metrics, StringComparison.Ordinal);
        Assert.Contains("kestrel_active_connections", metrics, StringComparison.Ordinal);
        Assert.DoesNotContain("aspnetcore_memory_pool", metrics, StringComparison.Ordinal);
    }
}
