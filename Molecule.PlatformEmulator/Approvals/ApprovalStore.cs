using System.Text.Json.Nodes;
using Molecule.PlatformEmulator.State;

namespace Molecule.PlatformEmulator.Approvals;

/// <summary>One approval request (supplement §5): pending until a person (or the expiry) decides it.</summary>
public sealed class Approval
{
    public required Guid Id { get; init; }

    public required Guid WorkspaceId { get; init; }

    public required string Action { get; init; }

    public string Reason { get; init; } = "";

    public string TaskId { get; init; } = "";

    public JsonNode? Context { get; init; }

    public string Status { get; set; } = "pending";

    public string? DecidedBy { get; set; }

    public DateTimeOffset? DecidedAt { get; set; }

    public required DateTimeOffset CreatedAt { get; init; }
}

/// <summary>Approvals of every workspace; pending ones older than <see cref="Expiry"/> are denied when the pending list is read.</summary>
public sealed class ApprovalStore : IEmulatorStore
{
    public static readonly TimeSpan Expiry = TimeSpan.FromMinutes(10);

    private readonly Lock _gate = new();
    private readonly List<Approval> _rows = [];

    public Approval Add(Approval approval)
    {
        lock (_gate)
        {
            _rows.Add(approval);
        }

        return approval;
    }

    /// <summary>Newest first, at most 50, every status.</summary>
    public IReadOnlyList<Approval> For(Guid workspaceId)
    {
        lock (_gate)
        {
            return [.. _rows.Where(a => a.WorkspaceId == workspaceId).Reverse().Take(50)];
        }
    }

    /// <summary>Decides a pending approval of <paramref name="workspaceId"/>; false when there is none to decide.</summary>
    public bool Decide(Guid workspaceId, Guid id, string decision, string decidedBy, DateTimeOffset now)
    {
        lock (_gate)
        {
            if (_rows.Find(a => a.Id == id && a.WorkspaceId == workspaceId && a.Status == "pending") is not { } approval)
            {
                return false;
            }

            (approval.Status, approval.DecidedBy, approval.DecidedAt) = (decision, decidedBy, now);
            return true;
        }
    }

    /// <summary>Expires what waited too long (denied by <c>auto-expired</c>, no event), then the pending ones, newest first, at most 50.</summary>
    public IReadOnlyList<Approval> Pending(DateTimeOffset now)
    {
        lock (_gate)
        {
            foreach (var stale in _rows.Where(a => a.Status == "pending" && now - a.CreatedAt > Expiry))
            {
                (stale.Status, stale.DecidedBy, stale.DecidedAt) = ("denied", "auto-expired", now);
            }

            return [.. _rows.Where(a => a.Status == "pending").Reverse().Take(50)];
        }
    }

    public IReadOnlyList<Approval> All()
    {
        lock (_gate)
        {
            return [.. _rows];
        }
    }

    public void Restore(IEnumerable<Approval> rows)
    {
        lock (_gate)
        {
            _rows.AddRange(rows);
        }
    }

    public void Clear()
    {
        lock (_gate)
        {
            _rows.Clear();
        }
    }
}
