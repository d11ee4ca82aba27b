using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Molecule.Platform.Client;

namespace Molecule.Workspace.Tasks;

/// <summary>
/// Owns every task: creates and resumes them, runs the agent for each turn, keeps the per-task ordered event log that
/// streams and <c>Last-Event-ID</c> replay read from, cancels (always ending in CANCELED), evicts, drains on shutdown,
/// and restores from a snapshot. Thread-safe; each task has its own lock, so tasks never wait on each other.
/// </summary>
internal sealed partial class TaskManager : IAsyncDisposable
{
    private const int SubscriberBuffer = 512;

    // A live TaskEntry, or a finished task's array (FrozenTask): a finished task is two objects here, its id and its array.
    private readonly ConcurrentDictionary<string, object> _tasks = new(StringComparer.Ordinal);

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
    private readonly ITaskPersistence _persistence;
    private readonly ILogger<TaskManager> _logger;
    private readonly CancellationTokenSource _shutdown = new();
    private volatile bool _draining;

    public TaskManager(IAgent agent, IOptions<TaskStoreOptions> options, TimeProvider time, IAgentActivitySink sink, ILogger<TaskManager> logger,
        ITaskPersistence? persistence = null)
    {
        _persistence = persistence ?? NullTaskPersistence.Instance;
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
            throw new TaskStoreException(TaskErrorKind.ShuttingDown, message.TaskId ?? "");
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
                    throw new TaskStoreException(TaskErrorKind.Terminal, entry.Id, state);
                }

                if (!state.IsInterrupted())
                {
                    throw new TaskStoreException(TaskErrorKind.Busy, entry.Id, state);
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
        Infrastructure.WorkspaceTelemetry.TagTask(entry.Id, entry.ContextId);
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
        if (_tasks.TryGetValue(id, out var value) && FrozenTask.View(id, value) is var stored && (contextId is null || contextId == stored.ContextId))
        {
            return stored.Open();
        }

        throw new TaskStoreException(TaskErrorKind.NotFound, id);
    }

    /// <summary>Cancels a task: the agent's token is cancelled, then CANCELED is written within the cancel wait; returns once it is stored.</summary>
    public async Task<TaskSnapshot> CancelAsync(string id, string? contextId, string reason, CancellationToken cancellationToken)
    {
        var entry = Find(id, contextId);
        Task? running;
        lock (entry.Gate)
        {
            // Every terminal state, CANCELED included, is not cancelable (A2A §7.4). Cancels that arrive while the task
            // still runs all wait for the one transition below and get the canceled task.
            var state = entry.Status.State;
            if (state.IsTerminal())
            {
                throw new TaskStoreException(TaskErrorKind.NotCancelable, id, state);
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
        await WhenStoredAsync(entry).ConfigureAwait(false);   // the live entry: it holds the write of the cancel
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

    public IReadOnlyList<StoredTask> List() => _tasks.Select(t => FrozenTask.View(t.Key, t.Value)).ToArray();

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
