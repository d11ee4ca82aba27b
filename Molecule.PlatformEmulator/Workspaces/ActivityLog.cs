using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Molecule.PlatformEmulator.Infrastructure;

namespace Molecule.PlatformEmulator.Workspaces;

/// <summary>Per-workspace activity rows (newest first, at most 500 kept per workspace).</summary>
public sealed class ActivityLog(TimeProvider time)
{
    private const int Capacity = 500;
    private readonly ConcurrentDictionary<Guid, LinkedList<JsonObject>> _rows = new();

    public void Add(Guid workspaceId, string type, string source, JsonObject fields)
    {
        var row = new JsonObject
        {
            ["id"] = Guid.NewGuid().ToString(),
            ["workspace_id"] = workspaceId.ToString(),
            ["activity_type"] = type,
            ["source"] = source,
            ["created_at"] = Contract.Timestamp(time.GetUtcNow()),
        };
        foreach (var (key, value) in fields)
        {
            if (!row.ContainsKey(key))
            {
                row[key] = value?.DeepClone();
            }
        }

        var list = _rows.GetOrAdd(workspaceId, _ => new LinkedList<JsonObject>());
        lock (list)
        {
            list.AddFirst(row);
            if (list.Count > Capacity)
            {
                list.RemoveLast();
            }
        }
    }

    public IReadOnlyList<JsonObject> List(Guid workspaceId, string? type, string? source, int limit)
    {
        if (!_rows.TryGetValue(workspaceId, out var list))
        {
            return [];
        }

        lock (list)
        {
            return list.Where(r => (type is null || (string?)r["activity_type"] == type) && (source is null || (string?)r["source"] == source))
                .Take(limit).Select(r => (JsonObject)r.DeepClone()).ToArray();
        }
    }

    public void Clear() => _rows.Clear();
}
