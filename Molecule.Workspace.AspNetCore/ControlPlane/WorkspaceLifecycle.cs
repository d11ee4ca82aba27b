using System.Runtime.InteropServices;
using System.Text.Json;
using Molecule.Platform.Client;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Molecule.Workspace.A2A;
using Molecule.Workspace.Tasks;

namespace Molecule.Workspace.ControlPlane;

/// <summary>
/// Start: restore the snapshot (best effort), then, once the server listens, start the heartbeat loop.
/// Stop (SIGTERM, SIGINT, orchestrator stop, or deletion on the platform), within <c>SHUTDOWN_GRACE_SECONDS</c>:
/// refuse new work → stop heartbeats and send a final one → let in-flight tasks finish until 1 s remains, cancel the
/// rest ("shutdown") → write the scrubbed snapshot → exit 0. One log line per step; a second signal skips the wait.
/// </summary>
internal sealed partial class WorkspaceLifecycle(
    HeartbeatLoop loop,
    TaskManager tasks,
    WorkspaceSnapshotStore snapshots,
    WorkspaceSettings settings,
    IHostApplicationLifetime lifetime,
    TimeProvider time,
    ILogger<WorkspaceLifecycle> logger) : IHostedService, IDisposable
{
    private static readonly TimeSpan ReservedForSnapshot = TimeSpan.FromSeconds(1);
    private readonly CancellationTokenSource _skipWait = new();
    private readonly List<PosixSignalRegistration> _signals = [];
    private int _stopping;   // 1 once the shutdown sequence began (it runs once)

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await RestoreAsync(cancellationToken).ConfigureAwait(false);
        LogStarting(logger, settings.WorkspaceId, settings.AgentUrl, settings.PlatformUrl, settings.ConfigsDir);

        // Listen first, register second: the platform may call the URL it is told about straight away.
        lifetime.ApplicationStarted.Register(loop.Start);
        _ = loop.Deleted.ContinueWith(_ => lifetime.StopApplication(), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);

        if (!OperatingSystem.IsWindows())
        {
            foreach (var signal in (PosixSignal[])[PosixSignal.SIGTERM, PosixSignal.SIGINT])
            {
                _signals.Add(PosixSignalRegistration.Create(signal, _ =>
                {
                    if (Volatile.Read(ref _stopping) == 1)
                    {
                        LogSecondSignal(logger);
                        _skipWait.Cancel();
                    }
                }));
            }
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _stopping, 1) == 1)
        {
            return;   // the sequence runs once, however many times the host asks
        }

        var started = time.GetUtcNow();
        var deadline = started + settings.ShutdownGrace;
        var clock = time.GetTimestamp();

        tasks.StopAcceptingWork();
        LogStep(logger, 1, "stopped accepting new A2A work (new sends get 503 'workspace shutting down')");

        try
        {
            var final = await loop.StopAsync(sendFinalHeartbeat: true, cancellationToken).ConfigureAwait(false);
            LogStep(logger, 2, final is null
                ? "heartbeat loop stopped; no final heartbeat (the workspace was deleted)"
                : $"heartbeat loop stopped; final heartbeat (active_tasks={loop.ActiveTasks}) answered {final.Describe()}");
        }
        catch (OperationCanceledException)
        {
            LogStep(logger, 2, "heartbeat loop stopped; final heartbeat not sent (shutdown timed out)");
        }

        var budget = deadline - time.GetUtcNow() - ReservedForSnapshot;
        var running = tasks.ActiveCount;
        var (finished, canceled) = await tasks.DrainAsync(budget, _skipWait.Token).ConfigureAwait(false);
        LogStep(logger, 3, running == 0
            ? "no tasks in flight"
            : $"{running} task(s) in flight: {Math.Max(0, finished)} finished, {canceled} canceled (reason: shutdown)");

        try
        {
            snapshots.Write(tasks.List().Select(t => t.Snapshot()), loop.CurrentTask, tasks.ActiveCount, loop.UptimeSeconds);
            LogStep(logger, 4, $"snapshot written to {snapshots.Path} ({tasks.Count} task(s), secrets scrubbed)");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogStep(logger, 4, $"snapshot could not be written to {snapshots.Path}: {ex.Message}");
        }

        LogStep(logger, 5, $"shutdown complete in {time.GetElapsedTime(clock).TotalSeconds:0.0} s; exiting");
    }

    public void Dispose()
    {
        foreach (var signal in _signals)
        {
            signal.Dispose();
        }

        // _skipWait is not disposed: a signal handler or a late StopAsync may still read it, and a source with no
        // timer and no linked tokens holds nothing that needs releasing.
    }

    /// <summary>The stored tasks (the journal, or the app's own store); without any, the last shutdown snapshot.</summary>
    private async Task RestoreAsync(CancellationToken cancellationToken)
    {
        try
        {
            if (await tasks.RestoreStoredAsync(cancellationToken).ConfigureAwait(false) is > 0 and var stored)
            {
                LogRestored(logger, stored, "the task store");
                return;
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogRestoreFailed(logger, "the task store", ex.Message);
        }

        try
        {
            if (snapshots.Read() is { } restored)
            {
                var count = tasks.Restore(restored);
                LogRestored(logger, count, snapshots.Path);
            }
        }
        catch (Exception ex) when (ex is JsonException or A2AException or TaskStoreException or IOException or UnauthorizedAccessException or InvalidOperationException or FormatException)
        {
            LogRestoreFailed(logger, snapshots.Path, ex.Message);
        }
    }

    [LoggerMessage(EventId = 400, Level = LogLevel.Information, Message = "Workspace {WorkspaceId} starting: serving A2A at {AgentUrl}, platform {PlatformUrl}, configs in {ConfigsDir}")]
    private static partial void LogStarting(ILogger logger, string workspaceId, string agentUrl, Uri platformUrl, string configsDir);

    [LoggerMessage(EventId = 401, Level = LogLevel.Information, Message = "Shutdown step {Step}/5: {What}")]
    private static partial void LogStep(ILogger logger, int step, string what);

    [LoggerMessage(EventId = 402, Level = LogLevel.Warning, Message = "Second stop signal: skipping the rest of the wait for in-flight tasks")]
    private static partial void LogSecondSignal(ILogger logger);

    [LoggerMessage(EventId = 403, Level = LogLevel.Information, Message = "Restored {Count} task(s) from {Path}")]
    private static partial void LogRestored(ILogger logger, int count, string path);

    [LoggerMessage(EventId = 404, Level = LogLevel.Warning, Message = "Ignoring the unreadable snapshot {Path}: {Error}")]
    private static partial void LogRestoreFailed(ILogger logger, string path, string error);
}
