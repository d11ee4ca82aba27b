using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Molecule.Platform.Client;

/// <summary>
/// Keeps a workspace known to the Molecule control plane: registers it (when <see cref="HeartbeatLoopOptions.Registration"/>
/// is set), heartbeats every interval with real values, polls <c>/workspaces/{id}/state</c> before each beat to notice
/// deletion, a pause, and a resume or restart (which clear the URL the platform routes to: it registers again), and
/// recovers from the platform losing its state (re-reads the token file, re-registers once, tells deletion apart).
/// Retries follow the contract: capped exponential backoff with jitter, <c>Retry-After</c> honoured, never a tight loop.
/// </summary>
/// <example>
/// <code>
/// await using var loop = new HeartbeatLoop("http://localhost:8080", workspaceId);
/// loop.Start();
/// loop.CurrentTask = "Summarise Q3 report"; loop.ActiveTasks = 1;
/// // … on shutdown:
/// await loop.StopAsync(sendFinalHeartbeat: true);
/// </code>
/// </example>
public sealed partial class HeartbeatLoop : IAsyncDisposable
{
    private static readonly TimeSpan MinimumOutOfBandSpacing = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan FinalHeartbeatTimeout = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan MaxRetryAfter = TimeSpan.FromSeconds(60);

    private readonly HeartbeatLoopOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Random _random;
    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly DateTimeOffset _startedAt;
    private readonly TaskCompletionSource _deleted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _gate = new();

    private TaskCompletionSource _wake = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private CancellationTokenSource? _stopping;
    private Task? _running;
    private int _activeTasks;
    private string _currentTask = "";
    private string? _wedged;
    private volatile bool _outOfBandPending;
    private volatile bool _cardChanged;
    private PlatformLinkStatus _status;

    // Loop-owned state (only touched by the loop task).
    private bool _needsRegistration;
    private DateTimeOffset _registerDue;
    private DateTimeOffset _heartbeatDue;
    private DateTimeOffset _lastBeatAttempt = DateTimeOffset.MinValue;
    private bool _registeredForState;
    private int _registerAttempts;
    private int _heartbeatFailures;
    private string? _lastSentCard;

    /// <summary>Creates a loop for one workspace; nothing is sent until <see cref="Start"/>.</summary>
    /// <param name="platformUrl">The control plane, e.g. <c>http://localhost:8080</c>.</param>
    /// <param name="workspaceId">The workspace's UUID on the platform.</param>
    /// <param name="options">Token store, interval, client, clock, logger and registration; all optional.</param>
    public HeartbeatLoop(string platformUrl, string workspaceId, HeartbeatLoopOptions? options = null)
    {
        if (!Uri.TryCreate(platformUrl?.TrimEnd('/'), UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new ArgumentException($"The platform URL must be an absolute http(s) URL; got '{platformUrl}'.", nameof(platformUrl));
        }

        if (!Guid.TryParse(workspaceId, out _))
        {
            throw new ArgumentException($"The workspace id must be a UUID; got '{workspaceId}'.", nameof(workspaceId));
        }

        _options = options ?? new HeartbeatLoopOptions();
        if (_options.Interval < TimeSpan.FromSeconds(1) || _options.Interval > TimeSpan.FromSeconds(60))
        {
            throw new ArgumentOutOfRangeException(nameof(options), _options.Interval, "The heartbeat interval must be between 1 and 60 seconds.");
        }

        _time = _options.TimeProvider ?? TimeProvider.System;
        _logger = _options.Logger ?? NullLogger.Instance;
        _random = _options.Random ?? new Random();   // used by the loop alone
        _ownsHttp = _options.HttpClient is null;
#pragma warning disable RS0030 // a loop made outside DI, with no client given, owns one (and disposes it)
        _http = _options.HttpClient ?? new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2) });
#pragma warning restore RS0030
        _startedAt = _options.StartedAt ?? _time.GetUtcNow();
        Errors = new ErrorRateWindow(_time);
        Client = new PlatformClient(_http, uri, workspaceId.ToLowerInvariant(), _options.Tokens ?? TokenStore.InMemory(), _time);
        _status = new PlatformLinkStatus(PlatformLinkState.Starting, "not started", false, null, false, null);
    }

    /// <summary>The platform calls the loop makes, for an agent's own use of the same link.</summary>
    public PlatformClient Client { get; }

    /// <summary>The workspace's id.</summary>
    public string WorkspaceId => Client.WorkspaceId;

    /// <summary>Where the workspace's token lives.</summary>
    public TokenStore Tokens => Client.Tokens;

    /// <summary>The rolling 60 s window behind <c>error_rate</c> and <c>sample_error</c>.</summary>
    public ErrorRateWindow Errors { get; }

    /// <summary>Completes when the platform has deleted this workspace (after the loop has stopped itself).</summary>
    public Task Deleted => _deleted.Task;

    /// <summary>What the loop knows of the platform right now (drives readiness).</summary>
    public PlatformLinkStatus Status
    {
        get
        {
            lock (_gate)
            {
                return _status;
            }
        }
    }

    /// <summary>How many tasks are running, reported as <c>active_tasks</c>.</summary>
    public int ActiveTasks
    {
        get => Volatile.Read(ref _activeTasks);
        set => Volatile.Write(ref _activeTasks, Math.Max(0, value));
    }

    /// <summary>A short label of the most recently started task (scrubbed, at most 256 chars); "" when idle.</summary>
    public string CurrentTask
    {
        get => Volatile.Read(ref _currentTask);
        set => Volatile.Write(ref _currentTask, SecretScrubber.Scrub(value ?? "", 256));
    }

    /// <summary>Seconds since the loop was created (or <see cref="HeartbeatLoopOptions.StartedAt"/>), reported as <c>uptime_seconds</c>.</summary>
    public long UptimeSeconds => (long)Math.Max(0, (_time.GetUtcNow() - _startedAt).TotalSeconds);

    /// <summary>Counts a unit of work that succeeded toward <c>error_rate</c>.</summary>
    public void RecordSuccess() => Errors.RecordSuccess();

    /// <summary>Counts a failed unit of work toward <c>error_rate</c>; the scrubbed message may become <c>sample_error</c>.</summary>
    /// <param name="message">What failed.</param>
    public void RecordError(string message) => Errors.RecordError(message);

    /// <summary>Asks for an extra heartbeat now (a task started or finished); at most one per second is sent.</summary>
    public void NotifyTaskChanged()
    {
        // Only the first change since the last beat wakes the loop: it then waits for the spacing on its own, and a
        // busy agent's every start and end would otherwise re-arm the loop's timer for nothing.
        if (!_outOfBandPending)
        {
            _outOfBandPending = true;
            Wake();
        }
    }

    /// <summary>The card returned by <see cref="RegistrationInfo.AgentCardJson"/> changed: send it with update-card.</summary>
    public void NotifyCardChanged()
    {
        _cardChanged = true;
        Wake();
    }

    /// <summary>Starts the loop: registers (when <see cref="HeartbeatLoopOptions.Registration"/> is set), then heartbeats every interval with backoff on failure. Calling it again does nothing.</summary>
    public void Start()
    {
        lock (_gate)
        {
            if (_running is not null)
            {
                throw new InvalidOperationException("The heartbeat loop is already running.");
            }

            _stopping = new CancellationTokenSource();
            _running = Task.Run(() => RunAsync(_stopping.Token));
        }
    }

    /// <summary>
    /// Stops the loop; with <paramref name="sendFinalHeartbeat"/>, then sends one last beat (≤ 2 s, one attempt) and
    /// returns the platform's answer to it (null when none was sent).
    /// </summary>
    public async Task<PlatformResponse?> StopAsync(bool sendFinalHeartbeat = false, CancellationToken cancellationToken = default)
    {
        Task? running;
        lock (_gate)
        {
            running = _running;
            _stopping?.Cancel();
        }

        if (running is not null)
        {
            try
            {
                await running.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
            }
        }

        return sendFinalHeartbeat && !_deleted.Task.IsCompleted
            ? await Client.HeartbeatAsync(CreatePayload(), cancellationToken, FinalHeartbeatTimeout).ConfigureAwait(false)
            : null;
    }

    /// <summary>Stops the loop without a final heartbeat.</summary>
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _stopping?.Dispose();
        if (_ownsHttp)
        {
            _http.Dispose();
        }
    }

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        var now = _time.GetUtcNow();
        _needsRegistration = _options.Registration is not null;
        _registerDue = now;
        _heartbeatDue = now;
        SetStatus(_needsRegistration ? PlatformLinkState.Starting : PlatformLinkState.Connected, _needsRegistration ? "registering" : "heartbeating");

        try
        {
            while (!stoppingToken.IsCancellationRequested && !_deleted.Task.IsCompleted)
            {
                Interlocked.Exchange(ref _wake, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
                now = _time.GetUtcNow();

                if (_needsRegistration && _registerDue <= now)
                {
                    await RegisterAsync(stoppingToken).ConfigureAwait(false);
                    continue;
                }

                if (_heartbeatDue <= now)
                {
                    await HeartbeatAsync(regular: true, stoppingToken).ConfigureAwait(false);
                    continue;
                }

                if (_outOfBandPending && now - _lastBeatAttempt >= MinimumOutOfBandSpacing)
                {
                    await HeartbeatAsync(regular: false, stoppingToken).ConfigureAwait(false);
                    continue;
                }

                if (_cardChanged && !_needsRegistration && _options.Registration is { } registration)
                {
                    await UpdateCardAsync(registration, stoppingToken).ConfigureAwait(false);
                    continue;
                }

                var next = _heartbeatDue;
                if (_needsRegistration && _registerDue < next)
                {
                    next = _registerDue;
                }

                if (_outOfBandPending && _lastBeatAttempt + MinimumOutOfBandSpacing < next)
                {
                    next = _lastBeatAttempt + MinimumOutOfBandSpacing;
                }

                await WaitUntilAsync(next, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task WaitUntilAsync(DateTimeOffset deadline, CancellationToken stoppingToken)
    {
        var delay = deadline - _time.GetUtcNow();
        if (delay <= TimeSpan.Zero)
        {
            return;
        }

        using var delayCancellation = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var wake = Volatile.Read(ref _wake).Task;
        var timer = Task.Delay(delay, _time, delayCancellation.Token);
        SetNextContact(deadline);   // published once the timer is armed, so observers see a wait that is really in place
        try
        {
            await Task.WhenAny(timer, wake).ConfigureAwait(false);
        }
        finally
        {
            SetNextContact(null);
            delayCancellation.Cancel();
        }

        stoppingToken.ThrowIfCancellationRequested();
    }

    private void SetNextContact(DateTimeOffset? at)
    {
        lock (_gate)
        {
            _status = _status with { NextContactAt = at };
        }
    }

    private void Wake() => Volatile.Read(ref _wake).TrySetResult();

    private void MarkDeleted(string reason)
    {
        _needsRegistration = false;
        SetStatus(PlatformLinkState.Deleted, "workspace deleted on the platform");
        LogDeleted(_logger, WorkspaceId, reason);
        _deleted.TrySetResult();
    }

    private void SetStatus(PlatformLinkState state, string reason, bool? registered = null)
    {
        lock (_gate)
        {
            _status = _status with { State = state, Reason = reason, Registered = registered ?? _status.Registered };
        }
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    private static string Seconds(TimeSpan delay) => delay.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture);
}
