namespace Molecule.PlatformEmulator.State;

/// <summary>One workspace row. Mutated only under <see cref="Gate"/>, so heartbeats of different workspaces never contend.</summary>
public sealed class WorkspaceRow
{
    public WorkspaceRow(Guid id, long order, DateTimeOffset createdAt)
    {
        Id = id;
        Order = order;
        CreatedAt = createdAt;
        UpdatedAt = createdAt;
    }

    [System.Text.Json.Serialization.JsonIgnore]
    public Lock Gate { get; } = new();

    public Guid Id { get; }

    public long Order { get; }

    public string Name { get; set; } = "";

    public string? Role { get; set; }

    public int Tier { get; set; } = 3;

    public string Status { get; set; } = WorkspaceStatus.Provisioning;

    public string Url { get; set; } = "";

    public Guid? ParentId { get; set; }

    /// <summary>The agent card as raw JSON (stored and echoed untouched), or null.</summary>
    public string? AgentCard { get; set; }

    public int ActiveTasks { get; set; }

    public int MaxConcurrentTasks { get; set; } = 1;

    public double LastErrorRate { get; set; }

    public string LastSampleError { get; set; } = "";

    public long UptimeSeconds { get; set; }

    public string CurrentTask { get; set; } = "";

    public string Runtime { get; set; } = "langgraph";

    public string? WorkspaceDir { get; set; }

    public string WorkspaceAccess { get; set; } = "none";

    public long? BudgetLimit { get; set; }

    public long MonthlySpend { get; set; }

    public double X { get; set; }

    public double Y { get; set; }

    public bool Collapsed { get; set; }

    public string? Template { get; set; }

    public string? Model { get; set; }


    public string RuntimeState { get; set; } = "";

    public Dictionary<string, bool> Capabilities { get; set; } = [];

    public int? IdleTimeoutSeconds { get; set; }

    public DateTimeOffset CreatedAt { get; }

    public DateTimeOffset UpdatedAt { get; set; }

    public DateTimeOffset? LastHeartbeatAt { get; set; }

    public DateTimeOffset? LastOutboundAt { get; set; }

    /// <summary>When the liveness TTL expires (armed by register and heartbeat).</summary>
    public DateTimeOffset? LivenessDeadline { get; set; }

    /// <summary>When the agent last registered (discover's URL cache under §3 row 14).</summary>
    public DateTimeOffset? RegisteredAt { get; set; }

    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsExternal => Runtime == "external";
}

public static class WorkspaceStatus
{
    public const string Provisioning = "provisioning";
    public const string Online = "online";
    public const string Offline = "offline";
    public const string Degraded = "degraded";
    public const string Failed = "failed";
    public const string Removed = "removed";
    public const string Paused = "paused";
    public const string Hibernated = "hibernated";
    public const string AwaitingAgent = "awaiting_agent";

    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal)
    {
        Provisioning, Online, Offline, Degraded, Failed, Removed, Paused, Hibernated, AwaitingAgent,
    };
}
