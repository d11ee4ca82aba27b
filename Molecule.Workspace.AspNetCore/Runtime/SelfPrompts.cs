using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Molecule.Platform.Client;
using Molecule.Workspace.ControlPlane;

namespace Molecule.Workspace.Runtime;

/// <summary>
/// The prompts a workspace sends itself through the platform, as the Molecule runtime does: <c>initial_prompt</c> once
/// in the workspace's life (the marker <c>.initial_prompt_done</c> is written in <c>CONFIGS_DIR</c> first, so a restart
/// never repeats it, even after a failed attempt), and <c>idle_prompt</c> every <c>idle_interval_seconds</c> while no
/// task is running. Both travel as <c>message/send</c> to <c>POST /workspaces/{self}/a2a</c>, once the platform has
/// accepted a heartbeat (so it can reach this agent).
/// </summary>
internal sealed partial class SelfPrompts(
    RuntimeConfigSource runtime,
    HeartbeatLoop loop,
    MoleculePlatform platform,
    WorkspaceSettings settings,
    TimeProvider time,
    ILogger<SelfPrompts> logger) : BackgroundService
{
    public const string InitialPromptMarker = ".initial_prompt_done";

    private static readonly TimeSpan[] InitialRetryDelays = [TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(45)];
    private static readonly TimeSpan InitialTimeout = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan MaxSettleDelay = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan MaxIdleTimeout = TimeSpan.FromMinutes(5);

    private readonly TaskCompletionSource _reachable = new(TaskCreationOptions.RunContinuationsAsynchronously);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (runtime.Current.InitialPrompt is null && runtime.Current.IdlePrompt is null)
        {
            return;   // nothing to send (config.yaml edits need a restart to start either)
        }

        loop.HeartbeatSucceeded += OnHeartbeat;
        try
        {
            await _reachable.Task.WaitAsync(stoppingToken).ConfigureAwait(false);
            loop.HeartbeatSucceeded -= OnHeartbeat;
            await SendInitialPromptAsync(stoppingToken).ConfigureAwait(false);
            await RunIdlePromptsAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            loop.HeartbeatSucceeded -= OnHeartbeat;
        }
    }

    private void OnHeartbeat(object? sender, EventArgs e) => _reachable.TrySetResult();

    private async Task SendInitialPromptAsync(CancellationToken stoppingToken)
    {
        if (runtime.Current.InitialPrompt is not { } prompt)
        {
            return;
        }

        var marker = Path.Combine(settings.ConfigsDir, InitialPromptMarker);
        if (File.Exists(marker))
        {
            return;
        }

        try
        {
            Directory.CreateDirectory(settings.ConfigsDir);
            File.WriteAllText(marker, time.GetUtcNow().ToString("O"));   // first: a crash mid-send must not send it twice
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogMarkerUnwritable(logger, marker, ex.Message);
            return;
        }

        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await platform.AskPeerAsync(platform.WorkspaceId, prompt, InitialTimeout, cancellationToken: stoppingToken).ConfigureAwait(false);
                LogSent(logger, "initial prompt");
                return;
            }
            catch (PlatformApiException ex) when (attempt < InitialRetryDelays.Length)
            {
                LogRetrying(logger, "initial prompt", ex.PlatformError, InitialRetryDelays[attempt].TotalSeconds);
                await Task.Delay(InitialRetryDelays[attempt], time, stoppingToken).ConfigureAwait(false);
            }
            catch (PlatformApiException ex)
            {
                LogGaveUp(logger, "initial prompt", ex.PlatformError);
                return;
            }
        }
    }

    private async Task RunIdlePromptsAsync(CancellationToken stoppingToken)
    {
        if (runtime.Current.IdlePrompt is null)
        {
            return;
        }

        var interval = runtime.Current.IdleInterval;
        await Task.Delay(interval < MaxSettleDelay ? interval : MaxSettleDelay, time, stoppingToken).ConfigureAwait(false);
        while (!stoppingToken.IsCancellationRequested)
        {
            var config = runtime.Current;
            if (config.IdlePrompt is { } prompt && loop.ActiveTasks == 0)
            {
                var bound = config.IdleInterval < MaxIdleTimeout ? config.IdleInterval : MaxIdleTimeout;
                try
                {
                    await platform.AskPeerAsync(platform.WorkspaceId, prompt, bound, cancellationToken: stoppingToken).ConfigureAwait(false);
                    LogSent(logger, "idle prompt");
                }
                catch (PlatformApiException ex)
                {
                    LogGaveUp(logger, "idle prompt", ex.PlatformError);
                }
            }

            await Task.Delay(config.IdleInterval, time, stoppingToken).ConfigureAwait(false);
        }
    }

    [LoggerMessage(EventId = 70, Level = LogLevel.Information, Message = "Sent the {Prompt} to this workspace through the platform")]
    private static partial void LogSent(ILogger logger, string prompt);

    [LoggerMessage(EventId = 71, Level = LogLevel.Warning, Message = "Sending the {Prompt} failed: {Error}; retrying in {Seconds} s")]
    private static partial void LogRetrying(ILogger logger, string prompt, string error, double seconds);

    [LoggerMessage(EventId = 72, Level = LogLevel.Warning, Message = "Sending the {Prompt} failed: {Error}")]
    private static partial void LogGaveUp(ILogger logger, string prompt, string error);

    [LoggerMessage(EventId = 73, Level = LogLevel.Warning, Message = "The initial prompt is not sent: its marker {Path} cannot be written ({Error}), so it could be sent again on every start")]
    private static partial void LogMarkerUnwritable(ILogger logger, string path, string error);
}
