using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Molecule.Workspace.Tasks;

namespace Molecule.Workspace.A2A;

/// <summary>The A2A methods over the task store, each answering in the version it was called in.</summary>
internal sealed class A2AMethods(TaskManager tasks, IOptions<AgentOptions> options, TimeProvider time)
{
    private readonly AgentOptions _options = options.Value;
    private readonly TaskEventStream _stream = new(time, options.Value.KeepAliveInterval);

    public async Task<string?> SendAsync(A2ACall call)
    {
        var (message, blocking, historyLength) = ParseSend(call.Parameters, call.Version);
        var (entry, _) = tasks.Submit(message);
        if (blocking)
        {
            await tasks.WaitForTurnAsync(entry, call.Context.RequestAborted).ConfigureAwait(false);
        }

        await tasks.WhenStoredAsync(entry).ConfigureAwait(false);   // what the caller is told survives a crash
        var snapshot = entry.Snapshot(historyLength);
        if (!snapshot.Status.State.IsTerminal())
        {
            tasks.Detach(entry);   // the task outlives this request: its end is counted on its own
        }

        var version = call.Version;
        await JsonRpcWriter.WriteResultAsync(call.Context, call.Id, writer =>
        {
            if (version == A2AVersion.V10)
            {
                writer.WriteStartObject();
                writer.WritePropertyName("task");
                WireWriter.WriteTask(writer, snapshot, version);
                writer.WriteEndObject();
            }
            else if (blocking && _options.LegacyBlockingSendReturnsMessage && snapshot.Status is { State: TaskState.Completed, Message: { } reply })
            {
                WireWriter.WriteMessage(writer, reply, version);
            }
            else
            {
                WireWriter.WriteTask(writer, snapshot, version);
            }
        }).ConfigureAwait(false);

        return snapshot.Status.State == TaskState.Failed && FailedByAgent(entry)
            ? snapshot.Status.Message?.Text ?? "task failed"
            : null;
    }

    public async Task<string?> StreamAsync(A2ACall call)
    {
        var (message, _, _) = ParseSend(call.Parameters, call.Version);
        var (entry, turnStart) = tasks.Submit(message, streaming: true);
        using var subscription = tasks.Subscribe(entry, turnStart);
        var completed = await _stream.WriteAsync(call.Context, call.Version, call.Id, subscription, endOnInterrupt: true, () => tasks.WhenStoredAsync(entry)).ConfigureAwait(false);
        if (!completed)
        {
            tasks.Detach(entry);
            return null;
        }

        return entry.State == TaskState.Failed && FailedByAgent(entry) ? entry.Snapshot().Status.Message?.Text ?? "task failed" : null;
    }

    public async Task<string?> SubscribeAsync(A2ACall call)
    {
        var entry = tasks.Find(WireReader.RequiredString(call.Parameters, "id", "params"), ContextOf(call.Parameters));
        if (entry.State is var state && state.IsTerminal())
        {
            throw new TaskStoreException(TaskErrorKind.NothingToSubscribe, entry.Id, state);
        }

        var lastEventId = call.Context.Request.Headers["Last-Event-ID"].ToString();
        long? after = long.TryParse(lastEventId, NumberStyles.None, CultureInfo.InvariantCulture, out var last) ? last : null;
        using var subscription = tasks.Subscribe(entry, after);
        await _stream.WriteAsync(call.Context, call.Version, call.Id, subscription, endOnInterrupt: false, () => tasks.WhenStoredAsync(entry)).ConfigureAwait(false);
        return null;
    }

    public async Task<string?> GetAsync(A2ACall call)
    {
        var taskId = WireReader.RequiredString(call.Parameters, "id", "params");
        var historyLength = WireReader.OptionalInt(call.Parameters, "historyLength", "params", 0, int.MaxValue);
        var snapshot = tasks.Find(taskId, ContextOf(call.Parameters)).Snapshot(historyLength);
        var version = call.Version;
        await JsonRpcWriter.WriteResultAsync(call.Context, call.Id, writer => WireWriter.WriteTask(writer, snapshot, version)).ConfigureAwait(false);
        return null;
    }

    public async Task<string?> CancelAsync(A2ACall call)
    {
        var taskId = WireReader.RequiredString(call.Parameters, "id", "params");
        var snapshot = await tasks.CancelAsync(taskId, ContextOf(call.Parameters), "canceled by request", call.Context.RequestAborted).ConfigureAwait(false);
        var version = call.Version;
        await JsonRpcWriter.WriteResultAsync(call.Context, call.Id, writer => WireWriter.WriteTask(writer, snapshot, version)).ConfigureAwait(false);
        return null;
    }

    public async Task<string?> ListAsync(A2ACall call)
    {
        var query = TaskListQuery.Parse(call.Parameters);
        // Filtered and ordered on each task's state and time; only the page's tasks are read whole.
        var matching = tasks.List()
            .Where(t => query.ContextId is null || t.ContextId == query.ContextId)
            .Select(t => (Entry: t, Summary: t.Summary()))
            .Where(t => query.State is null || t.Summary.State == query.State)
            .Where(t => query.After is null || t.Summary.Timestamp > query.After)
            .OrderByDescending(t => t.Summary.Timestamp).ThenBy(t => t.Entry.Id, StringComparer.Ordinal)
            .ToArray();
        var page = matching.Skip(query.Offset).Take(query.PageSize).Select(t => t.Entry.Snapshot(query.HistoryLength)).ToArray();
        var next = query.Offset + page.Length < matching.Length ? TaskListQuery.EncodePageToken(query.Offset + page.Length) : "";

        var version = call.Version;
        await JsonRpcWriter.WriteResultAsync(call.Context, call.Id, writer =>
        {
            writer.WriteStartObject();
            writer.WriteStartArray("tasks");
            foreach (var task in page)
            {
                WireWriter.WriteTask(writer, task, version, query.IncludeArtifacts);
            }

            writer.WriteEndArray();
            writer.WriteString("nextPageToken", next);
            writer.WriteNumber("pageSize", query.PageSize);
            writer.WriteNumber("totalSize", matching.Length);
            writer.WriteEndObject();
        }).ConfigureAwait(false);
        return null;
    }

    private static (AgentMessage Message, bool Blocking, int? HistoryLength) ParseSend(JsonElement parameters, A2AVersion version)
    {
        if (parameters.ValueKind != JsonValueKind.Object || !parameters.TryGetProperty("message", out var messageElement))
        {
            throw A2AException.InvalidParams("params.message is required");
        }

        var message = WireReader.ParseMessage(messageElement, "params.message");
        var blocking = true;
        int? historyLength = null;
        if (parameters.TryGetProperty("configuration", out var configuration) && configuration.ValueKind != JsonValueKind.Null)
        {
            if (configuration.ValueKind != JsonValueKind.Object)
            {
                throw A2AException.InvalidParams("params.configuration must be an object");
            }

            blocking = version == A2AVersion.V03
                ? WireReader.OptionalBool(configuration, "blocking", "params.configuration") ?? true
                : !(WireReader.OptionalBool(configuration, "returnImmediately", "params.configuration") ?? false);
            historyLength = WireReader.OptionalInt(configuration, "historyLength", "params.configuration", 0, int.MaxValue);
            var push = version == A2AVersion.V03 ? "pushNotificationConfig" : "taskPushNotificationConfig";
            if (configuration.TryGetProperty(push, out var pushConfig) && pushConfig.ValueKind != JsonValueKind.Null)
            {
                throw JsonRpcDispatcher.PushNotSupported();
            }
        }

        return (message, blocking, historyLength);
    }

    private static string? ContextOf(JsonElement parameters) =>
        parameters.ValueKind == JsonValueKind.Object ? WireReader.OptionalString(parameters, "contextId", "params") : null;

    private static bool FailedByAgent(TaskEntry entry)
    {
        lock (entry.Gate)
        {
            return entry.FailureCounted;
        }
    }
}

/// <summary>The filters and page of a <c>ListTasks</c> call.</summary>
internal sealed record TaskListQuery(string? ContextId, TaskState? State, int PageSize, int? HistoryLength, bool IncludeArtifacts, DateTimeOffset? After, int Offset)
{
    public static TaskListQuery Parse(JsonElement parameters)
    {
        if (parameters.ValueKind != JsonValueKind.Object)
        {
            return new(null, null, 50, null, false, null, 0);
        }

        TaskState? state = null;
        // The proto default TASK_STATE_UNSPECIFIED means "no filter"; protobuf-based clients (the @a2a-js/sdk client
        // among them) serialise an unset enum as "UNRECOGNIZED", which is read the same way.
        if (WireReader.OptionalString(parameters, "status", "params") is { } statusText && statusText is not ("TASK_STATE_UNSPECIFIED" or "UNRECOGNIZED" or ""))
        {
            state = WireNames.ParseState(statusText) ?? throw A2AException.InvalidParams($"params.status '{statusText}' is not a task state");
        }

        DateTimeOffset? after = null;
        if (WireReader.OptionalString(parameters, "statusTimestampAfter", "params") is { } afterText)
        {
            after = DateTimeOffset.TryParse(afterText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed)
                ? parsed
                : throw A2AException.InvalidParams($"params.statusTimestampAfter '{afterText}' is not an RFC 3339 timestamp");
        }

        var offset = 0;
        if (WireReader.OptionalString(parameters, "pageToken", "params") is { Length: > 0 } token && !TryDecodePageToken(token, out offset))
        {
            throw A2AException.InvalidParams("params.pageToken is not a token this server issued");
        }

        return new(
            WireReader.OptionalString(parameters, "contextId", "params"),
            state,
            WireReader.OptionalInt(parameters, "pageSize", "params", 1, 100) ?? 50,
            WireReader.OptionalInt(parameters, "historyLength", "params", 0, int.MaxValue),
            WireReader.OptionalBool(parameters, "includeArtifacts", "params") ?? false,
            after,
            offset);
    }

    public static string EncodePageToken(int offset) =>
        Convert.ToBase64String(Encoding.ASCII.GetBytes("o:" + offset.ToString(CultureInfo.InvariantCulture)));

    private static bool TryDecodePageToken(string token, out int offset)
    {
        offset = 0;
        try
        {
            var text = Encoding.ASCII.GetString(Convert.FromBase64String(token));
            return text.StartsWith("o:", StringComparison.Ordinal) &&
                   int.TryParse(text.AsSpan(2), NumberStyles.None, CultureInfo.InvariantCulture, out offset);
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
