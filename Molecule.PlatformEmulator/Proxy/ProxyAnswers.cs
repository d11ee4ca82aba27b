using System.Text.Json.Serialization;

namespace Molecule.PlatformEmulator.Proxy;

/// <summary>503 for a busy agent: retry, or (with the session capability) the adapter retries itself.</summary>
public sealed record BusyAnswer(string Error, bool Busy, int RetryAfter,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] bool? NativeSession = null);

/// <summary>202: the call waits in the platform's queue for the agent's next heartbeat with capacity.</summary>
public sealed record QueuedAnswer(bool Queued, string QueueId, int QueueDepth, string Message);

/// <summary>503 for a hibernated workspace that the call wakes.</summary>
public sealed record WakingAnswer(string Error, bool Waking, int RetryAfter);
