namespace Molecule.Workspace.Tasks;

/// <summary>The store's bounds: terminal tasks leave after their TTL, and the oldest-finished first past capacity.</summary>
internal sealed partial class TaskManager
{
    /// <summary>Drops terminal tasks past their TTL. Called periodically.</summary>
    public int Sweep()
    {
        var removed = new List<string>();
        SweepInto(removed);
        Forget(removed);
        return removed.Count;
    }

    private void SweepInto(List<string> removed)
    {
        var cutoff = _time.GetUtcNow() - _options.TerminalTtl;
        while (_ended.TryPeek(out var oldest) && oldest.EndedAt <= cutoff && _ended.TryDequeue(out oldest))
        {
            if (Remove(oldest))
            {
                removed.Add(oldest.Id);
            }
        }
    }

    /// <summary>The removed tasks leave the persistence in one batch (one journal write for an eviction's thousand).</summary>
    private void Forget(List<string> removed)
    {
        if (removed.Count > 0)
        {
            _ = _persistence.DeleteManyAsync(removed).AsTask();
        }
    }

    /// <summary>
    /// Keeps the store at its capacity: past it, the longest-finished tasks are dropped (10 % at a time, so this runs
    /// rarely). Running tasks are never evicted. One caller evicts at a time; the others carry on.
    /// </summary>
    private void EnsureCapacity()
    {
        if (Volatile.Read(ref _count) < _options.Capacity || Interlocked.CompareExchange(ref _evicting, 1, 0) != 0)
        {
            return;
        }

        try
        {
            var removed = new List<string>();
            SweepInto(removed);
            var target = _options.Capacity - 1 - (_options.Capacity / 10);
            while (Volatile.Read(ref _count) > target && _ended.TryDequeue(out var oldest))
            {
                if (Remove(oldest))
                {
                    removed.Add(oldest.Id);
                }
            }

            Forget(removed);
        }
        finally
        {
            Volatile.Write(ref _evicting, 0);
        }
    }

    /// <summary>Removes a task that ended at <paramref name="ended"/>.EndedAt from memory, unless it is gone already (the caller forgets it in the persistence).</summary>
    private bool Remove((string Id, DateTimeOffset EndedAt) ended)
    {
        // The value may change under us from the live entry to its frozen form: then it is read and tried again.
        while (_tasks.TryGetValue(ended.Id, out var stored))
        {
            if (!FrozenTask.Summary(stored).State.IsTerminal())
            {
                return false;
            }

            if (_tasks.TryRemove(new KeyValuePair<string, object>(ended.Id, stored)))
            {
                Interlocked.Decrement(ref _count);
                return true;
            }
        }

        return false;
    }
}
