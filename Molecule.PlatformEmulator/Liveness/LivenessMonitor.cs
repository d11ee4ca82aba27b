using Molecule.PlatformEmulator.State;

namespace Molecule.PlatformEmulator.Liveness;

/// <summary>Runs the liveness sweep (TTL, external staleness, provisioning timeout) every sweep interval, on the injected clock.</summary>
public sealed class LivenessMonitor(WorkspaceService service, EmulatorOptions options, TimeProvider time) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.SweepInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                service.Sweep();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
