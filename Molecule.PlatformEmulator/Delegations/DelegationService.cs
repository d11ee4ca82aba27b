using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Molecule.PlatformEmulator.Events;
using Molecule.PlatformEmulator.Proxy;
using Molecule.PlatformEmulator.Workspaces;

namespace Molecule.PlatformEmulator.Delegations;

/// <summary>
/// Delegations (supplement §4): the <c>delegate</c> row and its outcome rows in the source's activity, the
/// <c>DELEGATION_*</c> events, and the background call through the proxy's internal path as the source. Results of
/// delegations the busy queue delivered later are stitched back into the source's rows.
/// </summary>
public sealed partial class DelegationService : BackgroundService
{
    public const string Delegation = "delegation";
    public const string RequestMethod = "delegate";
    public const string ResultMethod = "delegate_result";

    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(30);
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(8);

    private readonly ActivityLog _activity;
    private readonly EventBus _events;
    private readonly PlatformA2A _a2a;
    private readonly EmulatorOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<DelegationService> _logger;
    private readonly Channel<Work> _work = Channel.CreateUnbounded<Work>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<Task, byte> _running = new();
    private readonly Lock _gate = new();

    public DelegationService(ActivityLog activity, EventBus events, PlatformA2A a2a, A2AQueue queue, EmulatorOptions options, TimeProvider time,
        ILogger<DelegationService> logger)
    {
        (_activity, _events, _a2a, _options, _time, _logger) = (activity, events, a2a, options, time, logger);
        queue.Delivered += OnQueueDelivered;
    }

    /// <summary>Starts a delegation, or answers the idempotent hit of an earlier one with the same key (§4.1 steps 4-5).</summary>
    public object Delegate(Guid source, DelegateRequest request)
    {
        var target = request.TargetId!;
        string delegationId;
        lock (_gate)
        {
            if (request.IdempotencyKey is { Length: > 0 } key)
            {
                var earlier = _activity.Project(source, r => r.Method == RequestMethod && r.IdempotencyKey == key, 1, r => (r.DelegationId, r.Status, r.TargetId))
                    .FirstOrDefault();
                if (earlier.DelegationId is not null && earlier.Status != "failed")
                {
                    return new IdempotentDelegation(earlier.DelegationId, IdempotentHit: true, earlier.Status, earlier.TargetId ?? target);
                }

                _activity.Remove(source, r => r.Method == RequestMethod && r.IdempotencyKey == key);   // a failed one is retried as new
            }

            delegationId = Start(source, target, request.Task!, request.IdempotencyKey);
        }

        _work.Writer.TryWrite(new Work(source, target, request.Task!, delegationId));
        return new DelegatedAnswer(delegationId, "delegated", target);
    }

    /// <summary>
    /// A delegation whose caller waits for the answer (the MCP bridge's <c>delegate_task</c> under Compatible): the same
    /// rows and events as <see cref="Delegate"/>, the call made at once, bounded by <paramref name="timeout"/>.
    /// </summary>
    public async Task<PlatformA2AResult> DelegateAndWaitAsync(Guid source, string target, string task, TimeSpan timeout, CancellationToken cancellationToken)
    {
        string delegationId;
        lock (_gate)
        {
            delegationId = Start(source, target, task, idempotencyKey: null);
        }

        var work = new Work(source, target, task, delegationId);
        using var deadline = new CancellationTokenSource(timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        PlatformA2AResult result;
        try
        {
            result = await SendAsync(work, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            result = new PlatformA2AResult(504, [], $"no answer within {timeout.TotalSeconds:0} s");
        }

        Complete(work, result);
        return result;
    }

    /// <summary>The request row (pending) and <c>DELEGATION_SENT</c>; returns the new delegation's id.</summary>
    private string Start(Guid source, string target, string task, string? idempotencyKey)
    {
        var delegationId = Guid.NewGuid().ToString();
        _activity.Add(source, new ActivityRow
        {
            ActivityType = Delegation,
            Method = RequestMethod,
            SourceId = source,
            TargetId = target,
            Summary = $"Delegating to {target}",
            RequestBody = new JsonObject { ["task"] = task, ["delegation_id"] = delegationId },
            Status = "pending",
            IdempotencyKey = idempotencyKey is { Length: > 0 } ? idempotencyKey : null,
        }, broadcast: false);
        _events.Publish("DELEGATION_SENT", source, new JsonObject
        {
            ["delegation_id"] = delegationId,
            ["target_id"] = target,
            ["task_preview"] = DelegationText.Truncate(task, 100),
        });
        return delegationId;
    }

    /// <summary>The newest request row of <paramref name="source"/> for <paramref name="delegationId"/> to <paramref name="target"/>, with its answer when it has one.</summary>
    public (string Status, string? Error, string? Result)? Find(Guid source, string target, string delegationId)
    {
        var request = _activity.Project(source, r => r.Method == RequestMethod && r.TargetId == target && r.DelegationId == delegationId, 1,
            r => (r.Status, r.ErrorDetail)).Select(r => ((string, string?)?)r).FirstOrDefault();
        if (request is not { } found)
        {
            return null;
        }

        var answer = _activity.Project(source, r => r.Method == ResultMethod && r.Status == "completed" && r.DelegationId == delegationId, 1,
            r => (r.ResponseBody as JsonObject)?["text"]?.GetValue<string>()).FirstOrDefault();
        return (found.Item1, found.Item2, answer);
    }

    /// <summary>§4.3: records a delegation the agent sent itself; nothing is sent to the target.</summary>
    public void Record(Guid source, RecordDelegationRequest request)
    {
        _activity.Add(source, new ActivityRow
        {
            ActivityType = Delegation,
            Method = RequestMethod,
            SourceId = source,
            TargetId = request.TargetId,
            Summary = $"Delegating to {request.TargetId}",
            RequestBody = new JsonObject { ["task"] = request.Task, ["delegation_id"] = request.DelegationId },
            Status = "dispatched",
        }, broadcast: false);
        _events.Publish("DELEGATION_SENT", source, new JsonObject
        {
            ["delegation_id"] = request.DelegationId,
            ["target_id"] = request.TargetId,
            ["task_preview"] = DelegationText.Truncate(request.Task!, 100),
        });
    }

    /// <summary>§4.4: the agent reports the outcome of a delegation it recorded.</summary>
    public void Update(Guid source, string delegationId, UpdateDelegationRequest request)
    {
        _activity.Update(source, r => r.Method == RequestMethod && r.DelegationId == delegationId, r =>
        {
            r.Status = request.Status!;
            if (!string.IsNullOrEmpty(request.Error))
            {
                r.ErrorDetail = request.Error;
            }
        });

        if (request.Status == "completed")
        {
            var preview = request.ResponsePreview ?? "";
            _activity.Add(source, new ActivityRow
            {
                ActivityType = Delegation,
                Method = ResultMethod,
                SourceId = source,
                Summary = $"Delegation completed ({DelegationText.Truncate(preview, 80)})",
                ResponseBody = new JsonObject { ["text"] = preview, ["delegation_id"] = delegationId },
                Status = "completed",
            }, broadcast: false);
            _events.Publish("DELEGATION_COMPLETE", source, new JsonObject { ["delegation_id"] = delegationId, ["response_preview"] = preview });
        }
        else
        {
            _events.Publish("DELEGATION_FAILED", source, new JsonObject { ["delegation_id"] = delegationId, ["error"] = request.Error ?? "" });
        }
    }

    /// <summary>§4.2: the request rows and their outcome rows, newest first, at most 50.</summary>
    public IReadOnlyList<DelegationEntry> List(Guid workspaceId) =>
        _activity.Project(workspaceId, r => r.ActivityType == Delegation && r.Method is RequestMethod or ResultMethod, 50, r => new DelegationEntry(
            r.Id.ToString(), Delegation, r.SourceId?.ToString() ?? "", r.TargetId ?? "", r.Summary, r.Status, Infrastructure.Contract.Timestamp(r.CreatedAt),
            r.DelegationId, string.IsNullOrEmpty(r.ErrorDetail) ? null : r.ErrorDetail, Preview(r.ResponseBody)));

    private static string? Preview(JsonNode? response) => response switch
    {
        null => null,
        JsonObject obj when obj["text"] is JsonValue value && value.TryGetValue<string>(out var text) => text.Length == 0 ? null : DelegationText.Truncate(text, 300),
        _ => DelegationText.Truncate(DelegationText.Jsonb(response), 300),
    };

    [LoggerMessage(EventId = 800, Level = LogLevel.Information, Message = "Delegation {DelegationId} to {Target} failed: HTTP {Status}")]
    private static partial void LogFailed(ILogger logger, string delegationId, string target, int status);

    private sealed record Work(Guid Source, string Target, string Task, string DelegationId);
}
