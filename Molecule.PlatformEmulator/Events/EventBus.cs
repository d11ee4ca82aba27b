using System.Diagnostics.Metrics;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Molecule.PlatformEmulator.Infrastructure;

namespace Molecule.PlatformEmulator.Events;

/// <summary>One platform event: the live envelope and, unless broadcast-only, a persisted row.</summary>
public sealed record PlatformEvent(string Id, string Type, Guid WorkspaceId, DateTimeOffset Timestamp, JsonObject Payload)
{
    private string? _envelope;

    /// <summary>
    /// The live envelope <c>{"event","workspace_id","timestamp","payload"}</c>, serialised once, on first use: an event
    /// nobody is subscribed to (most heartbeats) is never serialised.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string Envelope => _envelope ??= new JsonObject
    {
        ["event"] = Type,
        ["workspace_id"] = WorkspaceId.ToString(),
        ["timestamp"] = Contract.Timestamp(Timestamp),
        ["payload"] = Payload.DeepClone(),
    }.ToJsonString(Contract.WireOptions);

    public JsonObject PersistedRow() => new()
    {
        ["id"] = Id,
        ["event_type"] = Type,
        ["workspace_id"] = WorkspaceId.ToString(),
        ["payload"] = Payload.DeepClone(),
        ["created_at"] = Contract.Timestamp(Timestamp),
    };
}

/// <summary>
/// Fans every event out to live subscribers through one bounded channel each (drop oldest at 256, drops counted), so a
/// slow subscriber never blocks the platform or the others; keeps the last persisted events for <c>GET /events</c>.
/// </summary>
public sealed class EventBus
{
    public const int SubscriberCapacity = 256;
    private const int PersistedCapacity = 2000;

    private static readonly HashSet<string> BroadcastOnly = new(StringComparer.Ordinal)
    {
        "WORKSPACE_HEARTBEAT", "TASK_UPDATED", "A2A_RESPONSE", "ACTIVITY_LOGGED", "AGENT_MESSAGE",
    };

    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly LinkedList<PlatformEvent> _persisted = new();
    private Subscriber[] _subscribers = [];   // copy-on-write: publishing reads it without a lock
    private readonly Counter<long> _published;
    private readonly Counter<long> _dropped;
    private long _sequence;

    public EventBus(TimeProvider time, EmulatorMetrics metrics)
    {
        _time = time;
        _published = metrics.EventsPublished;
        _dropped = metrics.EventsDropped;
    }

    public void Publish(string type, Guid workspaceId, JsonObject? payload = null)
    {
        var platformEvent = new PlatformEvent(Interlocked.Increment(ref _sequence).ToString(System.Globalization.CultureInfo.InvariantCulture),
            type, workspaceId, _time.GetUtcNow(), payload ?? []);
        if (!BroadcastOnly.Contains(type))
        {
            // Only persisted events take the lock: broadcast-only ones (every heartbeat) never serialise the workspaces.
            lock (_gate)
            {
                _persisted.AddFirst(platformEvent);
                if (_persisted.Count > PersistedCapacity)
                {
                    _persisted.RemoveLast();
                }
            }
        }

        _published.Add(1, new KeyValuePair<string, object?>("event", type));
        foreach (var subscriber in Volatile.Read(ref _subscribers))
        {
            if (subscriber.Filter(platformEvent))
            {
                subscriber.Channel.Writer.TryWrite(platformEvent);
            }
        }
    }

    /// <summary>
    /// Publishes an event whose payload is built only when it is kept or somebody is listening: a broadcast-only event
    /// (an A2A answer on the proxy's path) with no subscriber is counted and numbered, never built.
    /// </summary>
    public void Publish(string type, Guid workspaceId, Func<JsonObject> payload)
    {
        if (BroadcastOnly.Contains(type) && Volatile.Read(ref _subscribers).Length == 0)
        {
            Interlocked.Increment(ref _sequence);
            _published.Add(1, new KeyValuePair<string, object?>("event", type));
            return;
        }

        Publish(type, workspaceId, payload());
    }

    /// <summary>Newest first, at most <paramref name="limit"/>, optionally for one workspace.</summary>
    public IReadOnlyList<PlatformEvent> Recent(Guid? workspaceId = null, int limit = 100)
    {
        lock (_gate)
        {
            return _persisted.Where(e => workspaceId is null || e.WorkspaceId == workspaceId).Take(limit).ToArray();
        }
    }

    public void Clear()
    {
        lock (_gate)
        {
            _persisted.Clear();
        }
    }

    /// <summary>The persisted events, oldest first, for the data folder.</summary>
    public IReadOnlyList<PlatformEvent> Persisted()
    {
        lock (_gate)
        {
            return [.. _persisted.Reverse()];
        }
    }

    /// <summary>Puts back events a snapshot saved (oldest first); new events number on from the newest.</summary>
    public void Restore(IEnumerable<PlatformEvent> events)
    {
        lock (_gate)
        {
            foreach (var platformEvent in events)
            {
                _persisted.AddFirst(platformEvent);
                if (long.TryParse(platformEvent.Id, System.Globalization.CultureInfo.InvariantCulture, out var sequence))
                {
                    _sequence = Math.Max(_sequence, sequence);
                }
            }
        }
    }

    /// <summary>A live subscription; dispose it when the client leaves.</summary>
    public EventSubscription Subscribe(Func<PlatformEvent, bool> filter, string kind)
    {
        var subscriber = new Subscriber(filter, Channel.CreateBounded<PlatformEvent>(
            new BoundedChannelOptions(SubscriberCapacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true },
            _ => _dropped.Add(1, new KeyValuePair<string, object?>("subscriber", kind))));
        lock (_gate)
        {
            _subscribers = [.. _subscribers, subscriber];
        }

        return new EventSubscription(subscriber.Channel.Reader, () =>
        {
            lock (_gate)
            {
                _subscribers = [.. _subscribers.Where(s => !ReferenceEquals(s, subscriber))];
            }

            subscriber.Channel.Writer.TryComplete();
        });
    }

    private sealed record Subscriber(Func<PlatformEvent, bool> Filter, Channel<PlatformEvent> Channel);
}
