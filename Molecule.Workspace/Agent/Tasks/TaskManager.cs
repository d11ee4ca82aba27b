using System.Collections.Concurrent;
using System.Text;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using Molecule.Platform.Client;

namespace Molecule.Workspace.Agent.Tasks;

/// <summary>
/// Owns every task: creates and resumes them, runs the agent for each turn, keeps the per-task ordered event log that
/// streams and <c>Last-Event-ID</c> replay read from, cancels (always ending in CANCELED), evicts, drains on shutdown,
/// and restores from a snapshot. Thread-safe; each task has its own lock, so tasks never wait on each other.
/// </summary>
public sealed partial class TaskManager : IAsyncDisposable
{
    private const int SubscriberBuffer = 512;

    private readonly ConcurrentDictionary<string, TaskEntry> _tasks = new(StringComparer.Ordinal);

    // Terminal tasks in the order they ended: TTL sweeps and capacity eviction take from the front, so both cost
    // O(tasks removed) instead of a scan and sort of the whole store on the request path.
    private readonly ConcurrentQueue<(string Id, DateTimeOffset EndedAt)> _ended = new();
    private int _count;      // ConcurrentDictionary.Count takes every bucket lock; this is the store's size
    private int _evicting;   // single-flight guard: one request evicts, the others go on (10 % headroom)
    private readonly ActiveTasks _active;
    private readonly IAgent _agent;
    private readonly TaskStoreOptions _options;
    private readonly TimeProvider _time;
    private readonly IAgentActivitySink _sink;
    private readonly ILogger<TaskManager> _logger;
    private readonly CancellationTokenSource _shutdown = new();
    private volatile bool _draining;

    public TaskManager(IAgent agent, IOptions<TaskStoreOptions> options, TimeProvider time, IAgentActivitySink sink, ILogger<TaskManager> logger)
    {
        _agent = agent;
        _options = options.Value;
        _time = time;
        _sink = sink;
        _active = new ActiveTasks(sink);
        _logger = logger;
    }

    public int Count => Volatile.Read(ref _count);

    public int ActiveCount => _active.Count;

    /// <summary>True once shutdown began: new sends are refused.</summary>
    public bool IsDraining => _draining;

    public TaskStoreOptions Options => _options;

    /// <summary>
    /// Starts a turn for <paramref name="message"/>: a new task, or the next turn of an interrupted one named by
    /// <c>taskId</c>. Returns the task and the log position just before this turn's first event (the Task snapshot).
    /// </summary>
    /// <param name="message">The message that starts or continues the task.</param>
    /// <param name="streaming">The caller streams this turn: its event log is kept for Last-Event-ID replay.</param>
    public (TaskEntry Task, long TurnStart) Submit(AgentMessage message, bool streaming = false)
    {
        if (_draining)
        {
            throw new A2AException(A2AErrorCodes.ShuttingDown, "workspace shutting down");
        }

        var now = _time.GetUtcNow();
        TaskEntry entry;
        if (message.TaskId is { } taskId)
        {
            entry = Find(taskId, message.ContextId);
        }
        else
        {
            entry = new TaskEntry(Guid.NewGuid().ToString(), message.ContextId ?? Guid.NewGuid().ToString(), now);
            EnsureCapacity();
            _tasks[entry.Id] = entry;
            Interlocked.Increment(ref _count);
        }

        AgentRequest request;
        long turnStart;
        lock (entry.Gate)
        {
            var state = entry.Status.State;
            if (message.TaskId is not null)
            {
                if (state.IsTerminal())
                {
                    throw new A2AException(A2AErrorCodes.UnsupportedOperation, $"Task {entry.Id} is {Wire.StateName03(state)}; a terminal task takes no more messages");
                }

                if (!state.IsInterrupted())
                {
                    throw new A2AException(A2AErrorCodes.UnsupportedOperation, $"Task {entry.Id} is still {Wire.StateName03(state)}; wait for it or cancel it");
                }
            }

            var stored = message with { TaskId = entry.Id, ContextId = entry.ContextId };
            var history = entry.History.ToArray();
            AddHistory(entry, stored);
            entry.Status = new AgentTaskStatus(TaskState.Submitted, null, now);
            entry.LastUpdated = now;
            entry.Detached = false;
            entry.CancelReason = null;
            entry.Label = SecretScrubber.Scrub(Label(message.Text), 256);
            entry.TurnEnded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            entry.Streamed |= streaming;
            turnStart = entry.LastSequence;
            PublishLocked(entry, new TaskSnapshotEvent(entry.SnapshotLocked()));
            request = new AgentRequest(entry.Id, entry.ContextId, stored, history);

            entry.RunCancellation = CancellationTokenSource.CreateLinkedTokenSource(_shutdown.Token);
            var cancellation = entry.RunCancellation.Token;
            entry.RunTask = Task.Run(() => RunTurnAsync(entry, request, cancellation), CancellationToken.None);
        }

        _active.Started(entry.Id, entry.Label);
        return (entry, turnStart);
    }

    /// <summary>Waits until the current turn ends (terminal or interrupted) or the blocking timeout passes.</summary>
    public async Task WaitForTurnAsync(TaskEntry entry, CancellationToken cancellationToken)
    {
        Task turn;
        lock (entry.Gate)
        {
            turn = entry.TurnEnded.Task;
        }

        try
        {
            await turn.WaitAsync(_options.BlockingTimeout, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Answer with the still-running task; the client can poll or resubscribe.
        }
    }

    /// <summary>The request that started the turn returned before the task ended: its end is counted on its own.</summary>
    public void Detach(TaskEntry entry)
    {
        lock (entry.Gate)
        {
            if (!entry.Status.State.IsTerminal())
            {
                entry.Detached = true;
            }
        }
    }

    /// <summary>The task, if it exists and belongs to <paramref name="contextId"/> (when one is given).</summary>
    public TaskEntry Find(string id, string? contextId = null)
    {
        if (_tasks.TryGetValue(id, out var entry) && (contextId is null || contextId == entry.ContextId))
        {
            return entry;
        }

        throw A2AException.TaskNotFound(id);
    }

    /// <summary>Cancels a task: the agent's token is cancelled, then CANCELED is written within the cancel wait.</summary>
    public async Task<TaskSnapshot> CancelAsync(string id, string? contextId, string reason, CancellationToken cancellationToken)
    {
        var entry = Find(id, contextId);
        Task? running;
        lock (entry.Gate)
        {
            var state = entry.Status.State;
            if (state == TaskState.Canceled)
            {
                return entry.SnapshotLocked();
            }

            if (state.IsTerminal())
            {
                throw new A2AException(A2AErrorCodes.TaskNotCancelable, $"Task {id} is {Wire.StateName03(state)} and can no longer be canceled");
            }

            entry.CancelReason ??= reason;
            running = entry.RunTask is { IsCompleted: false } ? entry.RunTask : null;
            entry.RunCancellation?.Cancel();
        }

        if (running is not null)
        {
            try
            {
                await running.WaitAsync(_options.CancelWait, _time, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                LogCancelWaitExpired(_logger, id);
            }
        }

        Transition(entry, TaskState.Canceled, AgentSays(entry, reason));
        return entry.Snapshot();
    }

    /// <summary>
    /// Subscribes to a task's events. With <paramref name="afterSequence"/> inside the retained log the missed events are
    /// replayed; otherwise the current Task snapshot comes first. The reader completes at a terminal state.
    /// </summary>
    public TaskSubscription Subscribe(TaskEntry entry, long? afterSequence)
    {
        var channel = Channel.CreateBounded<TaskEvent>(new BoundedChannelOptions(SubscriberBuffer)
        {
            SingleReader = true,
            SingleWriter = false,
            FullMode = BoundedChannelFullMode.Wait,
        });

        lock (entry.Gate)
        {
            entry.Streamed = true;
            var initial = new List<TaskEvent>();
            var first = entry.Log.First?.Value.Sequence ?? entry.LastSequence + 1;
            if (afterSequence is { } after && after >= first - 1 && after <= entry.LastSequence)
            {
                initial.AddRange(entry.Log.Where(e => e.Sequence > after));
            }
            else
            {
                initial.Add(new TaskSnapshotEvent(entry.SnapshotLocked()) { Sequence = entry.LastSequence });
            }

            if (!entry.Status.State.IsTerminal())
            {
                entry.Subscribers.Add(channel);
            }
            else
            {
                channel.Writer.TryComplete();
            }

            return new TaskSubscription(entry, initial, channel.Reader, () => Unsubscribe(entry, channel));
        }
    }

    public IReadOnlyList<TaskEntry> List() => _tasks.Values.ToArray();

    /// <summary>Stops taking new work (new sends get "workspace shutting down").</summary>
    public void StopAcceptingWork() => _draining = true;

    /// <summary>Waits for running tasks until <paramref name="budget"/> passes (or <paramref name="skip"/> fires), then cancels the rest.</summary>
    public async Task<(int Finished, int Canceled)> DrainAsync(TimeSpan budget, CancellationToken skip)
    {
        _draining = true;
        var running = _tasks.Values.Select(t => t.RunTask).OfType<Task>().Where(t => !t.IsCompleted).ToArray();
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
        foreach (var entry in _tasks.Values)
        {
            if (entry.State.IsActive())
            {
                canceled++;
                await CancelAsync(entry.Id, null, "shutdown", CancellationToken.None).ConfigureAwait(false);
            }
        }

        return (running.Length - canceled, canceled);
    }

    /// <summary>Drops terminal tasks past their TTL. Called periodically.</summary>
    public int Sweep()
    {
        var cutoff = _time.GetUtcNow() - _options.TerminalTtl;
        var removed = 0;
        while (_ended.TryPeek(out var oldest) && oldest.EndedAt <= cutoff && _ended.TryDequeue(out oldest))
        {
            removed += Remove(oldest) ? 1 : 0;
        }

        return removed;
    }

    /// <summary>Loads tasks from a snapshot; those that were running come back FAILED with the reason.</summary>
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
            if (snapshot.Status.State.IsActive())
            {
                entry.Status = new AgentTaskStatus(TaskState.Failed,
                    AgentSays(entry, "The workspace restarted while this task was running; send the message again."), now);
            }

            entry.LastUpdated = entry.Status.Timestamp;
            if (_tasks.TryAdd(entry.Id, entry))
            {
                Interlocked.Increment(ref _count);
                count++;
                if (entry.Status.State.IsTerminal())
                {
                    restoredEnded.Add((entry.Id, entry.LastUpdated));
                }
            }
        }

        foreach (var ended in restoredEnded.OrderBy(e => e.EndedAt))
        {
            _ended.Enqueue(ended);
        }

        EnsureCapacity();
        return count;
    }

    public async ValueTask DisposeAsync()
    {
        await _shutdown.CancelAsync().ConfigureAwait(false);
        var running = _tasks.Values.Select(t => t.RunTask).OfType<Task>().ToArray();
        try
        {
            await Task.WhenAll(running).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
        }

        _shutdown.Dispose();
    }

    private async Task RunTurnAsync(TaskEntry entry, AgentRequest request, CancellationToken cancellation)
    {
        using var deadline = new CancellationTokenSource(_options.ExecutionTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellation, deadline.Token);
        var artifactId = Guid.NewGuid().ToString();
        var answer = new StringBuilder();
        string? pending = null;
        var chunks = 0;
        try
        {
            Transition(entry, TaskState.Working, null);
            await foreach (var update in _agent.RunAsync(request, linked.Token).WithCancellation(linked.Token).ConfigureAwait(false))
            {
                switch (update)
                {
                    case AgentText text when text.Text.Length > 0:
                        if (pending is not null)
                        {
                            PublishChunk(entry, artifactId, pending, append: chunks++ > 0, last: false, answer.ToString());
                        }

                        answer.Append(text.Text);
                        pending = text.Text;
                        break;
                    case AgentProgress progress:
                        Transition(entry, TaskState.Working, AgentSays(entry, progress.Text), addToHistory: false);
                        break;
                    case AgentNeedsInput needsInput:
                        if (pending is not null)
                        {
                            PublishChunk(entry, artifactId, pending, append: chunks++ > 0, last: true, answer.ToString());
                        }

                        Transition(entry, TaskState.InputRequired, AgentSays(entry, needsInput.Prompt));
                        return;
                }
            }

            if (pending is not null)
            {
                PublishChunk(entry, artifactId, pending, append: chunks > 0, last: true, answer.ToString());
            }

            Transition(entry, TaskState.Completed, AgentSays(entry, answer.ToString()));
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellation.IsCancellationRequested)
        {
            Fail(entry, $"The agent did not finish within {_options.ExecutionTimeout}.", countsAsError: true);
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            string reason;
            lock (entry.Gate)
            {
                reason = entry.CancelReason ?? "shutdown";
            }

            Transition(entry, TaskState.Canceled, AgentSays(entry, reason));
        }
        catch (A2AException ex)
        {
            Fail(entry, ex.Message, countsAsError: false);
        }
        catch (Exception ex)
        {
            LogAgentFailed(_logger, entry.Id, ex);
            Fail(entry, ex is AgentDependencyException ? ex.Message : $"The agent failed: {ex.Message}", countsAsError: true);
        }
        finally
        {
            // The turn's token source is linked to the store's shutdown token: disposing it unregisters it there, so
            // finished tasks leave nothing behind (a next turn of the same task has its own source by then).
            lock (entry.Gate)
            {
                if (entry.RunCancellation is { } source && source.Token == cancellation)
                {
                    entry.RunCancellation = null;
                    source.Dispose();
                }
            }
        }
    }

    private void Fail(TaskEntry entry, string message, bool countsAsError)
    {
        var scrubbed = SecretScrubber.Scrub(message, 1000);
        lock (entry.Gate)
        {
            entry.FailureCounted = countsAsError;
        }

        Transition(entry, TaskState.Failed, AgentSays(entry, scrubbed));
    }

    private void PublishChunk(TaskEntry entry, string artifactId, string chunk, bool append, bool last, string whole)
    {
        lock (entry.Gate)
        {
            if (entry.Status.State.IsTerminal())
            {
                return;   // late output of a canceled task is dropped
            }

            var artifact = new Artifact(artifactId, "response", [new TextPart(whole)]);
            var index = entry.Artifacts.FindIndex(a => a.ArtifactId == artifactId);
            if (index >= 0)
            {
                entry.Artifacts[index] = artifact;
            }
            else
            {
                entry.Artifacts.Add(artifact);
            }

            entry.LastUpdated = _time.GetUtcNow();
            PublishLocked(entry, new ArtifactUpdateEvent(entry.Id, entry.ContextId,
                new Artifact(artifactId, "response", [new TextPart(chunk)]), append, last));
        }
    }

    /// <summary>Moves the task to <paramref name="state"/> unless it is already terminal (late transitions are dropped).</summary>
    private bool Transition(TaskEntry entry, TaskState state, AgentMessage? message, bool addToHistory = true)
    {
        bool detached, failedCounted;
        lock (entry.Gate)
        {
            if (entry.Status.State.IsTerminal())
            {
                return false;
            }

            var now = _time.GetUtcNow();
            entry.Status = new AgentTaskStatus(state, message, now);
            entry.LastUpdated = now;
            if (message is not null && addToHistory)
            {
                AddHistory(entry, message);
            }

            PublishLocked(entry, new StatusUpdateEvent(entry.Id, entry.ContextId, entry.Status));
            if (state.IsTerminal() || state.IsInterrupted())
            {
                entry.TurnEnded.TrySetResult();
            }

            if (state.IsTerminal())
            {
                foreach (var subscriber in entry.Subscribers)
                {
                    subscriber.Writer.TryComplete();
                }

                entry.Subscribers.Clear();
                if (!entry.Streamed)
                {
                    // Nobody streamed this task, so nobody can resume a stream with Last-Event-ID: its event log is
                    // dead weight in the store (a later subscribe gets the final snapshot).
                    entry.Log.Clear();
                }

                _ended.Enqueue((entry.Id, now));
            }

            detached = entry.Detached && (state.IsTerminal() || state.IsInterrupted());
            failedCounted = entry.FailureCounted;
        }

        if (!state.IsActive())
        {
            _active.Ended(entry.Id);
        }

        if (detached)
        {
            _sink.UnitCompleted(state == TaskState.Failed && failedCounted ? message?.Text ?? "task failed" : null);
        }

        return true;
    }

    private void PublishLocked(TaskEntry entry, TaskEvent taskEvent)
    {
        var sequenced = taskEvent with { Sequence = ++entry.LastSequence };
        entry.Log.AddLast(sequenced);
        while (entry.Log.Count > _options.EventLogCap)
        {
            entry.Log.RemoveFirst();
        }

        for (var i = entry.Subscribers.Count - 1; i >= 0; i--)
        {
            var subscriber = entry.Subscribers[i];
            if (!subscriber.Writer.TryWrite(sequenced))
            {
                // A subscriber that cannot keep up is closed rather than silently skipped; it resubscribes with
                // Last-Event-ID and replays the gap.
                subscriber.Writer.TryComplete(new ChannelClosedException("The subscriber fell behind; resubscribe with Last-Event-ID."));
                entry.Subscribers.RemoveAt(i);
            }
        }
    }

    private void Unsubscribe(TaskEntry entry, Channel<TaskEvent> channel)
    {
        lock (entry.Gate)
        {
            entry.Subscribers.Remove(channel);
        }
    }

    private void AddHistory(TaskEntry entry, AgentMessage message)
    {
        entry.History.Add(message);
        if (entry.History.Count > _options.HistoryCap)
        {
            entry.History.RemoveRange(0, entry.History.Count - _options.HistoryCap);
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
            Sweep();
            var target = _options.Capacity - 1 - (_options.Capacity / 10);
            while (Volatile.Read(ref _count) > target && _ended.TryDequeue(out var oldest))
            {
                Remove(oldest);
            }
        }
        finally
        {
            Volatile.Write(ref _evicting, 0);
        }
    }

    /// <summary>Removes a task that ended at <paramref name="ended"/>.EndedAt, unless it is gone already.</summary>
    private bool Remove((string Id, DateTimeOffset EndedAt) ended)
    {
        if (!_tasks.TryGetValue(ended.Id, out var entry))
        {
            return false;
        }

        lock (entry.Gate)
        {
            if (!entry.Status.State.IsTerminal())
            {
                return false;
            }
        }

        if (!_tasks.TryRemove(new KeyValuePair<string, TaskEntry>(ended.Id, entry)))
        {
            return false;
        }

        Interlocked.Decrement(ref _count);
        return true;
    }

    private static AgentMessage AgentSays(TaskEntry entry, string text) =>
        new(Guid.NewGuid().ToString(), MessageRole.Agent, [new TextPart(text)], entry.ContextId, entry.Id);

    private static string Label(string text)
    {
        var line = text.ReplaceLineEndings(" ").Trim();
        return line.Length <= 80 ? line : line[..77] + "...";
    }

    [LoggerMessage(EventId = 200, Level = LogLevel.Warning, Message = "Task {TaskId} failed in the agent")]
    private static partial void LogAgentFailed(ILogger logger, string taskId, Exception exception);

    [LoggerMessage(EventId = 201, Level = LogLevel.Warning, Message = "Task {TaskId}: the agent did not stop within the cancel wait; marking it canceled anyway")]
    private static partial void LogCancelWaitExpired(ILogger logger, string taskId);
}

/// <summary>A live view of one task's events: the initial batch (snapshot or replay), then the reader.</summary>
public sealed class TaskSubscription(TaskEntry task, IReadOnlyList<TaskEvent> initial, ChannelReader<TaskEvent> reader, Action unsubscribe) : IDisposable
{
    public TaskEntry Task { get; } = task;

    public IReadOnlyList<TaskEvent> Initial { get; } = initial;

    public ChannelReader<TaskEvent> Reader { get; } = reader;

    public void Dispose() => unsubscribe();
}
