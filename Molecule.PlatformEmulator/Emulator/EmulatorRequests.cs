using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Molecule.PlatformEmulator.Infrastructure;
using Molecule.PlatformEmulator.State;

namespace Molecule.PlatformEmulator.Emulator;

/// <summary><c>POST /_emulator/workspaces/{id}/status</c>: any status of the contract's enum.</summary>
public sealed record SetStatusRequest : IRequestBody<SetStatusRequest>
{
    public string? Status { get; init; }

    public static JsonTypeInfo<SetStatusRequest> JsonType => EmulatorJson.Default.SetStatusRequest;

    public static string InvalidBody => "invalid request body";

    public ContractError? Validate(EmulatorOptions options) =>
        Status is null || !WorkspaceStatus.All.Contains(Status) ? ContractError.BadRequest(InvalidBody) : null;
}

/// <summary><c>POST /_emulator/faults</c>: one fault rule.</summary>
public sealed record AddFaultRequest : IRequestBody<AddFaultRequest>
{
    public string? Path { get; init; }

    public string? Kind { get; init; }

    public string? Method { get; init; }

    public string? WorkspaceId { get; init; }

    public long? Status { get; init; }

    public long? LatencyMs { get; init; }

    public long? Count { get; init; }

    public double? Probability { get; init; }

    public string? Id { get; init; }

    /// <summary>The answer's body: a string as it is, any other JSON value as its text.</summary>
    public JsonElement Body { get; init; }

    public static JsonTypeInfo<AddFaultRequest> JsonType => EmulatorJson.Default.AddFaultRequest;

    public static string InvalidBody => "invalid request body";

    [JsonIgnore]
    public string EffectiveKind => Kind ?? "status";

    [JsonIgnore]
    public string? BodyText => Body.ValueKind switch
    {
        JsonValueKind.Undefined or JsonValueKind.Null => null,
        JsonValueKind.String => Body.GetString(),
        _ => Body.GetRawText(),
    };

    public ContractError? Validate(EmulatorOptions options)
    {
        if (string.IsNullOrEmpty(Path) || !Path.StartsWith('/'))
        {
            return ContractError.BadRequest("path is required: a route pattern such as /registry/heartbeat or /workspaces/*/a2a");
        }

        if (EffectiveKind is not ("status" or "latency" or "reset" or "hang"))
        {
            return ContractError.BadRequest("kind must be status, latency, reset or hang");
        }

        if (WorkspaceId is not null && Contract.ParseWorkspaceId(WorkspaceId) is null)
        {
            return ContractError.BadRequest("workspace_id must be a UUID");
        }

        if (Status is < 200 or > 599)
        {
            return ContractError.BadRequest("status must be an HTTP status between 200 and 599");
        }

        if (EffectiveKind == "latency" && LatencyMs is null or < 0 or > 600_000)
        {
            return ContractError.BadRequest("latency_ms must be between 0 and 600000 for a latency fault");
        }

        if (Count is <= 0 || Probability is <= 0 or > 1 || Probability is { } p && !double.IsFinite(p))
        {
            return ContractError.BadRequest("count must be positive and probability in (0, 1]");
        }

        return null;
    }
}

public sealed record ClearedAnswer(string Status, int Removed);
