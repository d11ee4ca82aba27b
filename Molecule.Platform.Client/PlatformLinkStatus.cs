namespace Molecule.Platform.Client;

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
