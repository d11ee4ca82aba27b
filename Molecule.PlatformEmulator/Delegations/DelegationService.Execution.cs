using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Molecule.PlatformEmulator.Proxy;
using Molecule.PlatformEmulator.Workspaces;

namespace Molecule.PlatformEmulator.Delegations;

/// <summary>The background half: each delegation's call as its source, its outcome rows and events, and results the queue delivers later.</summary>
public sealed partial class DelegationService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var work in _work.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
            {
                var run = RunAsync(work, stoppingToken);
                _running[run] = 0;
                _ = run.ContinueWith(t => _running.TryRemove(t, out _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        await Task.WhenAll(_running.Keys).ConfigureAwait(false);
    }

    private async Task RunAsync(Work work, CancellationToken stopping)
    {
        try
        {
            using var deadline = new CancellationTokenSource(Deadline, _time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(stopping, deadline.Token);
            Complete(work, await SendAsync(work, linked.Token).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
        {
            Complete(work, new PlatformA2AResult(504, [], "delegation timed out"));
        }
        catch (OperationCanceledException)
        {
            // The emulator is stopping: the delegation stays where it got to, as on a platform restart.
        }
    }

    /// <summary>Dispatched, then the call as the source, retried once after 8 s when the target was restarting or unreachable.</summary>
    private async Task<PlatformA2AResult> SendAsync(Work work, CancellationToken cancellationToken)
    {
        SetStatus(work, "dispatched");
        _events.Publish("DELEGATION_STATUS", work.Source, new JsonObject { ["delegation_id"] = work.DelegationId, ["target_id"] = work.Target, ["status"] = "dispatched" });
        var body = Encoding.UTF8.GetBytes(new JsonObject
        {
            ["method"] = "message/send",
            ["params"] = new JsonObject
            {
                ["message"] = new JsonObject
                {
                    ["role"] = "user",
                    ["messageId"] = work.DelegationId,
                    ["parts"] = new JsonArray(new JsonObject { ["type"] = "text", ["text"] = work.Task }),
                    ["metadata"] = new JsonObject { ["delegation_id"] = work.DelegationId },
                },
            },
        }.ToJsonString(Infrastructure.Contract.WireOptions));

        var result = await _a2a.SendAsync(work.Source, work.Target, body, cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded && !result.Queued && (result.Status == 502 || (result.Status == 503 && IsRestarting(result.Body))))
        {
            await Task.Delay(RetryDelay, _time, cancellationToken).ConfigureAwait(false);
            result = await _a2a.SendAsync(work.Source, work.Target, body, cancellationToken).ConfigureAwait(false);
        }

        return result;
    }

    private void Complete(Work work, PlatformA2AResult result)
    {
        if (result.Queued)
        {
            SetStatus(work, "queued");
            AddResult(work, "Delegation queued — target at capacity", "queued", new JsonObject { ["delegation_id"] = work.DelegationId, ["queued"] = true }, null);
            _events.Publish("DELEGATION_STATUS", work.Source, new JsonObject { ["delegation_id"] = work.DelegationId, ["target_id"] = work.Target, ["status"] = "queued" });
            return;
        }

        if (!result.Succeeded)
        {
            var error = result.Error ?? $"HTTP {result.Status}";
            _activity.Update(work.Source, r => r.Method == RequestMethod && r.DelegationId == work.DelegationId, r => (r.Status, r.ErrorDetail) = ("failed", error));
            AddResult(work, "Delegation failed", "failed", null, error);
            _events.Publish("DELEGATION_FAILED", work.Source, new JsonObject { ["delegation_id"] = work.DelegationId, ["target_id"] = work.Target, ["error"] = error });
            LogFailed(_logger, work.DelegationId, work.Target, result.Status);
            return;
        }

        var text = DelegationText.AnswerText(result.Body);
        // The result row first: a caller polling the delegations never sees the request completed without its answer.
        AddResult(work, $"Delegation completed ({DelegationText.Truncate(text, 80)})", "completed", new JsonObject { ["text"] = text, ["delegation_id"] = work.DelegationId }, null);
        SetStatus(work, "completed");
        _events.Publish("DELEGATION_COMPLETE", work.Source, new JsonObject
        {
            ["delegation_id"] = work.DelegationId,
            ["target_id"] = work.Target,
            ["response_preview"] = DelegationText.Truncate(text, 200),
        });
    }

    /// <summary>A queued delegation the target's heartbeat delivered: its queued result row becomes the completed one (§4.1).</summary>
    private void OnQueueDelivered(QueuedCall call, byte[] answer)
    {
        if (call.Caller is not { } source || DelegationIdOf(call.Body) is not { } delegationId)
        {
            return;   // a plain peer call: nothing to stitch
        }

        var target = call.WorkspaceId.ToString();
        var text = DelegationText.AnswerText(answer);
        _activity.Update(source, r => r.Method == ResultMethod && r.TargetId == target && r.DelegationId == delegationId, r =>
        {
            r.Status = "completed";
            r.Summary = $"Delegation completed ({DelegationText.Truncate(text, 80)})";
            r.ResponseBody = new JsonObject { ["text"] = text, ["delegation_id"] = delegationId };
        });
        if (!_options.Strict)
        {
            // The real platform leaves the request row queued for ever; the emulator completes it with its result.
            _activity.Update(source, r => r.Method == RequestMethod && r.DelegationId == delegationId, r => r.Status = "completed");
        }

        _events.Publish("DELEGATION_COMPLETE", source, new JsonObject
        {
            ["delegation_id"] = delegationId,
            ["target_id"] = target,
            ["response_preview"] = DelegationText.Truncate(text, 200),
            ["via"] = "queue_drain",
        });
    }

    private void SetStatus(Work work, string status) =>
        _activity.Update(work.Source, r => r.Method == RequestMethod && r.DelegationId == work.DelegationId, r => r.Status = status);

    private void AddResult(Work work, string summary, string status, JsonObject? response, string? error) =>
        _activity.Add(work.Source, new ActivityRow
        {
            ActivityType = Delegation,
            Method = ResultMethod,
            SourceId = work.Source,
            TargetId = work.Target,
            Summary = summary,
            ResponseBody = response,
            Status = status,
            ErrorDetail = error,
        }, broadcast: false);

    private static bool IsRestarting(byte[] body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("restarting", out var restarting) &&
                   restarting.ValueKind == JsonValueKind.True;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static string? DelegationIdOf(byte[] body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.TryGetProperty("params", out var p) && p.ValueKind == JsonValueKind.Object &&
                   p.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.Object &&
                   m.TryGetProperty("metadata", out var metadata) && metadata.ValueKind == JsonValueKind.Object &&
                   metadata.TryGetProperty("delegation_id", out var id) && id.ValueKind == JsonValueKind.String
                ? id.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
