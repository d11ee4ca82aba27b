using System.Globalization;
using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Molecule.Platform.Client;

/// <summary>
/// Keeps a workspace known to the Molecule control plane: registers it (when <see cref="HeartbeatLoopOptions.Registration"/>
/// is set), heartbeats every interval with real values, polls <c>/workspaces/{id}/state</c> to notice deletion, and
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
    private volatile bool _outOfBandPending;
    private volatile bool _cardChanged;
    private PlatformLinkStatus _status;

    // Loop-owned state (only touched by the loop task).
    private bool _needsRegistration;
    private DateTimeOffset _registerDue;
    private DateTimeOffset _heartbeatDue;
    private DateTimeOffset _lastBeatAttempt = DateTimeOffset.MinValue;
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
        _random = _options.Random ?? Random.Shared;
        _ownsHttp = _options.HttpClient is null;
        _http = _options.HttpClient ?? new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2) });
        _startedAt = _options.StartedAt ?? _time.GetUtcNow();
        Errors = new ErrorRateWindow(_time);
        Client = new PlatformClient(_http, uri, workspaceId.ToLowerInvariant(), _options.Tokens ?? TokenStore.InMemory());
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
        _outOfBandPending = true;
        Wake();
    }

    /// <summary>The card returned by <see cref="RegistrationInfo.AgentCardJson"/> changed: send it with update-card.</summary>
    public void NotifyCardChanged()
    {
        _cardChanged = true;
        Wake();
    }

    /// <summary>The values the next heartbeat would carry.</summary>
    public HeartbeatPayload CreatePayload()
    {
        var (rate, sample) = Errors.Snapshot();
        return new HeartbeatPayload(rate, sample, ActiveTasks, CurrentTask, UptimeSeconds);
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

    private async Task RegisterAsync(CancellationToken stoppingToken)
    {
        var registration = _options.Registration!;
        var card = registration.AgentCardJson();
        var response = await Client.RegisterAsync(registration.AgentUrl, card, stoppingToken).ConfigureAwait(false);
        await HandleRegisterResponseAsync(response, card, verify: false, stoppingToken).ConfigureAwait(false);
    }

    private async Task HandleRegisterResponseAsync(PlatformResponse response, string card, bool verify, CancellationToken stoppingToken)
    {
        var now = _time.GetUtcNow();
        _registerAttempts++;
        switch (response.Status)
        {
            case not null when response.IsSuccess:
                if (response.TryGetString("auth_token") is { Length: > 0 } token)
                {
                    Tokens.Save(token);   // persisted before the next call
                    LogTokenSaved(_logger, Tokens.IsPersistent ? Tokens.FilePath : "memory");
                }

                _needsRegistration = false;
                _registerAttempts = 0;
                _lastSentCard = card;
                _cardChanged = false;
                if (verify && Tokens.Current is not null)
                {
                    var state = await Client.GetStateAsync(stoppingToken).ConfigureAwait(false);
                    if (state.Status is HttpStatusCode.Unauthorized or HttpStatusCode.NotFound)
                    {
                        MarkDeleted($"/state answered {state.Describe()} after re-registration");
                        return;
                    }
                }

                SetStatus(PlatformLinkState.Connected, "registered", registered: true);
                LogRegistered(_logger, WorkspaceId, Client.PlatformUrl, _options.Registration!.AgentUrl);
                _heartbeatDue = verify ? now : _heartbeatDue;
                break;

            case HttpStatusCode.BadRequest:
                {
                    var delay = Backoff.Delay(Backoff.Slow, _registerAttempts, _random);
                    _registerDue = now + delay;
                    SetStatus(PlatformLinkState.Rejected, $"registration rejected: {response.Describe()} (is the URL {_options.Registration!.AgentUrl} refused?)");
                    LogRegistrationRejected(_logger, response.Describe(), _options.Registration.AgentUrl, Seconds(delay));
                    break;
                }

            case HttpStatusCode.Unauthorized:
                if (Tokens.Reload())
                {
                    LogTokenFileChanged(_logger);
                    _registerDue = now;
                    break;
                }

                {
                    var delay = Backoff.Delay(Backoff.Slow, _registerAttempts, _random);
                    _registerDue = now + delay;
                    _heartbeatDue = Max(_heartbeatDue, _registerDue);
                    var tokenFile = Tokens.IsPersistent ? Tokens.FilePath : "(in memory)";
                    if (Tokens.Current is null)
                    {
                        // The workspace already has a token on the platform (external create, an earlier registration)
                        // and this process holds none: the operator has to hand it over.
                        SetStatus(PlatformLinkState.Unauthorized, "no token: the platform already issued one for this workspace; provide it");
                        LogTokenMissing(_logger, response.Describe(), tokenFile, Seconds(delay));
                    }
                    else
                    {
                        SetStatus(PlatformLinkState.Unauthorized, "token refused: rotate the token or recreate the workspace");
                        LogTokenRefused(_logger, response.Describe(), tokenFile, Seconds(delay));
                    }

                    break;
                }

            case HttpStatusCode.NotFound:
                MarkDeleted($"registration answered {response.Describe()}");
                break;

            case HttpStatusCode.TooManyRequests:
                {
                    var delay = Max(Backoff.Delay(Backoff.Fast, _registerAttempts, _random), response.RetryAfter ?? TimeSpan.Zero);
                    _registerDue = now + delay;
                    SetStatus(PlatformLinkState.Unreachable, $"rate limited by the platform: {response.Describe()}");
                    LogPlatformUnreachable(_logger, Client.PlatformUrl, response.Describe(), Seconds(delay));
                    break;
                }

            default:
                {
                    var delay = Max(Backoff.Delay(Backoff.Fast, _registerAttempts, _random), response.RetryAfter ?? TimeSpan.Zero);
                    _registerDue = now + delay;
                    SetStatus(PlatformLinkState.Unreachable, $"platform unreachable at {Client.PlatformUrl}: {response.Describe()}");
                    LogPlatformUnreachable(_logger, Client.PlatformUrl, response.Describe(), Seconds(delay));
                    break;
                }
        }
    }

    private async Task HeartbeatAsync(bool regular, CancellationToken stoppingToken)
    {
        _outOfBandPending = false;
        var response = await Client.HeartbeatAsync(CreatePayload(), stoppingToken).ConfigureAwait(false);
        var now = _time.GetUtcNow();
        _lastBeatAttempt = now;

        switch (response.Status)
        {
            case { } when response.IsSuccess:
                _heartbeatFailures = 0;
                if (regular || _heartbeatDue <= now)
                {
                    _heartbeatDue = now + _options.Interval;
                }

                lock (_gate)
                {
                    var state = _status.State is PlatformLinkState.Unreachable or PlatformLinkState.Starting && !_needsRegistration
                        ? PlatformLinkState.Connected
                        : _status.State;
                    _status = _status with { State = state, Reason = state == PlatformLinkState.Connected ? "heartbeating" : _status.Reason, LastHeartbeatAt = now };
                }

                if (Tokens.Current is not null && regular)
                {
                    await PollStateAsync(stoppingToken).ConfigureAwait(false);
                }

                break;

            case HttpStatusCode.Unauthorized or HttpStatusCode.NotFound:
                LogHeartbeatFailed(_logger, response.Describe(), "0");
                await RecoverAsync(response, "heartbeat", stoppingToken).ConfigureAwait(false);
                break;

            case HttpStatusCode.TooManyRequests:
                {
                    var delay = response.RetryAfter is { } retryAfter ? Min(retryAfter, MaxRetryAfter) : _options.Interval;
                    _heartbeatDue = now + Max(delay, TimeSpan.FromSeconds(1));
                    LogHeartbeatFailed(_logger, response.Describe(), Seconds(delay));
                    break;
                }

            case HttpStatusCode.BadRequest:
                _heartbeatDue = now + _options.Interval;
                LogHeartbeatContractBug(_logger, response.Describe());
                break;

            default:
                {
                    _heartbeatFailures++;
                    var delay = Backoff.HeartbeatRetry(_options.Interval, _heartbeatFailures, _random);
                    _heartbeatDue = now + delay;
                    SetStatus(PlatformLinkState.Unreachable, $"heartbeat failed: {response.Describe()}");
                    LogHeartbeatFailed(_logger, response.Describe(), Seconds(delay));
                    break;
                }
        }
    }

    private async Task PollStateAsync(CancellationToken stoppingToken)
    {
        var state = await Client.GetStateAsync(stoppingToken).ConfigureAwait(false);
        switch (state.Status)
        {
            case HttpStatusCode.OK:
                var paused = state.TryGetBoolean("paused") ?? false;
                lock (_gate)
                {
                    _status = _status with { Paused = paused };
                }

                break;
            case HttpStatusCode.Unauthorized or HttpStatusCode.NotFound:
                await RecoverAsync(state, "/state", stoppingToken).ConfigureAwait(false);
                break;
        }
    }

    private async Task UpdateCardAsync(RegistrationInfo registration, CancellationToken stoppingToken)
    {
        var card = registration.AgentCardJson();
        _cardChanged = false;
        if (card == _lastSentCard)
        {
            return;
        }

        var response = await Client.UpdateCardAsync(card, stoppingToken).ConfigureAwait(false);
        if (response.IsSuccess)
        {
            _lastSentCard = card;
            LogCardUpdated(_logger);
        }
        else if (response.Status is HttpStatusCode.Unauthorized or HttpStatusCode.NotFound)
        {
            await RecoverAsync(response, "update-card", stoppingToken).ConfigureAwait(false);
        }
        else
        {
            _cardChanged = true;   // try again with the next heartbeat
            LogCardUpdateFailed(_logger, response.Describe());
        }
    }

    /// <summary>§4.6: a 401 or 404 may mean a rotated token, a platform that lost its state, or a deleted workspace.</summary>
    private async Task RecoverAsync(PlatformResponse signal, string source, CancellationToken stoppingToken)
    {
        var now = _time.GetUtcNow();
        if (signal.Status == HttpStatusCode.Unauthorized && Tokens.Reload())
        {
            LogTokenFileChanged(_logger);
            _heartbeatDue = now;
            return;
        }

        if (_options.Registration is not { } registration)
        {
            // A bare heartbeat loop cannot re-register: report it and keep the cadence, slowly.
            var delay = Backoff.Delay(Backoff.Slow, Math.Max(1, ++_heartbeatFailures), _random);
            _heartbeatDue = now + delay;
            SetStatus(signal.Status == HttpStatusCode.NotFound ? PlatformLinkState.Unknown : PlatformLinkState.Unauthorized,
                $"{source} answered {signal.Describe()}: register the workspace or rotate its token");
            return;
        }

        if (_needsRegistration && Status.State == PlatformLinkState.Unauthorized)
        {
            _heartbeatDue = Max(now + _options.Interval, _registerDue);   // already waiting on the slow schedule
            return;
        }

        LogReregistering(_logger, source, signal.Describe());
        var card = registration.AgentCardJson();
        var response = await Client.RegisterAsync(registration.AgentUrl, card, stoppingToken).ConfigureAwait(false);
        _needsRegistration = true;
        _registerDue = now;
        await HandleRegisterResponseAsync(response, card, verify: true, stoppingToken).ConfigureAwait(false);
        if (_needsRegistration && _heartbeatDue <= now)
        {
            _heartbeatDue = now + _options.Interval;
        }
    }

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

    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "Registered as {WorkspaceId} with the platform at {PlatformUrl} (advertising {AgentUrl})")]
    private static partial void LogRegistered(ILogger logger, string workspaceId, Uri platformUrl, string agentUrl);

    [LoggerMessage(EventId = 101, Level = LogLevel.Warning, Message = "Platform unreachable at {PlatformUrl} ({Error}), retrying in {DelaySeconds} s")]
    private static partial void LogPlatformUnreachable(ILogger logger, Uri platformUrl, string error, string delaySeconds);

    [LoggerMessage(EventId = 102, Level = LogLevel.Error, Message = "Registration rejected ({Error}): is the URL {AgentUrl} refused by the platform? Set AGENT_URL to an address the platform accepts. Retrying in {DelaySeconds} s")]
    private static partial void LogRegistrationRejected(ILogger logger, string error, string agentUrl, string delaySeconds);

    [LoggerMessage(EventId = 103, Level = LogLevel.Error, Message = "Token refused by the platform ({Error}); the token in {TokenFile} is no longer valid: rotate the token (POST /workspaces/{{id}}/tokens) or recreate the workspace. Retrying in {DelaySeconds} s")]
    private static partial void LogTokenRefused(ILogger logger, string error, string tokenFile, string delaySeconds);

    [LoggerMessage(EventId = 106, Level = LogLevel.Error, Message = "Registration needs a token ({Error}): the platform already issued one for this workspace. Provide it as WORKSPACE_AUTH_TOKEN or in {TokenFile}, or mint a new one (POST /workspaces/{{id}}/tokens). Retrying in {DelaySeconds} s")]
    private static partial void LogTokenMissing(ILogger logger, string error, string tokenFile, string delaySeconds);

    [LoggerMessage(EventId = 104, Level = LogLevel.Information, Message = "Token file changed on disk; using the new token")]
    private static partial void LogTokenFileChanged(ILogger logger);

    [LoggerMessage(EventId = 105, Level = LogLevel.Information, Message = "Saved the workspace token to {TokenFile}")]
    private static partial void LogTokenSaved(ILogger logger, string tokenFile);

    [LoggerMessage(EventId = 110, Level = LogLevel.Warning, Message = "Heartbeat failed: {Error}, retrying in {DelaySeconds} s")]
    private static partial void LogHeartbeatFailed(ILogger logger, string error, string delaySeconds);

    [LoggerMessage(EventId = 111, Level = LogLevel.Error, Message = "Heartbeat refused as malformed ({Error}): this is a contract bug, please report it")]
    private static partial void LogHeartbeatContractBug(ILogger logger, string error);

    [LoggerMessage(EventId = 120, Level = LogLevel.Warning, Message = "The platform does not recognise this workspace ({Source} answered {Error}); re-registering")]
    private static partial void LogReregistering(ILogger logger, string source, string error);

    [LoggerMessage(EventId = 121, Level = LogLevel.Warning, Message = "Workspace {WorkspaceId} was deleted on the platform ({Reason}); shutting down")]
    private static partial void LogDeleted(ILogger logger, string workspaceId, string reason);

    [LoggerMessage(EventId = 130, Level = LogLevel.Information, Message = "Agent card change sent to the platform")]
    private static partial void LogCardUpdated(ILogger logger);

    [LoggerMessage(EventId = 131, Level = LogLevel.Warning, Message = "Agent card update failed: {Error}; retrying later")]
    private static partial void LogCardUpdateFailed(ILogger logger, string error);
}

/// <summary>Settings of a <see cref="HeartbeatLoop"/>; every member is optional.</summary>
public sealed class HeartbeatLoopOptions
{
    /// <summary>Where the token lives; default in memory only (nothing survives a restart).</summary>
    public TokenStore? Tokens { get; init; }

    /// <summary>Time between heartbeats (the platform's default is 30 s).</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The client for platform calls; one without retry handlers (the loop has its own schedule). Default: a new client.</summary>
    public HttpClient? HttpClient { get; init; }

    /// <summary>The clock (tests pass a fake one). Default: the system clock.</summary>
    public TimeProvider? TimeProvider { get; init; }

    /// <summary>Where the loop logs its state changes (never the token). Default: nowhere.</summary>
    public ILogger? Logger { get; init; }

    /// <summary>Source of jitter (tests pass a seeded one).</summary>
    public Random? Random { get; init; }

    /// <summary>Uptime is measured from here; default: when the loop was created.</summary>
    public DateTimeOffset? StartedAt { get; init; }

    /// <summary>Set to have the loop register the workspace (and re-register it when the platform forgets it).</summary>
    public RegistrationInfo? Registration { get; init; }
}

/// <summary>What registration sends: the advertised URL and the agent card (JSON, read again on each call).</summary>
public sealed record RegistrationInfo(string AgentUrl, Func<string> AgentCardJson);

/// <summary>Where the link with the platform stands.</summary>
public enum PlatformLinkState
{
    /// <summary>Not registered yet.</summary>
    Starting,
    /// <summary>Registered and heartbeating.</summary>
    Connected,
    /// <summary>The platform does not answer; retrying with backoff.</summary>
    Unreachable,
    /// <summary>The platform refuses the calls (4xx other than auth); retrying slowly.</summary>
    Rejected,
    /// <summary>The platform refuses the token.</summary>
    Unauthorized,
    /// <summary>The platform does not know the workspace; registering again.</summary>
    Unknown,
    /// <summary>The platform deleted the workspace; the loop has stopped.</summary>
    Deleted,
}

/// <summary>A snapshot of the loop's view of the platform.</summary>
/// <param name="State">Where the link stands.</param>
/// <param name="Reason">Why, in words an operator can act on.</param>
/// <param name="Registered">Whether a registration has succeeded since start.</param>
/// <param name="LastHeartbeatAt">When the platform last accepted a heartbeat.</param>
/// <param name="Paused">Whether the platform reports the workspace paused.</param>
/// <param name="NextContactAt">When the loop next calls the platform while it waits; null while a call is in flight.</param>
public sealed record PlatformLinkStatus(PlatformLinkState State, string Reason, bool Registered, DateTimeOffset? LastHeartbeatAt, bool Paused, DateTimeOffset? NextContactAt)
{
    /// <summary>True while registered and heartbeating.</summary>
    public bool IsHealthy => State == PlatformLinkState.Connected;
}
