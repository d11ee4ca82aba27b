using System.Text.Json.Nodes;

namespace Molecule.PlatformEmulator.State;

/// <summary>The liveness sweep (contract §2.8): TTL expiry, external staleness and the provisioning timeout.</summary>
public sealed partial class WorkspaceService
{
    /// <summary>One liveness sweep: TTL expiry, external staleness and the provisioning timeout.</summary>
    public int Sweep()
    {
        var now = time.GetUtcNow();
        var changed = 0;
        foreach (var row in state.Unordered)
        {
            string? type = null;
            JsonObject? payload = null;
            lock (row.Gate)
            {
                if (row.Status is WorkspaceStatus.Online or WorkspaceStatus.Degraded)
                {
                    var expired = row.LivenessDeadline is { } deadline && deadline <= now;
                    var stale = !options.Quirks.OneShotLiveness && row.IsExternal && now - (row.LastHeartbeatAt ?? row.UpdatedAt) >= options.ExternalStaleAfter;
                    if (expired || stale)
                    {
                        row.Status = WorkspaceStatus.Offline;
                        row.LivenessDeadline = null;
                        row.UpdatedAt = now;
                        type = "WORKSPACE_OFFLINE";
                        payload = [];
                    }
                }
                else if (row.Status == WorkspaceStatus.Provisioning && now - row.UpdatedAt >= options.ProvisionTimeout)
                {
                    var error = $"provisioning timed out — no agent registered within {options.ProvisionTimeout.TotalSeconds:0} s";
                    row.Status = WorkspaceStatus.Failed;
                    row.LastSampleError = error;
                    row.UpdatedAt = now;
                    type = "WORKSPACE_PROVISION_FAILED";
                    payload = new JsonObject
                    {
                        ["error"] = error,
                        ["timeout_secs"] = (long)options.ProvisionTimeout.TotalSeconds,
                        ["runtime"] = row.Runtime,
                        ["source"] = "provision_timeout_sweep",
                    };
                }
            }

            if (type is not null)
            {
                changed++;
                events.Publish(type, row.Id, payload);
            }
        }

        return changed;
    }
}
