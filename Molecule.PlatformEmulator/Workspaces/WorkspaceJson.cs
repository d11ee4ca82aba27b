using System.Text.Json.Nodes;
using Molecule.PlatformEmulator.Infrastructure;
using Molecule.PlatformEmulator.State;

namespace Molecule.PlatformEmulator.Workspaces;

/// <summary>
/// The three projections of a workspace row the contract answers with: the list element, the detail and the peer.
/// They carry the agent's card as it registered it, so they are JSON trees rather than records.
/// </summary>
public static class WorkspaceJson
{
    public static JsonObject ListElement(WorkspaceRow row, EmulatorOptions options)
    {
        lock (row.Gate)
        {
            var element = new JsonObject
            {
                ["id"] = row.Id.ToString(),
                ["name"] = row.Name,
                ["role"] = row.Role,
                ["tier"] = row.Tier,
                ["status"] = row.Status,
                ["url"] = row.Url,
                ["parent_id"] = row.ParentId?.ToString(),
                ["agent_card"] = row.AgentCard is null ? null : JsonNode.Parse(row.AgentCard),
                ["active_tasks"] = row.ActiveTasks,
                ["max_concurrent_tasks"] = row.MaxConcurrentTasks,
                ["last_error_rate"] = row.LastErrorRate,
                ["last_sample_error"] = row.LastSampleError,
                ["uptime_seconds"] = row.UptimeSeconds,
                ["current_task"] = row.CurrentTask,
                ["runtime"] = row.Runtime,
                ["workspace_dir"] = row.WorkspaceDir,
                ["budget_limit"] = row.BudgetLimit,
                ["monthly_spend"] = row.MonthlySpend,
                ["x"] = row.X,
                ["y"] = row.Y,
                ["collapsed"] = row.Collapsed,
            };
            if (row.Status == WorkspaceStatus.Provisioning)
            {
                element["provision_timeout_ms"] = (long)options.ProvisionTimeout.TotalMilliseconds;
            }

            return element;
        }
    }

    public static JsonObject DetailElement(WorkspaceRow row, EmulatorOptions options)
    {
        var element = ListElement(row, options);
        foreach (var key in (string[])["budget_limit", "monthly_spend", "current_task", "last_sample_error", "workspace_dir"])
        {
            element.Remove(key);
        }

        lock (row.Gate)
        {
            element["last_outbound_at"] = Contract.Timestamp(row.LastOutboundAt);
        }

        return element;
    }

    public static JsonObject PeerElement(WorkspaceRow row)
    {
        lock (row.Gate)
        {
            return new JsonObject
            {
                ["id"] = row.Id.ToString(),
                ["name"] = row.Name,
                ["role"] = row.Role,
                ["tier"] = row.Tier,
                ["status"] = row.Status,
                ["agent_card"] = row.AgentCard is null ? null : JsonNode.Parse(row.AgentCard),
                ["url"] = row.Url,
                ["parent_id"] = row.ParentId?.ToString(),
                ["active_tasks"] = row.ActiveTasks,
            };
        }
    }
}
