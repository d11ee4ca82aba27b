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

    /// <summary>What the runtime can do, sent as the heartbeat's <c>runtime_metadata</c>; nothing is sent when null.</summary>
    public RuntimeMetadata? RuntimeMetadata { get; init; }
}

/// <summary>
/// The heartbeat's <c>runtime_metadata</c>: the capabilities the runtime really has (the platform changes its behaviour
/// on some of them: a <c>session</c> runtime is answered 503 by the proxy instead of being queued; a <c>status_mgmt</c>
/// runtime reports its own status), and its A2A idle timeout.
/// </summary>
/// <param name="Capabilities">Capability name to whether the runtime has it.</param>
/// <param name="IdleTimeoutSeconds">The platform's per-workspace A2A idle timer, when set.</param>
public sealed record RuntimeMetadata(IReadOnlyDictionary<string, bool> Capabilities, int? IdleTimeoutSeconds = null)
{
    /// <summary>The capability names the platform knows, in its order.</summary>
    public static readonly IReadOnlyList<string> CapabilityNames = ["heartbeat", "scheduler", "session", "status_mgmt", "retry", "activity_decoration", "channel_dispatch"];

    /// <summary>
    /// What a workspace built on this SDK has: it heartbeats; it has no scheduler, sessions, own status management,
    /// retry of failed turns, activity decoration or channel dispatch.
    /// </summary>
    public static RuntimeMetadata Workspace { get; } = new(CapabilityNames.ToDictionary(name => name, name => name == "heartbeat"));
}
