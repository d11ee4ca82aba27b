using System.Net;

namespace Molecule.Platform.Client;

/// <summary>Heartbeats and the state poll.</summary>
public sealed partial class HeartbeatLoop
{
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
}
