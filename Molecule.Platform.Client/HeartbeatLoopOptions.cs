using Microsoft.Extensions.Logging;

namespace Molecule.Platform.Client;

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
