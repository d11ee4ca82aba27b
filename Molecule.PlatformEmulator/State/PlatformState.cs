using System.Collections.Concurrent;

namespace Molecule.PlatformEmulator.State;

/// <summary>All workspaces, in memory. Rows carry their own locks; the dictionary is lock-free for readers.</summary>
public sealed class PlatformState(TokenRegistry tokens)
{
    private readonly ConcurrentDictionary<Guid, WorkspaceRow> _rows = new();
    private long _order;

    public TokenRegistry Tokens { get; } = tokens;

    public int Count => _rows.Count;

    public WorkspaceRow? Find(Guid id) => _rows.TryGetValue(id, out var row) ? row : null;

    public WorkspaceRow GetOrCreate(Guid id, DateTimeOffset now, Action<WorkspaceRow> initialise) =>
        _rows.GetOrAdd(id, key =>
        {
            var fresh = new WorkspaceRow(key, Interlocked.Increment(ref _order), now);
            initialise(fresh);
            return fresh;
        });

    public WorkspaceRow Add(Guid id, DateTimeOffset now, Action<WorkspaceRow> initialise)
    {
        var row = new WorkspaceRow(id, Interlocked.Increment(ref _order), now);
        initialise(row);
        _rows[id] = row;
        return row;
    }

    public IEnumerable<WorkspaceRow> All => _rows.Values.OrderBy(r => r.Order);

    public IEnumerable<WorkspaceRow> Unordered => _rows.Values;

    public bool Remove(Guid id) => _rows.TryRemove(id, out _);

    public void Clear() => _rows.Clear();

    /// <summary>Puts back rows a snapshot saved, keeping their order (the data folder, on start).</summary>
    public void Restore(IEnumerable<WorkspaceRow> rows)
    {
        foreach (var row in rows)
        {
            _rows[row.Id] = row;
            InterlockedMax(ref _order, row.Order);
        }
    }

    private static void InterlockedMax(ref long target, long value)
    {
        long current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }

    /// <summary>The parent of <paramref name="id"/> (null for a root or an unknown id).</summary>
    public Guid? ParentOf(Guid id)
    {
        if (Find(id) is not { } row)
        {
            return null;
        }

        lock (row.Gate)
        {
            return row.ParentId;
        }
    }

    /// <summary>The hierarchy rule: self, siblings, both roots, ancestor or descendant (walks stop after 32 levels).</summary>
    public bool CanCommunicate(Guid a, Guid b)
    {
        if (a == b)
        {
            return Find(a) is not null;
        }

        if (Find(a) is null || Find(b) is null)
        {
            return false;
        }

        var parentA = ParentOf(a);
        var parentB = ParentOf(b);
        if (parentA == parentB)
        {
            return true;   // siblings, or both roots
        }

        return IsAncestor(a, b) || IsAncestor(b, a);
    }

    private bool IsAncestor(Guid ancestor, Guid of)
    {
        var current = ParentOf(of);
        for (var depth = 0; current is { } c && depth < 32; depth++)
        {
            if (c == ancestor)
            {
                return true;
            }

            current = ParentOf(c);
        }

        return false;
    }

    public IReadOnlyList<WorkspaceRow> ChildrenOf(Guid id) =>
        _rows.Values.Where(r => { lock (r.Gate) { return r.ParentId == id && r.Status != WorkspaceStatus.Removed; } }).OrderBy(r => r.Order).ToArray();

    public IReadOnlyList<WorkspaceRow> DescendantsOf(Guid id)
    {
        var result = new List<WorkspaceRow>();
        var queue = new Queue<Guid>([id]);
        var seen = new HashSet<Guid> { id };
        while (queue.Count > 0)
        {
            foreach (var child in ChildrenOf(queue.Dequeue()))
            {
                if (seen.Add(child.Id))
                {
                    result.Add(child);
                    queue.Enqueue(child.Id);
                }
            }
        }

        return result;
    }
}
