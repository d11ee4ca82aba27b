using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Molecule.PlatformEmulator.State;

namespace Molecule.PlatformEmulator.Lifecycle;

/// <summary>The JSON blob per workspace behind <c>GET/PATCH …/config</c> (supplement §9), unrelated to <c>config.yaml</c>.</summary>
public sealed class WorkspaceConfigStore : IEmulatorStore
{
    private readonly ConcurrentDictionary<Guid, JsonObject> _configs = new();

    public JsonObject Get(Guid workspaceId)
    {
        if (!_configs.TryGetValue(workspaceId, out var config))
        {
            return [];
        }

        lock (config)
        {
            return (JsonObject)config.DeepClone();
        }
    }

    /// <summary>A shallow merge, as <c>old || new</c> in Postgres: top-level keys replaced, never deleted.</summary>
    public void Merge(Guid workspaceId, JsonObject patch)
    {
        var config = _configs.GetOrAdd(workspaceId, _ => []);
        lock (config)
        {
            foreach (var (key, value) in patch)
            {
                config[key] = value?.DeepClone();
            }
        }
    }

    public void Clear() => _configs.Clear();

    public IReadOnlyDictionary<Guid, JsonObject> All() => _configs.ToDictionary(c => c.Key, c => Get(c.Key));

    public void Restore(IReadOnlyDictionary<Guid, JsonObject> configs)
    {
        foreach (var (id, config) in configs)
        {
            _configs[id] = config;
        }
    }
}
