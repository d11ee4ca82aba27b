using System.Net.Http.Headers;
using System.Text;
using Molecule.PlatformEmulator.Events;
using Molecule.PlatformEmulator.Infrastructure;
using Molecule.PlatformEmulator.State;
using Molecule.PlatformEmulator.Workspaces;

namespace Molecule.PlatformEmulator.Proxy;

/// <summary>What an A2A call the platform made on a workspace's behalf came to.</summary>
/// <param name="Status">The HTTP status the proxy would have answered: 2xx with the agent's body, 202 queued, else an error.</param>
/// <param name="Body">The agent's answer (2xx) or the error body.</param>
/// <param name="Error">The error text for a failed call; null on success.</param>
public sealed record PlatformA2AResult(int Status, byte[] Body, string? Error)
{
    public bool Succeeded => Status is >= 200 and < 300 && !Queued;

    public bool Queued { get; init; }
}

/// <summary>
/// The proxy's internal path (contract §2.9 steps 5-9) for calls the platform makes itself as a workspace — its
/// delegations and the MCP bridge's <c>delegate_task</c>: the hierarchy rule, budget, the stored URL verbatim, the busy
/// queue, and the target's <c>a2a_receive</c> activity row with <c>ACTIVITY_LOGGED</c>, as for any proxied call.
/// </summary>
public sealed class PlatformA2A(PlatformState state, EmulatorOptions options, Registry.UrlPolicy urls, IHttpClientFactory clients, A2AQueue queue,
    ActivityLog activity, EmulatorMetrics metrics, TimeProvider time)
{
    public const string HttpClientName = "a2a-platform";
    private const int ResponseCap = 10 * 1024 * 1024;

    public async Task<PlatformA2AResult> SendAsync(Guid caller, string target, byte[] body, CancellationToken cancellationToken)
    {
        if (Contract.ParseWorkspaceId(target) is not { } targetId || !state.CanCommunicate(caller, targetId))
        {
            return Failed(403, "access denied: workspaces cannot communicate per hierarchy rules");
        }

        var (resolved, refusal) = await ProxyTarget.ResolveAsync(target, state, options, urls, cancellationToken).ConfigureAwait(false);
        if (refusal is not null)
        {
            return Failed(refusal.Status, refusal.Error);
        }

        if (A2ANormaliser.Normalise(body) is not { } call)
        {
            return Failed(400, "invalid JSON");
        }

        var started = time.GetTimestamp();
        var result = await ForwardAsync(targetId, resolved!.Destination, call, caller, cancellationToken).ConfigureAwait(false);
        metrics.ProxyRequests.Add(1, new KeyValuePair<string, object?>("outcome", result.Queued ? "queued" : result.Succeeded ? "ok" : "error"));
        activity.Add(targetId, new ActivityRow
        {
            ActivityType = "a2a_receive",
            SourceId = caller,
            Method = call.Method,
            DurationMs = (long)time.GetElapsedTime(started).TotalMilliseconds,
            Status = result.Succeeded ? "ok" : "error",
        }.WithRawBodies(call.Body, result.Body), broadcast: true);

        if (result.Succeeded && state.Find(caller) is { } callerRow)
        {
            lock (callerRow.Gate)
            {
                callerRow.LastOutboundAt = time.GetUtcNow();
            }
        }

        return result;
    }

    private async Task<PlatformA2AResult> ForwardAsync(Guid target, Uri url, NormalisedCall call, Guid caller, CancellationToken cancellationToken)
    {
        try
        {
            using var content = new ByteArrayContent(call.Body);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            using var response = await clients.CreateClient(HttpClientName).PostAsync(url, content, cancellationToken).ConfigureAwait(false);
            var answer = await CappedContent.ReadAsync(response.Content, ResponseCap, cancellationToken).ConfigureAwait(false);
            var code = (int)response.StatusCode;
            if (answer is null)
            {
                return Failed(502, "failed to read agent response");
            }

            return code < 300 ? new PlatformA2AResult(code, answer, null) : Failed(code, AgentErrors.Text(code, answer));
        }
        catch (HttpRequestException ex) when (AgentErrors.IsBusyClass(ex))
        {
            return queue.Enqueue(target, call.Body, call.Method, call.MessageId, caller) is { } queued
                ? new PlatformA2AResult(202, Encoding.UTF8.GetBytes($$"""{"queued":true,"queue_id":"{{queued.Call.Id}}","queue_depth":{{queued.Depth}}}"""), null) { Queued = true }
                : Failed(503, "workspace agent busy — retry after a short backoff");
        }
        catch (HttpRequestException)
        {
            return Failed(502, "failed to reach workspace agent");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return Failed(503, "workspace agent busy — retry after a short backoff");
        }
    }

    private static PlatformA2AResult Failed(int status, string error) =>
        new(status, Encoding.UTF8.GetBytes(System.Text.Json.JsonSerializer.Serialize(new ErrorText(error), EmulatorJson.Default.ErrorText)), error);
}

/// <summary><c>{"error":"…"}</c> as a record, for bodies that are data rather than an answer.</summary>
public sealed record ErrorText(string Error);
