using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Molecule.Shared;
using Molecule.Workspace.Tasks;

namespace Molecule.Workspace.A2A;

/// <summary>
/// One JSON-RPC request: picks the A2A version (header <c>A2A-Version</c>; absent means 0.3), reads and validates the
/// envelope, dispatches to <see cref="A2AMethods"/>, and maps refusals to JSON-RPC errors in the version asked.
/// JSON-RPC errors travel with HTTP 200; only genuine internal failures produce a 5xx.
/// </summary>
internal sealed partial class JsonRpcDispatcher(A2AMethods methods, IOptions<AgentOptions> options, IAgentActivitySink sink, ILogger<JsonRpcDispatcher> logger)
{
    /// <summary>
    /// How deep a request may nest. Answers embed what a request carries a few levels deeper than the request did
    /// (ListTasks: a data part's value sits three levels deeper in <c>result.tasks[].history[].parts[]</c>), and clients
    /// commonly read with a limit of 64 (System.Text.Json's default), so a request stops well short of that: no answer
    /// about a stored message is then too deep for its caller to read.
    /// </summary>
    internal const int MaxRequestDepth = 48;

    private readonly int _maxBodyBytes = options.Value.MaxRequestBodyBytes;

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
                await JsonRpcWriter.WriteErrorAsync(context, StatusCodes.Status500InternalServerError, null, A2AErrorCodes.InternalError, "Internal error", A2AVersion.V03).ConfigureAwait(false);
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
                await JsonRpcWriter.WriteErrorAsync(context, StatusCodes.Status200OK, null, A2AErrorCodes.VersionNotSupported,
                    $"A2A-Version '{versionText}' is not supported; supported versions: 1.0, 0.3", A2AVersion.V10).ConfigureAwait(false);
                return null;
        }

        using var body = await RequestBody.ReadAsync(context, _maxBodyBytes).ConfigureAwait(false);
        if (body is null)
        {
            await JsonRpcWriter.WriteErrorAsync(context, StatusCodes.Status413PayloadTooLarge, null, A2AErrorCodes.InvalidRequest,
                $"Request body exceeds the limit of {_maxBodyBytes} bytes", version).ConfigureAwait(false);
            return null;
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body.WrittenMemory, new JsonDocumentOptions { MaxDepth = MaxRequestDepth });   // reads the pooled array in place
        }
        catch (JsonException ex)
        {
            await JsonRpcWriter.WriteErrorAsync(context, StatusCodes.Status200OK, null, A2AErrorCodes.ParseError, $"Parse error: {ex.Message}", version).ConfigureAwait(false);
            return null;
        }

        using (document)
        {
            var root = document.RootElement;
            var unreadable = JsonStrings.FindUnreadable(body.WrittenSpan);
            var id = ReadId(root);
            if (unreadable is var (offset, problem))
            {
                // Valid JSON grammar, but text no reader can decode: say where, and echo the id only if it is readable.
                var readableId = id is not null && JsonStrings.FindUnreadable(Encoding.UTF8.GetBytes(id)) is null ? id : null;
                await JsonRpcWriter.WriteErrorAsync(context, StatusCodes.Status200OK, readableId, A2AErrorCodes.ParseError,
                    $"Parse error: the request body at byte {offset} {problem}", version).ConfigureAwait(false);
                return null;
            }

            var invalid = Validate(root, out var method, out var parameters);
            if (invalid is not null)
            {
                await JsonRpcWriter.WriteErrorAsync(context, StatusCodes.Status200OK, id, A2AErrorCodes.InvalidRequest, invalid, version).ConfigureAwait(false);
                return null;
            }

            A2AException? refusal;
            using var span = Infrastructure.WorkspaceTelemetry.StartCall(method!, version);
            try
            {
                var failure = await InvokeAsync(new A2ACall(context, version, id, parameters), method!).ConfigureAwait(false);
                if (failure is not null)
                {
                    span?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, failure);
                }

                return failure;
            }
            catch (A2AException ex) when (!context.Response.HasStarted)
            {
                refusal = ex;
            }
            catch (TaskStoreException ex) when (!context.Response.HasStarted)
            {
                refusal = A2AException.From(ex, version);
            }

            if (refusal.Code == A2AErrorCodes.ShuttingDown)
            {
                context.Response.Headers.RetryAfter = "30";
                await JsonRpcWriter.WriteErrorAsync(context, StatusCodes.Status503ServiceUnavailable, id, refusal.Code, refusal.Message, version).ConfigureAwait(false);
            }
            else if (IsStreaming(version, method!))
            {
                await TaskEventStream.WriteErrorAsync(context, id, refusal.Code, refusal.Message, version).ConfigureAwait(false);
            }
            else
            {
                await JsonRpcWriter.WriteErrorAsync(context, StatusCodes.Status200OK, id, refusal.Code, refusal.Message, version).ConfigureAwait(false);
            }

            return null;
        }
    }

    /// <summary>The request's <c>id</c> as raw JSON when it is a string, a number or null; null when it cannot be read.</summary>
    private static string? ReadId(JsonElement root)
    {
        try
        {
            return root.ValueKind == JsonValueKind.Object && root.TryGetProperty("id", out var id) &&
                   id.ValueKind is JsonValueKind.String or JsonValueKind.Number or JsonValueKind.Null
                ? id.GetRawText()
                : null;
        }
        catch (InvalidOperationException)
        {
            return null;   // a property name before "id" that no reader can decode
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

    private Task<string?> InvokeAsync(A2ACall call, string method) => (call.Version, method) switch
    {
        (A2AVersion.V03, "message/send") or (A2AVersion.V10, "SendMessage") => methods.SendAsync(call),
        (A2AVersion.V03, "message/stream") or (A2AVersion.V10, "SendStreamingMessage") => methods.StreamAsync(call),
        (A2AVersion.V03, "tasks/get") or (A2AVersion.V10, "GetTask") => methods.GetAsync(call),
        (A2AVersion.V03, "tasks/cancel") or (A2AVersion.V10, "CancelTask") => methods.CancelAsync(call),
        (A2AVersion.V03, "tasks/resubscribe") or (A2AVersion.V10, "SubscribeToTask") => methods.SubscribeAsync(call),
        (A2AVersion.V10, "ListTasks") => methods.ListAsync(call),
        (A2AVersion.V03, "agent/getAuthenticatedExtendedCard") or (A2AVersion.V10, "GetExtendedAgentCard") =>
            throw new A2AException(A2AErrorCodes.UnsupportedOperation, "This agent has no authenticated extended card"),
        (A2AVersion.V03, _) when method.StartsWith("tasks/pushNotificationConfig/", StringComparison.Ordinal) => throw PushNotSupported(),
        (A2AVersion.V10, "CreateTaskPushNotificationConfig" or "SetTaskPushNotificationConfig" or "GetTaskPushNotificationConfig"
            or "DeleteTaskPushNotificationConfig" or "ListTaskPushNotificationConfigs" or "ListTaskPushNotificationConfig") => throw PushNotSupported(),
        _ => throw new A2AException(A2AErrorCodes.MethodNotFound, $"Method not found: '{method}' is not an A2A {(call.Version == A2AVersion.V03 ? "0.3" : "1.0")} method"),
    };

    /// <summary>The methods whose answer is an event stream: their refusals travel as one SSE error event.</summary>
    private static bool IsStreaming(A2AVersion version, string method) =>
        (version, method) is (A2AVersion.V03, "message/stream" or "tasks/resubscribe") or (A2AVersion.V10, "SendStreamingMessage" or "SubscribeToTask");

    internal static A2AException PushNotSupported() => new(A2AErrorCodes.PushNotificationNotSupported, "Push notifications are not supported by this agent");

    [LoggerMessage(EventId = 300, Level = LogLevel.Error, Message = "Unexpected failure while handling an A2A request")]
    private static partial void LogInternalError(ILogger logger, Exception exception);
}

/// <summary>One dispatched call: the HTTP exchange, the version it speaks, its JSON-RPC id and its params (default when absent).</summary>
internal readonly record struct A2ACall(HttpContext Context, A2AVersion Version, string? Id, JsonElement Parameters);
