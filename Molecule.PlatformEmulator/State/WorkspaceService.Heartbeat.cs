using System.Text.Json.Nodes;

namespace Molecule.PlatformEmulator.State;

/// <summary>The heartbeat's effects (contract §2.5, §2.8): the row's six fields, the liveness deadline, the status machine, events.</summary>
public sealed partial class WorkspaceService
{
    public sealed record HeartbeatInput(double ErrorRate, string SampleError, int ActiveTasks, long UptimeSeconds, string CurrentTask,
        long? MonthlySpend, string RuntimeState, JsonObject? RuntimeMetadata);

    public void Heartbeat(WorkspaceRow row, HeartbeatInput input)
    {
        var now = time.GetUtcNow();
        var published = new List<(string Type, JsonObject Payload)>();
        lock (row.Gate)
        {
            var taskChanged = row.CurrentTask != input.CurrentTask;
            row.LastHeartbeatAt = now;
            row.LastErrorRate = input.ErrorRate;
            row.LastSampleError = input.SampleError;
            row.ActiveTasks = input.ActiveTasks;
            row.UptimeSeconds = input.UptimeSeconds;
            row.CurrentTask = input.CurrentTask;
            row.RuntimeState = input.RuntimeState;
            if (input.MonthlySpend is > 0 and var spend)
            {
                row.MonthlySpend = Math.Clamp(spend, 0, 1_000_000_000_000);
            }

            // Every heartbeat re-arms the TTL; with §3 row 2's quirk it only extends a deadline a register armed.
            if (!options.Quirks.OneShotLiveness || row.LivenessDeadline is not null)
            {
                row.LivenessDeadline = now + options.LivenessTtl;
            }

            row.Capabilities.Clear();   // in place: a new dictionary per heartbeat would be one more young object held by an old row
            row.IdleTimeoutSeconds = null;
            if (input.RuntimeMetadata is { } metadata)
            {
                if (metadata["capabilities"] is JsonObject capabilities)
                {
                    foreach (var (name, value) in capabilities)
                    {
                        if (value is JsonValue v && v.TryGetValue<bool>(out var enabled))
                        {
                            row.Capabilities[name] = enabled;
                        }
                    }
                }

                if (metadata["idle_timeout_seconds"] is JsonValue idle && idle.TryGetValue<int>(out var seconds))
                {
                    row.IdleTimeoutSeconds = seconds;
                }
            }

            var statusManaged = row.Capabilities.TryGetValue("status_mgmt", out var managed) && managed;
            var wedged = input.RuntimeState == "wedged";
            var previous = row.Status;
            switch (previous)
            {
                case WorkspaceStatus.Provisioning or WorkspaceStatus.AwaitingAgent:
                    row.Status = WorkspaceStatus.Online;
                    published.Add(("WORKSPACE_ONLINE", new JsonObject { ["recovered_from"] = previous }));
                    break;
                case WorkspaceStatus.Offline:
                    row.Status = WorkspaceStatus.Online;
                    published.Add(("WORKSPACE_ONLINE", []));
                    break;
                case WorkspaceStatus.Online when wedged || (!statusManaged && input.ErrorRate >= 0.5):
                    row.Status = WorkspaceStatus.Degraded;
                    var overThreshold = !statusManaged && input.ErrorRate >= 0.5;
                    if (wedged && overThreshold && options.Quirks.DuplicateDegradedEvents)
                    {
                        // §3 row 11 (quirk): the real platform emits one event per cause.
                        published.Add(("WORKSPACE_DEGRADED", new JsonObject { ["runtime_state"] = "wedged", ["sample_error"] = input.SampleError }));
                        published.Add(("WORKSPACE_DEGRADED", new JsonObject { ["error_rate"] = input.ErrorRate, ["sample_error"] = input.SampleError }));
                        break;
                    }

                    var payload = new JsonObject();
                    if (overThreshold)
                    {
                        payload["error_rate"] = input.ErrorRate;
                    }

                    if (wedged)
                    {
                        payload["runtime_state"] = "wedged";
                    }

                    payload["sample_error"] = input.SampleError;
                    published.Add(("WORKSPACE_DEGRADED", payload));
                    break;
                case WorkspaceStatus.Degraded when !statusManaged && input.ErrorRate < 0.1 && input.RuntimeState.Length == 0:
                    row.Status = WorkspaceStatus.Online;
                    published.Add(("WORKSPACE_ONLINE", []));
                    break;
            }

            if (published.Count > 0)
            {
                row.UpdatedAt = now;
            }

            if (taskChanged)
            {
                published.Add(("TASK_UPDATED", new JsonObject { ["current_task"] = input.CurrentTask, ["active_tasks"] = input.ActiveTasks }));
            }

            published.Add(("WORKSPACE_HEARTBEAT", new JsonObject { ["active_tasks"] = input.ActiveTasks, ["uptime_seconds"] = input.UptimeSeconds }));
        }

        foreach (var (type, payload) in published)
        {
            events.Publish(type, row.Id, payload);
        }

        metrics.Heartbeats.Add(1);
    }
}
