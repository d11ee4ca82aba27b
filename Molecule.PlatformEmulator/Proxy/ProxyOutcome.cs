using System.Text;
using System.Text.Json.Nodes;
using Molecule.PlatformEmulator.Events;
using Molecule.PlatformEmulator.Infrastructure;
using Molecule.PlatformEmulator.State;
using Molecule.PlatformEmulator.Workspaces;

namespace Molecule.PlatformEmulator.Proxy;

/// <summary>
/// What became of a forwarded call (contract §2.9 steps 10-12): the answer when the agent gave none of its own
/// (unreachable, busy ⇒ queued or 503, an agent error ⇒ <c>{"error"}</c>), then its record: the metric, the
/// <c>a2a_receive</c> activity row, <c>A2A_RESPONSE</c> for the canvas and the caller's last outbound time.
/// </summary>
internal static partial class ProxyOutcome
{
    /// <summary>Answers a call the agent did not complete, when nothing was sent yet; returns the outcome's name.</summary>
    public static async Task<string> AnswerAsync(HttpContext context, ForwardResult forwarded, ProxyTarget target, NormalisedCall call,
        A2AQueue queue, ILogger logger)
    {
        switch (forwarded.Failure)
        {
            case ForwardFailure.Unreachable:
                await ContractError.BadGateway("failed to reach workspace agent").ExecuteAsync(context);
                return "unreachable";
            case ForwardFailure.Busy when target.HasCapability("session"):
                await Busy(context, new BusyAnswer("workspace agent busy — adapter handles retry (native_session)", Busy: true, RetryAfter: 30, NativeSession: true));
                return "busy";
            case ForwardFailure.Busy when queue.Enqueue(target.Id, call.Body, call.Method, call.MessageId) is { } queued:
                await TypedResults.Json(new QueuedAnswer(true, queued.Call.Id.ToString(), queued.Depth,
                    "workspace agent busy — request queued, will dispatch when capacity available"), statusCode: StatusCodes.Status202Accepted).ExecuteAsync(context);
                return "queued";
            case ForwardFailure.Busy:
                await Busy(context, new BusyAnswer("workspace agent busy — retry after a short backoff", Busy: true, RetryAfter: 30));
                return "busy";
            case ForwardFailure.Interrupted:
                LogStreamInterrupted(logger, target.Id);
                return "interrupted";
        }

        if (forwarded.AgentError is { } agentError)
        {
            await ContractError.WithStatus(forwarded.AgentStatus, agentError).ExecuteAsync(context);
            return "agent_error";
        }

        return "ok";
    }

    /// <summary>The metric, the activity row, the canvas event and the caller's last outbound time.</summary>
    public static void Record(HttpContext context, string outcome, ProxyTarget target, Guid? caller, NormalisedCall call, byte[] response,
        TimeSpan elapsed, EmulatorMetrics metrics, ActivityLog activity, EventBus events, PlatformState state, TimeProvider time)
    {
        metrics.ProxyRequests.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
        var ok = context.Response.StatusCode < 400 && outcome is "ok";
        var durationMs = (long)elapsed.TotalMilliseconds;
        activity.Add(target.Id, new ActivityRow
        {
            ActivityType = "a2a_receive",
            SourceId = caller,
            Method = call.Method,
            DurationMs = durationMs,
            Status = ok ? "ok" : "error",
        }.WithRawBodies(call.Body, response), broadcast: true);

        if (ok && caller is null)
        {
            events.Publish("A2A_RESPONSE", target.Id, () => new JsonObject
            {
                ["response_body"] = Encoding.UTF8.GetString(response),
                ["method"] = call.Method,
                ["duration_ms"] = durationMs,
            });
        }

        if (ok && caller is { } from && state.Find(from) is { } callerRow)
        {
            lock (callerRow.Gate)
            {
                callerRow.LastOutboundAt = time.GetUtcNow();
            }
        }
    }

    private static Task Busy(HttpContext context, BusyAnswer answer)
    {
        context.Response.Headers.RetryAfter = "30";
        return TypedResults.Json(answer, statusCode: StatusCodes.Status503ServiceUnavailable).ExecuteAsync(context);
    }

    [LoggerMessage(EventId = 700, Level = LogLevel.Information, Message = "A2A answer from workspace {WorkspaceId} broke off after it had begun")]
    private static partial void LogStreamInterrupted(ILogger logger, Guid workspaceId);
}
