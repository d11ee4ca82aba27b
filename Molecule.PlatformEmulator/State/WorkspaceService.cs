using System.Text.Json.Nodes;
using Molecule.PlatformEmulator.Events;

namespace Molecule.PlatformEmulator.State;

/// <summary>The status machine and every state change, each producing the contract's events.</summary>
public sealed partial class WorkspaceService(PlatformState state, EventBus events, EmulatorOptions options, TimeProvider time, EmulatorMetrics metrics,
    IEnumerable<IEmulatorStore> stores, Secrets.SecretStore secrets, ILogger<WorkspaceService> logger)
{
    public PlatformState State => state;

    public void ApplySeeds()
    {
        var now = time.GetUtcNow();
        foreach (var seed in options.Seeds.Where(s => state.Find(s.Id) is null))
        {
            state.Add(seed.Id, now, row =>
            {
                row.Name = seed.Name;
                row.Role = seed.Role;
                row.ParentId = seed.ParentId;
                row.Runtime = seed.Runtime;
                if (!string.IsNullOrEmpty(seed.Url))
                {
                    row.Url = seed.Url;
                    row.Status = WorkspaceStatus.Online;
                    row.LastHeartbeatAt = now;
                    row.LivenessDeadline = now + options.LivenessTtl;
                }
                else
                {
                    row.Status = seed.Runtime == "external" ? WorkspaceStatus.AwaitingAgent : WorkspaceStatus.Provisioning;
                }
            });
        }
    }

    /// <summary>Clears everything (workspaces, tokens, events), then re-applies the seeds.</summary>
    public void Reset()
    {
        state.Clear();
        state.Tokens.Clear();
        events.Clear();
        foreach (var store in stores)
        {
            store.Clear();
        }

        ApplySeeds();
        LogReset(logger, options.Seeds.Count);
    }

    /// <summary>Forgets every workspace and token, as a platform restart with lost state would.</summary>
    public void Outage()
    {
        state.Clear();
        state.Tokens.Clear();
        LogOutage(logger);
    }

    /// <summary>
    /// Creates a workspace from a validated request (contract §2.2): platform-provisioned rows start provisioning;
    /// external ones are online with a URL, else awaiting their agent with a freshly minted token (returned once).
    /// </summary>
    public (WorkspaceRow Row, string? Token) Create(Workspaces.CreateWorkspaceRequest request, Guid? parentId)
    {
        var isExternal = request.IsExternal;
        var hasUrl = !string.IsNullOrEmpty(request.Url);
        var (x, y) = request.Position() ?? (0, 0);
        var id = Guid.NewGuid();
        var now = time.GetUtcNow();
        // §3 row 1 (quirk): the real platform never persists awaiting_agent; the row stays provisioning with its old
        // runtime, and the provision timeout fails it.
        var notPersisted = isExternal && !hasUrl && options.Quirks.AwaitingAgentNotPersisted;
        var row = state.Add(id, now, r =>
        {
            r.Name = request.Name!;
            r.Role = string.IsNullOrEmpty(request.Role) ? null : request.Role;
            r.Tier = request.Tier is null or 0 ? 3 : (int)request.Tier;
            r.Model = request.Model;
            r.Runtime = isExternal && !notPersisted ? "external" : request.Runtime ?? "langgraph";
            r.Template = request.Template;
            r.ParentId = parentId;
            r.WorkspaceDir = request.WorkspaceDir;
            r.WorkspaceAccess = request.Access;
            r.BudgetLimit = request.BudgetLimit;
            r.MaxConcurrentTasks = request.MaxConcurrentTasks is null or <= 0 ? 1 : (int)request.MaxConcurrentTasks;
            r.X = x;
            r.Y = y;
            r.Status = isExternal && !notPersisted ? (hasUrl ? WorkspaceStatus.Online : WorkspaceStatus.AwaitingAgent) : WorkspaceStatus.Provisioning;
            if (isExternal && hasUrl)
            {
                r.Url = request.Url!;
                r.LastHeartbeatAt = now;
            }
        });

        foreach (var (key, value) in request.SecretValues() ?? [])
        {
            secrets.Set(id, key, value, now);
        }

        if (!isExternal)
        {
            events.Publish("WORKSPACE_PROVISIONING", id, new JsonObject { ["name"] = row.Name, ["tier"] = row.Tier, ["runtime"] = row.Runtime });
            return (row, null);
        }

        if (hasUrl)
        {
            events.Publish("WORKSPACE_ONLINE", id, new JsonObject { ["name"] = row.Name, ["external"] = true });
            return (row, null);
        }

        var token = state.Tokens.Mint(id).Plaintext;
        events.Publish("WORKSPACE_AWAITING_AGENT", id, new JsonObject { ["name"] = row.Name, ["external"] = true });
        return (row, token);
    }

    public (WorkspaceRow Row, string? Token) Register(Guid id, string url, string agentCard)
    {
        var now = time.GetUtcNow();
        var row = state.GetOrCreate(id, now, r =>
        {
            r.Name = id.ToString();
            r.Status = WorkspaceStatus.Online;
        });

        lock (row.Gate)
        {
            // §3 row 13 (quirk): the real platform keeps a provisioner-owned http://127.0.0.1… URL on register.
            if (!(options.Quirks.KeepLoopbackUrlOnRegister && row.Url.StartsWith("http://127.0.0.1", StringComparison.Ordinal)))
            {
                row.Url = url;
            }

            row.AgentCard = agentCard;
            row.Status = WorkspaceStatus.Online;
            row.LastHeartbeatAt = now;
            row.UpdatedAt = now;
            row.RegisteredAt = now;
            row.LivenessDeadline = now + options.LivenessTtl;
        }

        events.Publish("WORKSPACE_ONLINE", id, new JsonObject { ["url"] = url, ["agent_card"] = JsonNode.Parse(agentCard) });
        string? token = null;
        if (!state.Tokens.HasLive(id))
        {
            token = state.Tokens.Mint(id).Plaintext;
        }

        metrics.Registrations.Add(1);
        return (row, token);
    }

    public void UpdateCard(WorkspaceRow row, string agentCard)
    {
        lock (row.Gate)
        {
            row.AgentCard = agentCard;
            row.UpdatedAt = time.GetUtcNow();
        }

        events.Publish("AGENT_CARD_UPDATED", row.Id, new JsonObject { ["agent_card"] = JsonNode.Parse(agentCard) });
    }

    /// <summary>Removes <paramref name="row"/> and every descendant, revoking all their tokens.</summary>
    public int Delete(WorkspaceRow row, bool purge)
    {
        var descendants = state.DescendantsOf(row.Id);
        foreach (var child in descendants)
        {
            MarkRemoved(child, purge);
            events.Publish("WORKSPACE_REMOVED", child.Id, []);
        }

        MarkRemoved(row, purge);
        events.Publish("WORKSPACE_REMOVED", row.Id, new JsonObject { ["cascade_deleted"] = descendants.Count });
        return descendants.Count;
    }

    private void MarkRemoved(WorkspaceRow row, bool purge)
    {
        lock (row.Gate)
        {
            row.Status = WorkspaceStatus.Removed;
            row.LivenessDeadline = null;
            row.UpdatedAt = time.GetUtcNow();
        }

        state.Tokens.RevokeAll(row.Id);
        if (purge)
        {
            state.Remove(row.Id);
            state.Tokens.Forget(row.Id);
            secrets.Forget(row.Id);
        }
    }

    /// <summary>The emulator's status hook: set any status and emit that state's event.</summary>
    public void SetStatus(WorkspaceRow row, string status)
    {
        lock (row.Gate)
        {
            row.Status = status;
            row.UpdatedAt = time.GetUtcNow();
            if (status is not (WorkspaceStatus.Online or WorkspaceStatus.Degraded))
            {
                row.LivenessDeadline = null;
            }
        }

        var type = status switch
        {
            WorkspaceStatus.Paused => "WORKSPACE_PAUSED",
            WorkspaceStatus.Hibernated => "WORKSPACE_HIBERNATED",
            WorkspaceStatus.Online => "WORKSPACE_ONLINE",
            WorkspaceStatus.Offline => "WORKSPACE_OFFLINE",
            WorkspaceStatus.Degraded => "WORKSPACE_DEGRADED",
            WorkspaceStatus.Failed => "WORKSPACE_PROVISION_FAILED",
            WorkspaceStatus.Removed => "WORKSPACE_REMOVED",
            WorkspaceStatus.AwaitingAgent => "WORKSPACE_AWAITING_AGENT",
            _ => "WORKSPACE_PROVISIONING",
        };
        events.Publish(type, row.Id, []);
    }

    [LoggerMessage(EventId = 500, Level = LogLevel.Information, Message = "Emulator reset; {Seeds} seeded workspace(s) restored")]
    private static partial void LogReset(ILogger logger, int seeds);

    [LoggerMessage(EventId = 501, Level = LogLevel.Warning, Message = "Simulated outage: every workspace and token forgotten")]
    private static partial void LogOutage(ILogger logger);
}
