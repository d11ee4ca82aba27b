using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Summarizer.Tests;

/// <summary>The Summarizer's AppHost under Aspire.Hosting.Testing: the platform, the agent online on it, answers through the platform.</summary>
public sealed class SummarizerTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);
    private DistributedApplication _app = null!;

    public async ValueTask InitializeAsync()
    {
        using var cancellation = new CancellationTokenSource(Timeout);
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Summarizer_AppHost>(cancellation.Token);
        _app = await builder.BuildAsync(cancellation.Token);
        await _app.StartAsync(cancellation.Token);
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task The_summarizer_comes_online_on_the_platform_and_answers_through_it()
    {
        var row = await _app.WaitForMoleculeWorkspaceOnlineAsync("summarizer", Timeout, TestContext.Current.CancellationToken);
        Assert.Equal("Summarizer", row.GetProperty("agent_card").GetProperty("name").GetString());

        using var platform = _app.CreateMoleculeEmulatorClient("platform");
        var answer = await platform.SendMessageAsync("summarizer", "reverse: stressed", cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal("desserts", MoleculeEmulatorClient.TextOf(answer));

        // What the dashboard shows: healthy, with the platform's status.
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cancellation.CancelAfter(Timeout);
        var shown = await _app.Services.GetRequiredService<ResourceNotificationService>().WaitForResourceAsync("summarizer",
            e => e.Snapshot.HealthStatus == HealthStatus.Healthy && e.Snapshot.Properties.Any(p => p.Name == "molecule.platform.status" && p.Value as string == "online"),
            cancellation.Token);
        Assert.Equal(KnownResourceStates.Running, shown.Snapshot.State?.Text);
    }
}
