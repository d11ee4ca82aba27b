using System.Net;

namespace Molecule.Platform.Client;

/// <summary>Registration, the card update and recovery from a platform that lost the workspace or its token.</summary>
public sealed partial class HeartbeatLoop
{
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
}
