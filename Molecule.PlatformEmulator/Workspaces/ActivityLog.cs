using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Molecule.PlatformEmulator.Events;
using Molecule.PlatformEmulator.Infrastructure;
using Molecule.PlatformEmulator.State;

namespace Molecule.PlatformEmulator.Workspaces;

/// <summary>One row of a workspace's activity (supplement §11's fixed columns); mutable only under its log's lock.</summary>
public sealed class ActivityRow
{
    public Guid Id { get; init; } = Guid.NewGuid();

    public required string ActivityType { get; init; }

    /// <summary>The calling workspace; null for the canvas (and notify rows), which is what <c>?source=canvas</c> selects.</summary>
    public Guid? SourceId { get; init; }

    public string? TargetId { get; set; }

    public string? Method { get; init; }

    public string? Summary { get; set; }

    public long? DurationMs { get; init; }

    public string Status { get; set; } = "ok";

    public string? ErrorDetail { get; set; }

    private JsonNode? _requestBody;
    private JsonNode? _responseBody;
    private byte[]? _rawRequestBody;
    private byte[]? _rawResponseBody;

    /// <summary>The request's body as JSON (else its text); a proxied body is parsed on first read, never on the call's path.</summary>
    public JsonNode? RequestBody
    {
        get => Materialise(ref _requestBody, ref _rawRequestBody);
        set => Assign(ref _requestBody, ref _rawRequestBody, value);
    }

    /// <summary>The answer's body as JSON (else its text), parsed on first read like <see cref="RequestBody"/>.</summary>
    public JsonNode? ResponseBody
    {
        get => Materialise(ref _responseBody, ref _rawResponseBody);
        set => Assign(ref _responseBody, ref _rawResponseBody, value);
    }

    /// <summary>
    /// Keeps a call's bodies as the bytes that crossed the proxy; they become JSON when the row is first read
    /// (the activity list, the canvas, a snapshot), so forwarding never pays for parsing them.
    /// </summary>
    public ActivityRow WithRawBodies(byte[]? request, byte[]? response)
    {
        _rawRequestBody = request is { Length: > 0 } ? request : null;
        _rawResponseBody = response is { Length: > 0 } ? response : null;
        return this;
    }

    /// <summary>A body as the activity row keeps it: its JSON when it is JSON, else its text (an SSE stream, a cut body).</summary>
    public static JsonNode? ParseBody(ReadOnlySpan<byte> body)
    {
        if (body.IsEmpty)
        {
            return null;
        }

        if (Molecule.Shared.JsonStrings.FindUnreadable(body) is null)
        {
            try
            {
                return JsonNode.Parse(body, documentOptions: new System.Text.Json.JsonDocumentOptions { MaxDepth = 64 });
            }
            catch (System.Text.Json.JsonException)
            {
            }
        }

        return JsonValue.Create(System.Text.Encoding.UTF8.GetString(body));
    }

    // Raw bytes are read before the parsed node and cleared after it is published, so a reader racing the first
    // parse sees either the bytes (and parses them itself) or the node, never neither.
    private static JsonNode? Materialise(ref JsonNode? parsed, ref byte[]? raw)
    {
        var bytes = Volatile.Read(ref raw);
        var node = Volatile.Read(ref parsed);
        if (node is not null || bytes is null)
        {
            return node;
        }

        if (ParseBody(bytes) is not { } fresh)
        {
            return null;   // a body that is JSON's null reads as no body
        }

        node = Interlocked.CompareExchange(ref parsed, fresh, null) ?? fresh;
        Volatile.Write(ref raw, null);
        return node;
    }

    private static void Assign(ref JsonNode? parsed, ref byte[]? raw, JsonNode? value)
    {
        Volatile.Write(ref parsed, value);
        Volatile.Write(ref raw, null);
    }

    public JsonNode? ToolTrace { get; init; }

    /// <summary>A delegation request row's idempotency key (a column of its own, not in the activity answer).</summary>
    public string? IdempotencyKey { get; init; }

    /// <summary>A delegation's id, for rows that carry one in a body (<c>request_body</c>, else <c>response_body</c>).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string? DelegationId =>
        (RequestBody as JsonObject)?["delegation_id"] is JsonValue request && request.TryGetValue<string>(out var fromRequest) && fromRequest.Length > 0
            ? fromRequest
            : (ResponseBody as JsonObject)?["delegation_id"] is JsonValue response && response.TryGetValue<string>(out var fromResponse) && fromResponse.Length > 0
                ? fromResponse
                : null;

    [System.Text.Json.Serialization.JsonInclude]
    internal Guid WorkspaceId { get; set; }

    [System.Text.Json.Serialization.JsonInclude]
    internal DateTimeOffset CreatedAt { get; set; }

    /// <summary>The row as <c>GET …/activity</c> answers it: fixed columns, the bodies omitted when null.</summary>
    public JsonObject ToJson()
    {
        var json = new JsonObject
        {
            ["id"] = Id.ToString(),
            ["workspace_id"] = WorkspaceId.ToString(),
            ["activity_type"] = ActivityType,
            ["source_id"] = SourceId?.ToString(),
            ["target_id"] = TargetId,
            ["method"] = Method,
            ["summary"] = Summary,
            ["duration_ms"] = DurationMs,
            ["status"] = Status,
            ["error_detail"] = ErrorDetail,
            ["created_at"] = Contract.Timestamp(CreatedAt),
        };
        if (RequestBody is not null)
        {
            json["request_body"] = RequestBody.DeepClone();
        }

        if (ResponseBody is not null)
        {
            json["response_body"] = ResponseBody.DeepClone();
        }

        if (ToolTrace is not null)
        {
            json["tool_trace"] = ToolTrace.DeepClone();
        }

        return json;
    }
}

/// <summary>
/// Per-workspace activity rows (newest first, at most 500 kept per workspace). Rows written through the platform's
/// logging helper broadcast <c>ACTIVITY_LOGGED</c>; its direct inserts (notify, delegations, GLOBAL memory) do not.
/// </summary>
public sealed class ActivityLog(TimeProvider time, EventBus events) : IEmulatorStore
{
    private const int Capacity = 500;
    private readonly ConcurrentDictionary<Guid, LinkedList<ActivityRow>> _rows = new();

    /// <summary>Stores <paramref name="row"/> for <paramref name="workspaceId"/>; with <paramref name="broadcast"/>, emits <c>ACTIVITY_LOGGED</c>.</summary>
    public ActivityRow Add(Guid workspaceId, ActivityRow row, bool broadcast)
    {
        row.WorkspaceId = workspaceId;
        row.CreatedAt = time.GetUtcNow();
        var list = _rows.GetOrAdd(workspaceId, _ => new LinkedList<ActivityRow>());
        lock (list)
        {
            list.AddFirst(row);
            if (list.Count > Capacity)
            {
                list.RemoveLast();
            }
        }

        if (broadcast)
        {
            // The row's columns are fixed once added; only status/summary/target change later, under the lock.
            events.Publish("ACTIVITY_LOGGED", workspaceId, () =>
            {
                lock (list)
                {
                    var logged = new JsonObject
                    {
                        ["activity_type"] = row.ActivityType,
                        ["method"] = row.Method,
                        ["summary"] = row.Summary,
                        ["status"] = row.Status,
                        ["source_id"] = row.SourceId?.ToString(),
                        ["target_id"] = row.TargetId,
                        ["duration_ms"] = row.DurationMs,
                    };
                    if (row.ToolTrace is not null)
                    {
                        logged["tool_trace"] = row.ToolTrace.DeepClone();
                    }

                    return logged;
                }
            });
        }

        return row;
    }

    /// <summary>Rows newest first: <paramref name="type"/> exact, <paramref name="fromCanvas"/> true ⇒ no source, false ⇒ a source.</summary>
    public IReadOnlyList<JsonObject> List(Guid workspaceId, string? type, bool? fromCanvas, int limit) =>
        Select(workspaceId, r => (type is null || r.ActivityType == type) && (fromCanvas is null || (r.SourceId is null) == fromCanvas), limit);

    /// <summary>The matching rows as JSON, newest first.</summary>
    public IReadOnlyList<JsonObject> Select(Guid workspaceId, Func<ActivityRow, bool> match, int limit)
    {
        if (!_rows.TryGetValue(workspaceId, out var list))
        {
            return [];
        }

        lock (list)
        {
            return [.. list.Where(match).Take(limit).Select(r => r.ToJson())];
        }
    }

    /// <summary>A projection of the matching rows, newest first, taken under the log's lock.</summary>
    public IReadOnlyList<T> Project<T>(Guid workspaceId, Func<ActivityRow, bool> match, int limit, Func<ActivityRow, T> project)
    {
        if (!_rows.TryGetValue(workspaceId, out var list))
        {
            return [];
        }

        lock (list)
        {
            return [.. list.Where(match).Take(limit).Select(project)];
        }
    }

    /// <summary>Changes every matching row under the log's lock; returns how many matched.</summary>
    public int Update(Guid workspaceId, Func<ActivityRow, bool> match, Action<ActivityRow> change)
    {
        if (!_rows.TryGetValue(workspaceId, out var list))
        {
            return 0;
        }

        lock (list)
        {
            var count = 0;
            foreach (var row in list.Where(match))
            {
                change(row);
                count++;
            }

            return count;
        }
    }

    public int Remove(Guid workspaceId, Func<ActivityRow, bool> match)
    {
        if (!_rows.TryGetValue(workspaceId, out var list))
        {
            return 0;
        }

        lock (list)
        {
            var doomed = list.Where(match).ToArray();
            foreach (var row in doomed)
            {
                list.Remove(row);
            }

            return doomed.Length;
        }
    }

    public void Clear() => _rows.Clear();

    /// <summary>Every row, oldest first per workspace, for the data folder.</summary>
    public IReadOnlyList<ActivityRow> All() => [.. _rows.Values.SelectMany(list => { lock (list) { return list.Reverse().ToArray(); } })];

    /// <summary>Puts back rows a snapshot saved (oldest first), their times and ids kept.</summary>
    public void Restore(IEnumerable<ActivityRow> rows)
    {
        foreach (var row in rows)
        {
            var list = _rows.GetOrAdd(row.WorkspaceId, _ => new LinkedList<ActivityRow>());
            lock (list)
            {
                list.AddFirst(row);
            }
        }
    }
}
