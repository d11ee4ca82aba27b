namespace Molecule.Workspace.Tasks;

/// <summary>The store across the workspace's life: restored from the snapshot at start, drained at shutdown.</summary>
internal sealed partial class TaskManager
{
    /// <summary>Stops taking new work (new sends get "workspace shutting down").</summary>
    public void StopAcceptingWork() => _draining = true;

    /// <summary>Waits for running tasks until <paramref name="budget"/> passes (or <paramref name="skip"/> fires), then cancels the rest.</summary>
    public async Task<(int Finished, int Canceled)> DrainAsync(TimeSpan budget, CancellationToken skip)
    {
        _draining = true;
        var running = _tasks.Values.OfType<TaskEntry>().Select(t => t.RunTask).OfType<Task>().Where(t => !t.IsCompleted).ToArray();
        if (running.Length > 0 && budget > TimeSpan.Zero)
        {
            try
            {
                await Task.WhenAll(running).WaitAsync(budget, _time, skip).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
            {
            }
        }

        var canceled = 0;
        foreach (var entry in _tasks.Values.OfType<TaskEntry>())
        {
            if (entry.State.IsActive())
            {
                try
                {
                    await CancelAsync(entry.Id, null, "shutdown", CancellationToken.None).ConfigureAwait(false);
                    canceled++;
                }
                catch (TaskStoreException ex) when (ex.Kind == TaskErrorKind.NotCancelable)
                {
                    // It finished on its own between the check and the cancel.
                }
            }
        }

        return (running.Length - canceled, canceled);
    }

    /// <summary>Loads stored tasks; those that were running come back FAILED with the reason (and are stored so).</summary>
    public int Restore(IEnumerable<TaskSnapshot> tasks)
    {
        var now = _time.GetUtcNow();
        var count = 0;
        var restoredEnded = new List<(string Id, DateTimeOffset EndedAt)>();
        foreach (var snapshot in tasks)
        {
            var entry = new TaskEntry(snapshot.Id, snapshot.ContextId, snapshot.Status.Timestamp);
            entry.History.AddRange(snapshot.History);
            entry.Artifacts.AddRange(snapshot.Artifacts);
            entry.Status = snapshot.Status;
            var interrupted = snapshot.Status.State.IsActive();
            if (interrupted)
            {
                entry.Status = new AgentTaskStatus(TaskState.Failed,
                    AgentSays(entry, "The workspace restarted while this task was running; send the message again."), now);
            }

            entry.LastUpdated = entry.Status.Timestamp;
            if (!_tasks.TryAdd(entry.Id, entry))
            {
                continue;
            }

            Interlocked.Increment(ref _count);
            count++;
            PersistedTask? persisted = null;
            if (interrupted)
            {
                lock (entry.Gate)
                {
                    persisted = PersistLocked(entry, keep: true);
                }
            }

            if (entry.Status.State.IsTerminal())
            {
                restoredEnded.Add((entry.Id, entry.LastUpdated));
                _tasks[entry.Id] = FrozenTask.Encode(persisted ?? TaskPersistenceMapping.ToPersisted(entry.Snapshot()), entry.LastSequence);
            }
        }

        foreach (var ended in restoredEnded.OrderBy(e => e.EndedAt))
        {
            _ended.Enqueue(ended);
        }

        EnsureCapacity();
        return count;
    }

    /// <summary>Reads the stored tasks back (see <see cref="Restore"/>); 0 when there are none.</summary>
    public async Task<int> RestoreStoredAsync(CancellationToken cancellationToken)
    {
        var stored = new List<TaskSnapshot>();
        await foreach (var task in _persistence.LoadAsync(cancellationToken).ConfigureAwait(false))
        {
            stored.Add(TaskPersistenceMapping.ToSnapshot(task));
        }

        return Restore(stored);
    }

    /// <summary>
    /// Stores the task's current state unless it is stored already (a turn's end always is), and completes when that
    /// write is done. Answers await it, so what a caller is told survives a crash; a blocking send whose turn ends
    /// while it waits costs one write, the turn's end. A failed write is logged by the store, not thrown here.
    /// </summary>
    public Task WhenStoredAsync(TaskEntry entry)
    {
        Task stored;
        lock (entry.Gate)
        {
            if (entry.StoredSequence != entry.LastSequence)
            {
                PersistLocked(entry);
            }

            stored = entry.Stored;
        }

        return stored.IsCompletedSuccessfully ? Task.CompletedTask : stored.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>Writes the task's state; returns what was written (also without a store when <paramref name="keep"/> asks for it).</summary>
    private PersistedTask? PersistLocked(TaskEntry entry, bool keep = false)
    {
        entry.StoredSequence = entry.LastSequence;
        var durable = _persistence is not NullTaskPersistence;
        if (!durable && !keep)
        {
            return null;
        }

        var persisted = TaskPersistenceMapping.ToPersisted(entry.SnapshotLocked());
        if (durable)
        {
            entry.Stored = _persistence.SaveAsync(persisted).AsTask();
        }

        return persisted;
    }

    public async ValueTask DisposeAsync()
    {
        await _shutdown.CancelAsync().ConfigureAwait(false);
        var running = _tasks.Values.OfType<TaskEntry>().Select(t => t.RunTask).OfType<Task>().ToArray();
        try
        {
            await Task.WhenAll(running).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
        }

        _shutdown.Dispose();
    }
}
