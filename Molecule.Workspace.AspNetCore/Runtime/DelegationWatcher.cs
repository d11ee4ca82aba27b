using System.Text;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Molecule.Platform.Client;
using Molecule.Workspace.ControlPlane;

namespace Molecule.Workspace;

/// <summary>What the workspace does with the results of its delegations (section <c>Agent:DelegationResults</c>).</summary>
public sealed class DelegationResultsOptions
{
    /// <summary>The configuration section, <c>Agent:DelegationResults</c>.</summary>
    public const string SectionName = "Agent:DelegationResults";

    /// <summary>Tell the user in the canvas chat when a delegation finishes (<c>POST /notify</c>).</summary>
    public bool NotifyUser { get; set; } = true;

    /// <summary>Send the results to the agent as a new turn of the conversation that delegated, through the platform (as the Molecule runtime wakes itself).</summary>
    public bool WakeAgent { get; set; } = true;

    /// <summary>The least time between two wake-ups; results arriving sooner wait and travel together.</summary>
    [Infrastructure.TimeSpanRange("00:00:01", "01:00:00")] public TimeSpan WakeInterval { get; set; } = TimeSpan.FromMinutes(1);
}

[OptionsValidator]
internal sealed partial class DelegationResultsOptionsAnnotations : IValidateOptions<DelegationResultsOptions>;

/// <summary>
/// After each accepted heartbeat, reads <c>GET /workspaces/{id}/delegations</c> and delivers each new result of a
/// delegation this workspace started, once: to <see cref="DelegationResults"/>, to the user, and to the agent (at most
/// once per <see cref="DelegationResultsOptions.WakeInterval"/>). What was delivered is remembered in <c>CONFIGS_DIR</c>,
/// so a restart delivers only what finished meanwhile.
/// </summary>
internal sealed partial class DelegationWatcher(
    HeartbeatLoop loop,
    MoleculePlatform platform,
    DelegationResults results,
    WorkspaceSettings settings,
    IOptions<DelegationResultsOptions> options,
    TimeProvider time,
    ILogger<DelegationWatcher> logger) : BackgroundService
{
    private const int RememberedResults = 500;
    private static readonly TimeSpan WakeTimeout = TimeSpan.FromMinutes(10);

    private readonly SemaphoreSlim _heartbeat = new(0, 1);
    private readonly List<DelegationResult> _pendingWake = [];
    private DateTimeOffset _lastWake = DateTimeOffset.MinValue;
    private LinkedList<string> _seen = new();
    private HashSet<string> _seenSet = new(StringComparer.Ordinal);

    private string SeenPath => Path.Combine(settings.ConfigsDir, ".delegation_results");

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        LoadSeen();
        loop.HeartbeatSucceeded += OnHeartbeat;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await WaitAsync(stoppingToken).ConfigureAwait(false);
                await CheckAsync(stoppingToken).ConfigureAwait(false);
                await WakeIfDueAsync(stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            loop.HeartbeatSucceeded -= OnHeartbeat;
        }
    }

    private void OnHeartbeat(object? sender, EventArgs e)
    {
        if (_heartbeat.CurrentCount == 0)
        {
            try
            {
                _heartbeat.Release();
            }
            catch (SemaphoreFullException)
            {
            }
        }
    }

    /// <summary>Until the next heartbeat, or until held results are due to wake the agent.</summary>
    private async Task WaitAsync(CancellationToken stoppingToken)
    {
        if (_pendingWake.Count == 0)
        {
            await _heartbeat.WaitAsync(stoppingToken).ConfigureAwait(false);
            return;
        }

        var due = _lastWake + options.Value.WakeInterval - time.GetUtcNow();
        if (due > TimeSpan.Zero)
        {
            using var timer = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            var delay = Task.Delay(due, time, timer.Token);
            await Task.WhenAny(delay, _heartbeat.WaitAsync(timer.Token)).ConfigureAwait(false);
            timer.Cancel();
            stoppingToken.ThrowIfCancellationRequested();
        }
    }

    private async Task CheckAsync(CancellationToken stoppingToken)
    {
        IReadOnlyList<DelegationRecord> rows;
        try
        {
            rows = await platform.ListDelegationsAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (PlatformApiException ex)
        {
            LogCheckFailed(logger, ex.PlatformError);
            return;
        }

        // Newest first: the first row of each delegation is its latest word.
        var fresh = rows
            .Where(r => r.DelegationId is { Length: > 0 } && r.SourceId == platform.WorkspaceId && r.Status is "completed" or "failed")
            .GroupBy(r => r.DelegationId!, StringComparer.Ordinal)
            .Where(g => !_seenSet.Contains(g.Key))
            .Select(g => (Id: g.Key, Latest: g.First(), Rows: g.ToArray()))
            .Reverse()   // deliver oldest first
            .ToArray();
        if (fresh.Length == 0)
        {
            return;
        }

        var now = time.GetUtcNow();
        foreach (var (id, latest, all) in fresh)
        {
            var target = all.Select(r => r.TargetId).FirstOrDefault(t => t.Length > 0) ?? "";
            var succeeded = latest.Status == "completed";
            var result = new DelegationResult(id, target, succeeded,
                succeeded ? all.Select(r => r.ResponsePreview).FirstOrDefault(p => p is not null) : null,
                succeeded ? null : all.Select(r => r.Error).FirstOrDefault(e => e is not null) ?? "the delegation failed",
                results.ContextOf(id), now);
            Remember(id);
            results.Deliver(result);
            LogDelivered(logger, id, succeeded ? "completed" : "failed");
            if (options.Value.WakeAgent)
            {
                _pendingWake.Add(result);
            }

            if (options.Value.NotifyUser)
            {
                await NotifyAsync(result, stoppingToken).ConfigureAwait(false);
            }
        }

        SaveSeen();
    }

    private async Task NotifyAsync(DelegationResult result, CancellationToken stoppingToken)
    {
        var name = await NameOfAsync(result.TargetId, stoppingToken).ConfigureAwait(false);
        var text = result.Succeeded ? $"Delegation to {name} completed: {result.Response}" : $"Delegation to {name} failed: {result.Error}";
        try
        {
            await platform.NotifyUserAsync(text, cancellationToken: stoppingToken).ConfigureAwait(false);
        }
        catch (PlatformApiException ex)
        {
            LogNotifyFailed(logger, ex.PlatformError);
        }
    }

    /// <summary>Sends the held results to the agent, one message per conversation that delegated, when the interval allows.</summary>
    private async Task WakeIfDueAsync(CancellationToken stoppingToken)
    {
        var now = time.GetUtcNow();
        if (_pendingWake.Count == 0 || now - _lastWake < options.Value.WakeInterval)
        {
            return;
        }

        _lastWake = now;
        var batches = _pendingWake.GroupBy(r => r.ContextId).ToArray();
        _pendingWake.Clear();
        foreach (var batch in batches)
        {
            var text = new StringBuilder("Results of tasks you delegated have arrived:\n");
            foreach (var result in batch)
            {
                var name = await NameOfAsync(result.TargetId, stoppingToken).ConfigureAwait(false);
                text.Append("- ").Append(name).Append(result.Succeeded ? " completed" : " failed").Append(" (delegation ").Append(result.DelegationId).Append("): ")
                    .Append(result.Succeeded ? result.Response : result.Error).Append('\n');
            }

            text.Append("Continue your work with these results.");
            _ = WakeAsync(batch.Key, text.ToString(), stoppingToken);   // the agent's turn may take minutes; the checks go on
        }
    }

    private async Task WakeAsync(string? contextId, string text, CancellationToken stoppingToken)
    {
        try
        {
            // Through the platform to this workspace, as the Molecule runtime wakes itself: the turn is in the activity log and the busy queue applies.
            await platform.AskPeerAsync(platform.WorkspaceId, text, WakeTimeout, contextId, stoppingToken).ConfigureAwait(false);
        }
        catch (PlatformApiException ex)
        {
            LogWakeFailed(logger, ex.PlatformError);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>The peer's name as the platform client knows it from peer lists (read once more when it does not yet).</summary>
    private async Task<string> NameOfAsync(string workspaceId, CancellationToken stoppingToken)
    {
        if (workspaceId.Length == 0)
        {
            return "a peer";
        }

        if (platform.KnownName(workspaceId) is null)
        {
            try
            {
                await platform.ListPeersAsync(cancellationToken: stoppingToken).ConfigureAwait(false);
            }
            catch (PlatformApiException)
            {
            }
        }

        return platform.KnownName(workspaceId) ?? workspaceId;
    }

    private void Remember(string id)
    {
        if (_seenSet.Add(id))
        {
            _seen.AddLast(id);
        }

        while (_seen.Count > RememberedResults)
        {
            _seenSet.Remove(_seen.First!.Value);
            _seen.RemoveFirst();
        }
    }

    private void LoadSeen()
    {
        try
        {
            if (File.Exists(SeenPath))
            {
                _seen = new LinkedList<string>(File.ReadAllLines(SeenPath).Where(l => l.Length > 0).TakeLast(RememberedResults));
                _seenSet = new HashSet<string>(_seen, StringComparer.Ordinal);
            }
        }
        catch (IOException ex)
        {
            LogSeenUnreadable(logger, SeenPath, ex.Message);
        }
    }

    private void SaveSeen()
    {
        try
        {
            var temporary = SeenPath + ".tmp";
            File.WriteAllLines(temporary, _seen);
            File.Move(temporary, SeenPath, overwrite: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogSeenUnreadable(logger, SeenPath, ex.Message);
        }
    }

    public override void Dispose()
    {
        _heartbeat.Dispose();
        base.Dispose();
    }

    [LoggerMessage(EventId = 60, Level = LogLevel.Information, Message = "Delegation {DelegationId} {Outcome}; delivered to the agent")]
    private static partial void LogDelivered(ILogger logger, string delegationId, string outcome);

    [LoggerMessage(EventId = 61, Level = LogLevel.Warning, Message = "Checking delegations failed: {Error}; trying after the next heartbeat")]
    private static partial void LogCheckFailed(ILogger logger, string error);

    [LoggerMessage(EventId = 62, Level = LogLevel.Warning, Message = "Telling the user about a delegation result failed: {Error}")]
    private static partial void LogNotifyFailed(ILogger logger, string error);

    [LoggerMessage(EventId = 63, Level = LogLevel.Warning, Message = "Waking the agent with delegation results failed: {Error}")]
    private static partial void LogWakeFailed(ILogger logger, string error);

    [LoggerMessage(EventId = 64, Level = LogLevel.Warning, Message = "The delivered-results file {Path} could not be used: {Error}")]
    private static partial void LogSeenUnreadable(ILogger logger, string path, string error);
}
