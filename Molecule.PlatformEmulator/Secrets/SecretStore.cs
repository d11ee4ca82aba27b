using Molecule.PlatformEmulator.State;

namespace Molecule.PlatformEmulator.Secrets;

/// <summary>One stored secret: the value (never in a list, a log or an event) and its times.</summary>
public sealed record SecretEntry(string Key, string Value, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

/// <summary>
/// Workspace and global secrets (supplement §3), in memory as the emulator's position is (no encryption, no restart
/// on change). The <c>secrets</c> map of <c>POST /workspaces</c> lands here too. The model override is the workspace
/// secret <c>MODEL_PROVIDER</c>.
/// </summary>
public sealed class SecretStore : IEmulatorStore
{
    public const string ModelKey = "MODEL_PROVIDER";

    private readonly Lock _gate = new();
    private readonly Dictionary<Guid, SortedDictionary<string, SecretEntry>> _workspace = [];
    private readonly SortedDictionary<string, SecretEntry> _global = new(StringComparer.Ordinal);

    public void Set(Guid? workspaceId, string key, string value, DateTimeOffset now)
    {
        lock (_gate)
        {
            var map = Map(workspaceId, create: true)!;
            map[key] = map.TryGetValue(key, out var existing) ? existing with { Value = value, UpdatedAt = now } : new SecretEntry(key, value, now, now);
        }
    }

    public bool Delete(Guid? workspaceId, string key)
    {
        lock (_gate)
        {
            return Map(workspaceId, create: false)?.Remove(key) ?? false;
        }
    }

    public SecretEntry? Get(Guid? workspaceId, string key)
    {
        lock (_gate)
        {
            return Map(workspaceId, create: false)?.GetValueOrDefault(key);
        }
    }

    /// <summary>A workspace's secrets by key, then the global ones it does not override, by key.</summary>
    public IReadOnlyList<(SecretEntry Entry, bool Global)> List(Guid workspaceId)
    {
        lock (_gate)
        {
            var own = Map(workspaceId, create: false);
            var rows = own?.Values.Select(e => (e, false)).ToList() ?? [];
            rows.AddRange(_global.Values.Where(g => own?.ContainsKey(g.Key) != true).Select(g => (g, true)));
            return rows;
        }
    }

    public IReadOnlyList<SecretEntry> Globals()
    {
        lock (_gate)
        {
            return [.. _global.Values];
        }
    }

    /// <summary>The merged values an agent runs with: globals first, its own values override.</summary>
    public IReadOnlyDictionary<string, string> Values(Guid workspaceId)
    {
        lock (_gate)
        {
            var values = new SortedDictionary<string, string>(StringComparer.Ordinal);
            foreach (var entry in _global.Values)
            {
                values[entry.Key] = entry.Value;
            }

            foreach (var entry in Map(workspaceId, create: false)?.Values ?? Enumerable.Empty<SecretEntry>())
            {
                values[entry.Key] = entry.Value;
            }

            return values;
        }
    }

    /// <summary>Every secret with its owner (null = global), for the data folder.</summary>
    public IReadOnlyList<(Guid? WorkspaceId, SecretEntry Entry)> All()
    {
        lock (_gate)
        {
            return [.. _global.Values.Select(e => ((Guid?)null, e)), .. _workspace.SelectMany(w => w.Value.Values.Select(e => ((Guid?)w.Key, e)))];
        }
    }

    public void Restore(IEnumerable<(Guid? WorkspaceId, SecretEntry Entry)> entries)
    {
        lock (_gate)
        {
            foreach (var (workspaceId, entry) in entries)
            {
                Map(workspaceId, create: true)![entry.Key] = entry;
            }
        }
    }

    public void Forget(Guid workspaceId)
    {
        lock (_gate)
        {
            _workspace.Remove(workspaceId);
        }
    }

    public void Clear()
    {
        lock (_gate)
        {
            _workspace.Clear();
            _global.Clear();
        }
    }

    private SortedDictionary<string, SecretEntry>? Map(Guid? workspaceId, bool create)
    {
        if (workspaceId is not { } id)
        {
            return _global;
        }

        if (!_workspace.TryGetValue(id, out var map) && create)
        {
            _workspace[id] = map = new SortedDictionary<string, SecretEntry>(StringComparer.Ordinal);
        }

        return map;
    }
}
