using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Molecule.Workspace.Agent.Tasks;

namespace Molecule.Workspace.Agent;

/// <summary>
/// A2A JSON-RPC on <c>POST /</c> (the platform posts to the registered URL as-is), A2A 1.0 and 0.3 on one endpoint:
/// the version comes from the <c>A2A-Version</c> header (absent = 0.3) and every answer is in the version asked.
/// JSON-RPC errors travel with HTTP 200; only genuine internal failures produce a 5xx.
/// </summary>
public static partial class A2AEndpoints
{
    public static IEndpointRouteBuilder MapA2A(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/", (HttpContext context, A2AHandler handler) => handler.HandleAsync(context))
            .WithName("A2A").ExcludeFromDescription();
        return routes;
    }

    /// <summary>The raw <c>A2A-Version</c> header (or, as 1.0 allows, query parameter); null when absent or empty.</summary>
    public static string? RequestedVersion(HttpContext context)
    {
        var header = context.Request.Headers["A2A-Version"].ToString();
        if (string.IsNullOrWhiteSpace(header))
        {
            header = context.Request.Query["A2A-Version"].ToString();
        }

        return string.IsNullOrWhiteSpace(header) ? null : header.Trim();
    }
}

/// <summary>Parses, validates and dispatches one JSON-RPC request; writes JSON or SSE.</summary>
public sealed partial class A2AHandler(TaskManager tasks, IOptions<AgentOptions> options, IAgentActivitySink sink, ILogger<A2AHandler> logger)
{
    private static readonly byte[] KeepAlive = ": keep-alive\n\n"u8.ToArray();
    private readonly AgentOptions _options = options.Value;

    public async Task HandleAsync(HttpContext context)
    {
        string? error = null;
        try
        {
            error = await DispatchAsync(context).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The caller went away; a task it started carries on and is counted when it ends.
        }
        catch (Exception ex)
        {
            LogInternalError(logger, ex);
            error = "internal error: " + ex.GetType().Name;
            if (!context.Response.HasStarted)
            {
                await WriteErrorAsync(context, StatusCodes.Status500InternalServerError, null, A2AErrorCodes.InternalError, "Internal error", A2AVersion.V03).ConfigureAwait(false);
            }
        }
        finally
        {
            sink.UnitCompleted(error ?? (context.Response.StatusCode >= 500 && context.Response.StatusCode != 503 ? $"HTTP {context.Response.StatusCode}" : null));
        }
    }

    /// <summary>Returns the error message when the request counts as an error toward error_rate, else null.</summary>
    private async Task<string?> DispatchAsync(HttpContext context)
    {
        var versionText = A2AEndpoints.RequestedVersion(context);
        A2AVersion version;
        switch (versionText)
        {
            case null or "0.3" or "0.3.0":
                version = A2AVersion.V03;
                break;
            case "1.0" or "1" or "1.0.0" or "1.0.1":
                version = A2AVersion.V10;
                break;
            default:
                await WriteErrorAsync(context, 200, null, A2AErrorCodes.VersionNotSupported,
                    $"A2A-Version '{versionText}' is not supported; supported versions: 1.0, 0.3", A2AVersion.V10).ConfigureAwait(false);
                return null;
        }

        var body = await ReadBodyAsync(context).ConfigureAwait(false);
        if (body is null)
        {
            await WriteErrorAsync(context, StatusCodes.Status413PayloadTooLarge, null, A2AErrorCodes.InvalidRequest,
                $"Request body exceeds the limit of {_options.MaxRequestBodyBytes} bytes", version).ConfigureAwait(false);
            return null;
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException ex)
        {
            await WriteErrorAsync(context, 200, null, A2AErrorCodes.ParseError, $"Parse error: {ex.Message}", version).ConfigureAwait(false);
            return null;
        }

        using (document)
        {
            var root = document.RootElement;
            string? id = null;
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("id", out var idElement))
            {
                id = idElement.ValueKind is JsonValueKind.String or JsonValueKind.Number or JsonValueKind.Null ? idElement.GetRawText() : null;
            }

            var invalid = Validate(root, out var method, out var parameters);
            if (invalid is not null)
            {
                await WriteErrorAsync(context, 200, id, A2AErrorCodes.InvalidRequest, invalid, version).ConfigureAwait(false);
                return null;
            }

            try
            {
                return await InvokeAsync(context, version, id, method!, parameters).ConfigureAwait(false);
            }
            catch (A2AException ex) when (!context.Response.HasStarted)
            {
                var status = ex.Code == A2AErrorCodes.ShuttingDown ? StatusCodes.Status503ServiceUnavailable : 200;
                if (status == 503)
                {
                    context.Response.Headers.RetryAfter = "30";
                }

                await WriteErrorAsync(context, status, id, ex.Code, ex.Message, version).ConfigureAwait(false);
                return null;
            }
        }
    }

    private static string? Validate(JsonElement root, out string? method, out JsonElement parameters)
    {
        method = null;
        parameters = default;
        if (root.ValueKind != JsonValueKind.Object)
        {
            return "Invalid Request: the body must be a JSON-RPC 2.0 request object";
        }

        if (!root.TryGetProperty("jsonrpc", out var jsonrpc) || jsonrpc.ValueKind != JsonValueKind.String || jsonrpc.GetString() != "2.0")
        {
            return "Invalid Request: \"jsonrpc\" must be \"2.0\"";
        }

        if (!root.TryGetProperty("method", out var methodElement) || methodElement.ValueKind != JsonValueKind.String || methodElement.GetString() is not { Length: > 0 } name)
        {
            return "Invalid Request: \"method\" must be a non-empty string";
        }

        if (root.TryGetProperty("id", out var id) && id.ValueKind is not (JsonValueKind.String or JsonValueKind.Number or JsonValueKind.Null))
        {
            return "Invalid Request: \"id\" must be a string, a number or null";
        }

        method = name;
        if (root.TryGetProperty("params", out var p) && p.ValueKind != JsonValueKind.Null)
        {
            if (p.ValueKind != JsonValueKind.Object)
            {
                return "Invalid Request: \"params\" must be an object";
            }

            parameters = p;
        }

        return null;
    }

    private Task<string?> InvokeAsync(HttpContext context, A2AVersion version, string? id, string method, JsonElement parameters)
    {
        var operation = (version, method) switch
        {
            (A2AVersion.V03, "message/send") or (A2AVersion.V10, "SendMessage") => Operation.Send,
            (A2AVersion.V03, "message/stream") or (A2AVersion.V10, "SendStreamingMessage") => Operation.Stream,
            (A2AVersion.V03, "tasks/get") or (A2AVersion.V10, "GetTask") => Operation.Get,
            (A2AVersion.V03, "tasks/cancel") or (A2AVersion.V10, "CancelTask") => Operation.Cancel,
            (A2AVersion.V03, "tasks/resubscribe") or (A2AVersion.V10, "SubscribeToTask") => Operation.Subscribe,
            (A2AVersion.V10, "ListTasks") => Operation.List,
            (A2AVersion.V03, "agent/getAuthenticatedExtendedCard") or (A2AVersion.V10, "GetExtendedAgentCard") => Operation.ExtendedCard,
            (A2AVersion.V03, _) when method.StartsWith("tasks/pushNotificationConfig/", StringComparison.Ordinal) => Operation.Push,
            (A2AVersion.V10, "CreateTaskPushNotificationConfig" or "SetTaskPushNotificationConfig" or "GetTaskPushNotificationConfig"
                or "DeleteTaskPushNotificationConfig" or "ListTaskPushNotificationConfigs" or "ListTaskPushNotificationConfig") => Operation.Push,
            _ => Operation.Unknown,
        };

        return operation switch
        {
            Operation.Send => SendAsync(context, version, id, parameters),
            Operation.Stream => StreamAsync(context, version, id, parameters),
            Operation.Get => GetAsync(context, version, id, parameters),
            Operation.Cancel => CancelAsync(context, version, id, parameters),
            Operation.Subscribe => SubscribeAsync(context, version, id, parameters),
            Operation.List => ListAsync(context, version, id, parameters),
            Operation.Push => throw new A2AException(A2AErrorCodes.PushNotificationNotSupported, "Push notifications are not supported by this agent"),
            Operation.ExtendedCard => throw new A2AException(A2AErrorCodes.UnsupportedOperation, "This agent has no authenticated extended card"),
            _ => throw new A2AException(A2AErrorCodes.MethodNotFound, $"Method not found: '{method}' is not an A2A {(version == A2AVersion.V03 ? "0.3" : "1.0")} method"),
        };
    }

    private async Task<string?> SendAsync(HttpContext context, A2AVersion version, string? id, JsonElement parameters)
    {
        var (message, blocking, historyLength) = ParseSend(parameters, version);
        var (entry, _) = tasks.Submit(message);
        if (blocking)
        {
            await tasks.WaitForTurnAsync(entry, context.RequestAborted).ConfigureAwait(false);
        }

        var snapshot = entry.Snapshot(historyLength);
        if (!snapshot.Status.State.IsTerminal())
        {
            tasks.Detach(entry);   // the task outlives this request: its end is counted on its own
        }

        await WriteResultAsync(context, id, writer =>
        {
            if (version == A2AVersion.V10)
            {
                writer.WriteStartObject();
                writer.WritePropertyName("task");
                Wire.WriteTask(writer, snapshot, version);
                writer.WriteEndObject();
            }
            else if (blocking && _options.LegacyBlockingSendReturnsMessage && snapshot.Status is { State: TaskState.Completed, Message: { } reply })
            {
                Wire.WriteMessage(writer, reply, version);
            }
            else
            {
                Wire.WriteTask(writer, snapshot, version);
            }
        }).ConfigureAwait(false);

        return snapshot.Status.State == TaskState.Failed && FailedByAgent(entry)
            ? snapshot.Status.Message?.Text ?? "task failed"
            : null;
    }

    private async Task<string?> StreamAsync(HttpContext context, A2AVersion version, string? id, JsonElement parameters)
    {
        var (message, _, _) = ParseSend(parameters, version);
        var (entry, turnStart) = tasks.Submit(message, streaming: true);
        using var subscription = tasks.Subscribe(entry, turnStart);
        var completed = await WriteStreamAsync(context, version, id, subscription, endOnInterrupt: true).ConfigureAwait(false);
        if (!completed)
        {
            tasks.Detach(entry);
            return null;
        }

        return entry.State == TaskState.Failed && FailedByAgent(entry) ? entry.Snapshot().Status.Message?.Text ?? "task failed" : null;
    }

    private async Task<string?> SubscribeAsync(HttpContext context, A2AVersion version, string? id, JsonElement parameters)
    {
        var entry = tasks.Find(Wire.RequiredString(parameters, "id", "params"), ContextOf(parameters));
        if (entry.State.IsTerminal())
        {
            throw new A2AException(A2AErrorCodes.UnsupportedOperation, $"Task {entry.Id} is {Wire.StateName03(entry.State)}; there is nothing left to subscribe to");
        }

        long? after = long.TryParse(context.Request.Headers["Last-Event-ID"].ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var last) ? last : null;
        using var subscription = tasks.Subscribe(entry, after);
        await WriteStreamAsync(context, version, id, subscription, endOnInterrupt: false).ConfigureAwait(false);
        return null;
    }

    private async Task<string?> GetAsync(HttpContext context, A2AVersion version, string? id, JsonElement parameters)
    {
        var taskId = Wire.RequiredString(parameters, "id", "params");
        var historyLength = Wire.OptionalInt(parameters, "historyLength", "params", 0, int.MaxValue);
        var snapshot = tasks.Find(taskId, ContextOf(parameters)).Snapshot(historyLength);
        await WriteResultAsync(context, id, writer => Wire.WriteTask(writer, snapshot, version)).ConfigureAwait(false);
        return null;
    }

    private async Task<string?> CancelAsync(HttpContext context, A2AVersion version, string? id, JsonElement parameters)
    {
        var taskId = Wire.RequiredString(parameters, "id", "params");
        var snapshot = await tasks.CancelAsync(taskId, ContextOf(parameters), "canceled by request", context.RequestAborted).ConfigureAwait(false);
        await WriteResultAsync(context, id, writer => Wire.WriteTask(writer, snapshot, version)).ConfigureAwait(false);
        return null;
    }

    private async Task<string?> ListAsync(HttpContext context, A2AVersion version, string? id, JsonElement parameters)
    {
        var contextId = parameters.ValueKind == JsonValueKind.Object ? Wire.OptionalString(parameters, "contextId", "params") : null;
        TaskState? state = null;
        // The proto default TASK_STATE_UNSPECIFIED means "no filter"; protobuf-based clients (the @a2a-js/sdk client
        // among them) serialise an unset enum as "UNRECOGNIZED", which is read the same way.
        if (parameters.ValueKind == JsonValueKind.Object && Wire.OptionalString(parameters, "status", "params") is { } statusText &&
            statusText is not ("TASK_STATE_UNSPECIFIED" or "UNRECOGNIZED" or ""))
        {
            state = Wire.ParseState(statusText) ?? throw A2AException.InvalidParams($"params.status '{statusText}' is not a task state");
        }

        var pageSize = parameters.ValueKind == JsonValueKind.Object ? Wire.OptionalInt(parameters, "pageSize", "params", 1, 100) ?? 50 : 50;
        var historyLength = parameters.ValueKind == JsonValueKind.Object ? Wire.OptionalInt(parameters, "historyLength", "params", 0, int.MaxValue) : null;
        var includeArtifacts = parameters.ValueKind == JsonValueKind.Object && (Wire.OptionalBool(parameters, "includeArtifacts", "params") ?? false);
        DateTimeOffset? after = null;
        if (parameters.ValueKind == JsonValueKind.Object && Wire.OptionalString(parameters, "statusTimestampAfter", "params") is { } afterText)
        {
            after = DateTimeOffset.TryParse(afterText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed)
                ? parsed
                : throw A2AException.InvalidParams($"params.statusTimestampAfter '{afterText}' is not an RFC 3339 timestamp");
        }

        var offset = 0;
        if (parameters.ValueKind == JsonValueKind.Object && Wire.OptionalString(parameters, "pageToken", "params") is { Length: > 0 } token)
        {
            if (!TryDecodePageToken(token, out offset))
            {
                throw A2AException.InvalidParams("params.pageToken is not a token this server issued");
            }
        }

        var matching = tasks.List()
            .Select(t => t.Snapshot(historyLength))
            .Where(t => contextId is null || t.ContextId == contextId)
            .Where(t => state is null || t.Status.State == state)
            .Where(t => after is null || t.Status.Timestamp > after)
            .OrderByDescending(t => t.Status.Timestamp).ThenBy(t => t.Id, StringComparer.Ordinal)
            .ToArray();
        var page = matching.Skip(offset).Take(pageSize).ToArray();
        var next = offset + page.Length < matching.Length ? EncodePageToken(offset + page.Length) : "";

        await WriteResultAsync(context, id, writer =>
        {
            writer.WriteStartObject();
            writer.WriteStartArray("tasks");
            foreach (var task in page)
            {
                Wire.WriteTask(writer, task, version, includeArtifacts);
            }

            writer.WriteEndArray();
            writer.WriteString("nextPageToken", next);
            writer.WriteNumber("pageSize", pageSize);
            writer.WriteNumber("totalSize", matching.Length);
            writer.WriteEndObject();
        }).ConfigureAwait(false);
        return null;
    }

    private (AgentMessage Message, bool Blocking, int? HistoryLength) ParseSend(JsonElement parameters, A2AVersion version)
    {
        if (parameters.ValueKind != JsonValueKind.Object || !parameters.TryGetProperty("message", out var messageElement))
        {
            throw A2AException.InvalidParams("params.message is required");
        }

        var message = Wire.ParseMessage(messageElement, "params.message");
        var blocking = true;
        int? historyLength = null;
        if (parameters.TryGetProperty("configuration", out var configuration) && configuration.ValueKind != JsonValueKind.Null)
        {
            if (configuration.ValueKind != JsonValueKind.Object)
            {
                throw A2AException.InvalidParams("params.configuration must be an object");
            }

            blocking = version == A2AVersion.V03
                ? Wire.OptionalBool(configuration, "blocking", "params.configuration") ?? true
                : !(Wire.OptionalBool(configuration, "returnImmediately", "params.configuration") ?? false);
            historyLength = Wire.OptionalInt(configuration, "historyLength", "params.configuration", 0, int.MaxValue);
            var push = version == A2AVersion.V03 ? "pushNotificationConfig" : "taskPushNotificationConfig";
            if (configuration.TryGetProperty(push, out var pushConfig) && pushConfig.ValueKind != JsonValueKind.Null)
            {
                throw new A2AException(A2AErrorCodes.PushNotificationNotSupported, "Push notifications are not supported by this agent");
            }
        }

        return (message, blocking, historyLength);
    }

    private static string? ContextOf(JsonElement parameters) =>
        parameters.ValueKind == JsonValueKind.Object ? Wire.OptionalString(parameters, "contextId", "params") : null;

    private static bool FailedByAgent(TaskEntry entry)
    {
        lock (entry.Gate)
        {
            return entry.FailureCounted;
        }
    }

    /// <summary>Writes SSE until the stream ends; returns false when the client left before the end.</summary>
    private async Task<bool> WriteStreamAsync(HttpContext context, A2AVersion version, string? id, TaskSubscription subscription, bool endOnInterrupt)
    {
        var response = context.Response;
        response.StatusCode = 200;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        await response.StartAsync(context.RequestAborted).ConfigureAwait(false);

        var aborted = context.RequestAborted;
        foreach (var initial in subscription.Initial)
        {
            await WriteEventAsync(response, version, id, initial, endOnInterrupt, aborted).ConfigureAwait(false);
            if (Ends(initial, endOnInterrupt))
            {
                return true;
            }
        }

        var reader = subscription.Reader;
        while (true)
        {
            using var keepAlive = CancellationTokenSource.CreateLinkedTokenSource(aborted);
            keepAlive.CancelAfter(_options.KeepAliveInterval);
            bool more;
            try
            {
                more = await reader.WaitToReadAsync(keepAlive.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!aborted.IsCancellationRequested)
            {
                await response.Body.WriteAsync(KeepAlive, aborted).ConfigureAwait(false);
                await response.Body.FlushAsync(aborted).ConfigureAwait(false);
                continue;
            }
            catch (ChannelClosedException)
            {
                return true;   // fell behind: the stream closes; the client resubscribes with Last-Event-ID
            }
            catch (OperationCanceledException)
            {
                return false;
            }

            if (!more)
            {
                return true;
            }

            while (reader.TryRead(out var next))
            {
                await WriteEventAsync(response, version, id, next, endOnInterrupt, aborted).ConfigureAwait(false);
                if (Ends(next, endOnInterrupt))
                {
                    return true;
                }
            }
        }
    }

    private static bool Ends(TaskEvent taskEvent, bool endOnInterrupt) => taskEvent switch
    {
        StatusUpdateEvent status => status.Status.State.IsTerminal() || (endOnInterrupt && status.Status.State.IsInterrupted()),
        TaskSnapshotEvent snapshot => snapshot.Task.Status.State.IsTerminal(),
        MessageEvent => true,
        _ => false,
    };

    private static async Task WriteEventAsync(HttpResponse response, A2AVersion version, string? id, TaskEvent taskEvent, bool endOnInterrupt, CancellationToken cancellationToken)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        buffer.Write(Encoding.ASCII.GetBytes($"id: {taskEvent.Sequence.ToString(CultureInfo.InvariantCulture)}\ndata: "));
        WriteEnvelope(buffer, id, writer =>
        {
            writer.WritePropertyName("result");
            Wire.WriteEvent(writer, taskEvent, version, endOnInterrupt);
        });
        buffer.Write("\n\n"u8);
        await response.Body.WriteAsync(buffer.WrittenMemory, cancellationToken).ConfigureAwait(false);
        await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private static Task WriteResultAsync(HttpContext context, string? id, Action<Utf8JsonWriter> result) =>
        WriteResponseAsync(context, 200, id, writer =>
        {
            writer.WritePropertyName("result");
            result(writer);
        });

    private static Task WriteErrorAsync(HttpContext context, int status, string? id, int code, string message, A2AVersion version) =>
        WriteResponseAsync(context, status, id, writer => Wire.WriteError(writer, code, message, version));

    /// <summary>One JSON-RPC response object: <c>{"jsonrpc":"2.0","id":…, result|error}</c>.</summary>
    private static async Task WriteResponseAsync(HttpContext context, int status, string? id, Action<Utf8JsonWriter> member)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        WriteEnvelope(buffer, id, member);
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = buffer.WrittenCount;
        await context.Response.Body.WriteAsync(buffer.WrittenMemory, context.RequestAborted).ConfigureAwait(false);
    }

    private static void WriteEnvelope(IBufferWriter<byte> buffer, string? id, Action<Utf8JsonWriter> member)
    {
        using var writer = new Utf8JsonWriter(buffer);
        writer.WriteStartObject();
        writer.WriteString("jsonrpc", "2.0");
        WriteId(writer, id);
        member(writer);
        writer.WriteEndObject();
    }

    private static void WriteId(Utf8JsonWriter writer, string? id)
    {
        writer.WritePropertyName("id");
        if (id is null)
        {
            writer.WriteNullValue();
        }
        else
        {
            writer.WriteRawValue(id, skipInputValidation: true);
        }
    }

    /// <summary>Reads the body up to the cap; null when it is larger.</summary>
    private async Task<byte[]?> ReadBodyAsync(HttpContext context)
    {
        var limit = _options.MaxRequestBodyBytes;
        if (context.Request.ContentLength is { } length && length > limit)
        {
            return null;
        }

        using var buffer = new MemoryStream(context.Request.ContentLength is { } known ? (int)known : 4096);
        var chunk = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            int read;
            while ((read = await context.Request.Body.ReadAsync(chunk, context.RequestAborted).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + read > limit)
                {
                    return null;
                }

                buffer.Write(chunk, 0, read);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }

        return buffer.ToArray();
    }

    private static string EncodePageToken(int offset) =>
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

    private enum Operation
    {
        Unknown,
        Send,
        Stream,
        Get,
        Cancel,
        Subscribe,
        List,
        Push,
        ExtendedCard,
    }

    [LoggerMessage(EventId = 300, Level = LogLevel.Error, Message = "Unexpected failure while handling an A2A request")]
    private static partial void LogInternalError(ILogger logger, Exception exception);
}
