namespace Molecule.PlatformEmulator;

/// <summary>
/// The real platform's wire-visible defects and quirks the emulator can reproduce (contract §3). <c>Emulator:Fidelity</c>
/// = <c>Strict</c> turns every one on; an explicit <c>Emulator:Quirks:&lt;Name&gt;</c> wins either way.
/// </summary>
public sealed record EmulatorQuirks
{
    /// <summary>Row 1: an external create without <c>url</c> answers <c>awaiting_agent</c> but the row stays <c>provisioning</c>.</summary>
    public bool AwaitingAgentNotPersisted { get; init; }

    /// <summary>Row 2: only register arms the liveness deadline, heartbeats extend an armed one, expiry disarms it; no external sweep.</summary>
    public bool OneShotLiveness { get; init; }

    /// <summary>Row 3: heartbeat/update-card for unknown or removed ids answer 200 and do nothing; register for a removed id mints a token.</summary>
    public bool AcceptRegistryCallsForRemoved { get; init; }

    /// <summary>Row 7: proxied answers are read whole (≤ 10 MiB) and re-sent as <c>application/json</c>, SSE included.</summary>
    public bool BufferStreamingResponses { get; init; }

    /// <summary>Row 9: no body cap anywhere, except that A2A bodies are cut at 1 MiB (and then fail as invalid JSON).</summary>
    public bool TruncateOversizedRequests { get; init; }

    /// <summary>Row 10: <c>X-Timeout: N</c> only lifts the 30-minute ceiling instead of becoming the ceiling.</summary>
    public bool XTimeoutOnlyLiftsCeiling { get; init; }

    /// <summary>Row 11: a heartbeat both wedged and over the error threshold emits two <c>WORKSPACE_DEGRADED</c> events.</summary>
    public bool DuplicateDegradedEvents { get; init; }

    /// <summary>Row 12: datastore errors leak as 500 (non-UUID ids on the registry and proxy, an unknown parent on create).</summary>
    public bool DatastoreErrorsAs500 { get; init; }

    /// <summary>
    /// Row 12's answer where the real platform's datastore rejects the input: its 500 with <paramref name="realText"/>
    /// under the quirk, else <paramref name="compatible"/> (the route's usual error).
    /// </summary>
    public Infrastructure.ContractError DatastoreError(string realText, Infrastructure.ContractError compatible) =>
        DatastoreErrorsAs500 ? Infrastructure.ContractError.Internal(realText) : compatible;

    /// <summary>Row 13: register keeps a stored URL that starts with <c>http://127.0.0.1</c>.</summary>
    public bool KeepLoopbackUrlOnRegister { get; init; }

    /// <summary>Row 14: discover uses a non-external target's registered URL for 5 minutes, then the synthesised one.</summary>
    public bool RegisteredUrlExpires { get; init; }

    public static EmulatorQuirks Load(IConfiguration configuration, bool strict)
    {
        return new EmulatorQuirks
        {
            AwaitingAgentNotPersisted = Flag(configuration, nameof(AwaitingAgentNotPersisted), strict),
            OneShotLiveness = Flag(configuration, nameof(OneShotLiveness), strict),
            BufferStreamingResponses = Flag(configuration, nameof(BufferStreamingResponses), strict),
            TruncateOversizedRequests = Flag(configuration, nameof(TruncateOversizedRequests), strict),
            RegisteredUrlExpires = Flag(configuration, nameof(RegisteredUrlExpires), strict),
            AcceptRegistryCallsForRemoved = Flag(configuration, nameof(AcceptRegistryCallsForRemoved), strict),
            XTimeoutOnlyLiftsCeiling = Flag(configuration, nameof(XTimeoutOnlyLiftsCeiling), strict),
            DuplicateDegradedEvents = Flag(configuration, nameof(DuplicateDegradedEvents), strict),
            DatastoreErrorsAs500 = Flag(configuration, nameof(DatastoreErrorsAs500), strict),
            KeepLoopbackUrlOnRegister = Flag(configuration, nameof(KeepLoopbackUrlOnRegister), strict),
        };
    }

    private static bool Flag(IConfiguration configuration, string name, bool strict) => configuration[$"Emulator:Quirks:{name}"] switch
    {
        null or "" => strict,
        var text when bool.TryParse(text, out var value) => value,
        var text => throw new EmulatorConfigurationException($"Emulator:Quirks:{name} must be true or false; got '{text}'."),
    };
}
