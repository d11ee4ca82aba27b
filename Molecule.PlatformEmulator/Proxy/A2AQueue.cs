using System.Collections.Concurrent;
using System.Net.Http.Headers;

namespace Molecule.PlatformEmulator.Proxy;

/// <summary>
/// The platform's queue for A2A calls that met a busy agent (contract §2.10): in memory, FIFO per workspace (one
/// priority, 50, as the platform assigns), idempotent on <c>params.message.messageId</c>. A heartbeat that reports
/// spare capacity (<c>active_tasks &lt; max_concurrent_tasks</c>) dispatches one item to the workspace's URL; success
/// completes it, an error re-queues it, and the fifth failure drops it as failed. The reply goes nowhere: the original
/// caller already got its 202.
/// </summary>
public sealed partial class A2AQueue(IHttpClientFactory clients, ILogger<A2AQueue> logger)
{
    /// <summary>The named client deliveries use: no retry handler (the queue counts its own attempts).</summary>
    public const string HttpClientName = "a2a-queue";

    /// <summary>Items held per workspace; past this, enqueueing fails (503) rather than growing without bound.</summary>
    public const int CapacityPerWorkspace = 100;

    public const int MaxAttempts = 5;

    private readonly ConcurrentDictionary<Guid, WorkspaceQueue> _queues = new();

    /// <summary>Queues a call; returns the item and the queue depth, or null when the workspace's queue is full.</summary>
    public (QueuedCall Call, int Depth)? Enqueue(Guid workspaceId, byte[] body, string method, string? messageId, Guid? caller = null)
    {
        var queue = _queues.GetOrAdd(workspaceId, _ => new WorkspaceQueue());
        lock (queue.Gate)
        {
            if (messageId is not null && queue.Items.FirstOrDefault(i => i.MessageId == messageId) is { } existing)
            {
                return (existing, queue.Items.Count);
            }

            if (queue.Items.Count >= CapacityPerWorkspace)
            {
                return null;
            }

            var call = new QueuedCall(Guid.NewGuid(), workspaceId, body, method, messageId) { Caller = caller };
            queue.Items.AddLast(call);
            return (call, queue.Items.Count);
        }
    }

    /// <summary>Raised after a queued call is delivered, with the agent's answer (the delegations stitch their results from it).</summary>
    public event Action<QueuedCall, byte[]>? Delivered;

    public int Depth(Guid workspaceId) => _queues.TryGetValue(workspaceId, out var queue) ? queue.Count : 0;

    /// <summary>Called after each heartbeat: with spare capacity, send the oldest item to <paramref name="url"/>.</summary>
    public void OnHeartbeat(Guid workspaceId, string url, int activeTasks, int maxConcurrentTasks)
    {
        if (activeTasks >= maxConcurrentTasks || url.Length == 0 || !_queues.TryGetValue(workspaceId, out var queue))
        {
            return;
        }

        QueuedCall? call;
        lock (queue.Gate)
        {
            if (queue.Dispatching || queue.Items.First is not { } first)
            {
                return;
            }

            call = first.Value;
            queue.Items.RemoveFirst();
            queue.Dispatching = true;
        }

        _ = Task.Run(() => DispatchAsync(queue, call, url));
    }

    public void Clear() => _queues.Clear();

    private async Task DispatchAsync(WorkspaceQueue queue, QueuedCall call, string url)
    {
        var delivered = false;
        byte[] answer = [];
        try
        {
            using var content = new ByteArrayContent(call.Body);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            using var response = await clients.CreateClient(HttpClientName).PostAsync(url, content).ConfigureAwait(false);
            delivered = response.IsSuccessStatusCode;
            if (delivered)
            {
                answer = await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
            }

            LogDispatched(logger, call.Id, call.WorkspaceId, (int)response.StatusCode);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            LogDispatchFailed(logger, call.Id, call.WorkspaceId, ex.Message);
        }

        if (delivered)
        {
            Delivered?.Invoke(call, answer);
        }

        lock (queue.Gate)
        {
            queue.Dispatching = false;
            if (!delivered)
            {
                call.Attempts++;
                if (call.Attempts < MaxAttempts)
                {
                    queue.Items.AddLast(call);
                }
                else
                {
                    LogGaveUp(logger, call.Id, call.WorkspaceId, MaxAttempts);
                }
            }
        }
    }

    private sealed class WorkspaceQueue
    {
        public Lock Gate { get; } = new();

        public LinkedList<QueuedCall> Items { get; } = new();

        public bool Dispatching { get; set; }

        public int Count
        {
            get
            {
                lock (Gate)
                {
                    return Items.Count;
                }
            }
        }
    }

    [LoggerMessage(EventId = 60, Level = LogLevel.Information, Message = "Queued A2A call {QueueId} delivered to {WorkspaceId}: HTTP {Status}")]
    private static partial void LogDispatched(ILogger logger, Guid queueId, Guid workspaceId, int status);

    [LoggerMessage(EventId = 61, Level = LogLevel.Warning, Message = "Queued A2A call {QueueId} to {WorkspaceId} failed: {Error}; re-queued")]
    private static partial void LogDispatchFailed(ILogger logger, Guid queueId, Guid workspaceId, string error);

    [LoggerMessage(EventId = 62, Level = LogLevel.Warning, Message = "Queued A2A call {QueueId} to {WorkspaceId} failed {Attempts} times; dropped")]
    private static partial void LogGaveUp(ILogger logger, Guid queueId, Guid workspaceId, int attempts);
}

/// <summary>One queued A2A call.</summary>
public sealed class QueuedCall(Guid id, Guid workspaceId, byte[] body, string method, string? messageId)
{
    public Guid Id { get; } = id;

    public Guid WorkspaceId { get; } = workspaceId;

    public byte[] Body { get; } = body;

    public string Method { get; } = method;

    public string? MessageId { get; } = messageId;

    public int Attempts { get; set; }

    /// <summary>The workspace that made the call; null for the canvas.</summary>
    public Guid? Caller { get; init; }
}
