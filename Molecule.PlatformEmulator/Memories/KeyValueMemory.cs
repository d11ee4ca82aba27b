using System.Collections.Concurrent;
using System.Text.Json;
using Molecule.PlatformEmulator.State;

namespace Molecule.PlatformEmulator.Memories;

/// <summary>One key-value entry (supplement §2.5): any JSON value, a version counted from 1, an optional expiry.</summary>
public sealed record KeyValueEntry(string Key, JsonElement Value, long Version, DateTimeOffset? ExpiresAt, DateTimeOffset UpdatedAt);

/// <summary>The outcome of a conditional write: the new version, or the mismatch the 409 reports.</summary>
public readonly record struct KeyValueWrite(long? Version, long? Expected, long? Current, bool KeyMissing);

/// <summary>The workspaces' key-value memory (supplement §2.5), versioned per key, with optional TTLs.</summary>
public sealed class KeyValueMemory : IEmulatorStore
{
    private readonly ConcurrentDictionary<Guid, SortedDictionary<string, KeyValueEntry>> _entries = new();

    public IReadOnlyList<KeyValueEntry> List(Guid workspaceId, DateTimeOffset now)
    {
        if (!_entries.TryGetValue(workspaceId, out var entries))
        {
            return [];
        }

        lock (entries)
        {
            return [.. entries.Values.Where(e => !Expired(e, now))];
        }
    }

    public KeyValueEntry? Get(Guid workspaceId, string key, DateTimeOffset now)
    {
        if (!_entries.TryGetValue(workspaceId, out var entries))
        {
            return null;
        }

        lock (entries)
        {
            return entries.TryGetValue(key, out var entry) && !Expired(entry, now) ? entry : null;
        }
    }

    /// <summary>Upserts, or with <paramref name="ifMatchVersion"/> writes only over that version (0 = only when absent).</summary>
    public KeyValueWrite Set(Guid workspaceId, string key, JsonElement value, long? ttlSeconds, long? ifMatchVersion, DateTimeOffset now)
    {
        var entries = _entries.GetOrAdd(workspaceId, _ => new SortedDictionary<string, KeyValueEntry>(StringComparer.Ordinal));
        lock (entries)
        {
            var existing = entries.GetValueOrDefault(key);
            if (ifMatchVersion is { } expected)
            {
                if (existing is null && expected != 0)
                {
                    return new KeyValueWrite(null, expected, null, KeyMissing: true);
                }

                if (existing is not null && existing.Version != expected)
                {
                    return new KeyValueWrite(null, expected, existing.Version, KeyMissing: false);
                }
            }

            var version = (existing?.Version ?? 0) + 1;
            DateTimeOffset? expires = ttlSeconds is { } ttl ? now.AddSeconds(Math.Clamp(ttl, -1_000_000_000L, 1_000_000_000L)) : null;
            entries[key] = new KeyValueEntry(key, value.Clone(), version, expires, now);
            return new KeyValueWrite(version, null, null, KeyMissing: false);
        }
    }

    public void Delete(Guid workspaceId, string key)
    {
        if (_entries.TryGetValue(workspaceId, out var entries))
        {
            lock (entries)
            {
                entries.Remove(key);
            }
        }
    }

    public void Clear() => _entries.Clear();

    public IReadOnlyList<(Guid WorkspaceId, KeyValueEntry Entry)> All() =>
        [.. _entries.SelectMany(w => { lock (w.Value) { return w.Value.Values.Select(e => (w.Key, e)).ToArray(); } })];

    public void Restore(IEnumerable<(Guid WorkspaceId, KeyValueEntry Entry)> entries)
    {
        foreach (var (workspaceId, entry) in entries)
        {
            var map = _entries.GetOrAdd(workspaceId, _ => new SortedDictionary<string, KeyValueEntry>(StringComparer.Ordinal));
            lock (map)
            {
                map[entry.Key] = entry;
            }
        }
    }

    private static bool Expired(KeyValueEntry entry, DateTimeOffset now) => entry.ExpiresAt is { } at && at <= now;
}
