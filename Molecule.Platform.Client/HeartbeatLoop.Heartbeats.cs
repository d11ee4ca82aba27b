using System.Net;

namespace Molecule.Platform.Client;

/// <summary>Heartbeats (what they carry, when they are accepted) and the state poll.</summary>
public sealed partial class HeartbeatLoop
{
    /// <summary>
    /// Reports the agent as stuck (its executor makes no progress): heartbeats carry <c>runtime_state: "wedged"</c> with
    /// <paramref name="reason"/> as <c>sample_error</c>, which the platform turns into degraded, until <see cref="ClearWedged"/>.
    /// One heartbeat goes out at once.
    /// </summary>
    /// <param name="reason">What is stuck (scrubbed, at most 256 chars).</param>
    public void ReportWedged(string reason)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        Volatile.Write(ref _wedged, SecretScrubber.Scrub(reason, 256));
        NotifyTaskChanged();
    }

    /// <summary>The agent makes progress again: heartbeats stop saying <c>wedged</c> (one goes out at once).</summary>
    public void ClearWedged()
    {
        if (Interlocked.Exchange(ref _wedged, null) is not null)
        {
            NotifyTaskChanged();
        }
    }

    /// <summary>Whether the agent has reported itself wedged (<see cref="ReportWedged"/>).</summary>
    public bool IsWedged => Volatile.Read(ref _wedged) is not null;

    /// <summary>
    /// Raised after each heartbeat the platform accepted, on the loop's own task: keep handlers short and hand longer
    /// work to your own task (the workspace checks its delegations this way, as the real runtime does).
    /// </summary>
    public event EventHandler? HeartbeatSucceeded;

    /// <summary>The values the next heartbeat would carry.</summary>
    public HeartbeatPayload CreatePayload()
    {
        var (rate, sample) = Errors.Snapshot();
        var wedged = Volatile.Read(ref _wedged);
        return new HeartbeatPayload(rate, wedged ?? sample, ActiveTasks, CurrentTask, UptimeSeconds)
        {
            RuntimeState = wedged is null ? null : "wedged",
            RuntimeMetadata = _options.RuntimeMetadata,
        };
    }

    private async Task HeartbeatAsync(bool regular, CancellationToken stoppingToken)
    {
        // The state is read before the beat, not after it: a resume or restart leaves the row `provisioning` (and
        // without a URL) only until the next heartbeat, which moves it online, so after our own beat it would never
        // be seen. Deletion is noticed at the same cadence either way.
        if (regular && Tokens.Current is not null && !await PollStateAsync(stoppingToken).ConfigureAwait(false))
        {
            return;
        }

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

                RaiseHeartbeatSucceeded();
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

    private void RaiseHeartbeatSucceeded()
    {
        try
        {
            HeartbeatSucceeded?.Invoke(this, EventArgs.Empty);
        }
#pragma warning disable CA1031 // a subscriber's bug must not stop the heartbeats
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogHeartbeatHandlerFailed(_logger, ex);
        }
    }

    /// <summary>Polls <c>/state</c>; false when the beat should wait (the loop re-registers, or the workspace is gone).</summary>
    private async Task<bool> PollStateAsync(CancellationToken stoppingToken)
    {
        var state = await Client.GetStateAsync(stoppingToken).ConfigureAwait(false);
        switch (state.Status)
        {
            case HttpStatusCode.OK:
                var paused = state.TryGetBoolean("paused") ?? false;
                var status = state.TryGetString("status");
                bool resumed;
                lock (_gate)
                {
                    resumed = _status.Paused && !paused;
                    _status = _status with { Paused = paused };
                }

                // A pause, resume or restart clears the URL the platform routes to, and only a registration sets it
                // again (heartbeats never do), so the workspace would come back online but unreachable: a resumed
                // (`provisioning`, or no longer paused) workspace registers again at once. Not twice in a row: when
                // the poll right after such a registration still says `provisioning`, the beat goes out instead, so
                // a platform that keeps saying it gets one registration an interval, not a spinning loop.
                var reprovisioned = (resumed || status == "provisioning") && _options.Registration is not null;
                if (reprovisioned && !_registeredForState)
                {
                    LogReprovisionedReregistering(_logger, resumed ? "resumed" : status!);
                    _registeredForState = true;
                    _needsRegistration = true;
                    _registerDue = _time.GetUtcNow();
                    return false;
                }

                _registeredForState = false;
                return true;
            case HttpStatusCode.Unauthorized or HttpStatusCode.NotFound:
                await RecoverAsync(state, "/state", stoppingToken).ConfigureAwait(false);
                return false;
            default:
                return true;   // an unanswered poll never holds back the heartbeat
        }
    }
}
