using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Molecule.PlatformEmulator.Faults;

/// <summary>
/// One injected fault: which requests it matches (method, path pattern with <c>*</c>, optionally one workspace), what it
/// does (answer a status, add latency, reset the connection, hang) and for how long (next N calls, a probability, or
/// until removed).
/// </summary>
public sealed class FaultRule
{
    public required string Id { get; init; }

    public string? Method { get; init; }

    public required string Path { get; init; }

    public Guid? WorkspaceId { get; init; }

    /// <summary><c>status</c>, <c>latency</c>, <c>reset</c> or <c>hang</c>.</summary>
    public required string Kind { get; init; }

    public int Status { get; init; } = 503;

    public string? Body { get; init; }

    public int LatencyMs { get; init; }

    public double Probability { get; init; } = 1;

    /// <summary>Remaining matches; null = until removed.</summary>
    public int? Remaining { get; set; }

    public long Hits { get; set; }

    public required Regex Pattern { get; init; }

    public JsonObject ToJson() => new()
    {
        ["id"] = Id,
        ["method"] = Method,
        ["path"] = Path,
        ["workspace_id"] = WorkspaceId?.ToString(),
        ["kind"] = Kind,
        ["status"] = Kind == "status" ? Status : null,
        ["body"] = Body,
        ["latency_ms"] = LatencyMs,
        ["probability"] = Probability,
        ["remaining"] = Remaining,
        ["hits"] = Hits,
    };
}
