using Microsoft.Extensions.Hosting;

namespace Molecule.Workspace.Tasks;

/// <summary>Drops terminal tasks past their TTL once a minute.</summary>
internal sealed class TaskJanitor(TaskManager tasks, TimeProvider time) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMinutes(1), time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                tasks.Sweep();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
