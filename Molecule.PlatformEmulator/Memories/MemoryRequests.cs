using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Molecule.PlatformEmulator.Infrastructure;

namespace Molecule.PlatformEmulator.Memories;

/// <summary><c>POST /workspaces/{id}/memories</c> (supplement §2.1).</summary>
public sealed record CommitMemoryRequest : IRequestBody<CommitMemoryRequest>
{
    public string? Content { get; init; }

    public string? Scope { get; init; }

    public string? Namespace { get; init; }

    public static JsonTypeInfo<CommitMemoryRequest> JsonType => EmulatorJson.Default.CommitMemoryRequest;

    public static string InvalidBody => "invalid request body";

    [JsonIgnore]
    public string EffectiveNamespace => string.IsNullOrEmpty(Namespace) ? "general" : Namespace;

    public ContractError? Validate(EmulatorOptions options)
    {
        if (string.IsNullOrEmpty(Content) || string.IsNullOrEmpty(Scope))
        {
            return ContractError.BadRequest(InvalidBody);
        }

        if (!MemoryStore.IsScope(Scope))
        {
            return ContractError.BadRequest("scope must be LOCAL, TEAM, or GLOBAL");
        }

        return System.Text.Encoding.UTF8.GetByteCount(EffectiveNamespace) > 50 ? ContractError.BadRequest("namespace must be <= 50 characters") : null;
    }
}

/// <summary><c>POST /workspaces/{id}/memory</c> (supplement §2.5).</summary>
public sealed record SetKeyValueRequest : IRequestBody<SetKeyValueRequest>
{
    public string? Key { get; init; }

    /// <summary>Any JSON; <c>null</c> stores JSON null, absent is refused.</summary>
    public JsonElement Value { get; init; }

    public long? TtlSeconds { get; init; }

    public long? IfMatchVersion { get; init; }

    public static JsonTypeInfo<SetKeyValueRequest> JsonType => EmulatorJson.Default.SetKeyValueRequest;

    public static string InvalidBody => "invalid request body";

    public ContractError? Validate(EmulatorOptions options) => string.IsNullOrEmpty(Key) ? ContractError.BadRequest("key is required") : null;
}

/// <summary>One entry of <c>POST /admin/memories/import</c>: the export's shape (<c>id</c> ignored).</summary>
public sealed record ImportedMemory(string? Content, string? Scope, string? Namespace, string? CreatedAt, string? WorkspaceName);

public sealed record CommittedMemory(string Id, string Namespace, string Scope);

public sealed record MemoryRow(string Id, string WorkspaceId, string Content, string Scope, string Namespace, string CreatedAt);

public sealed record ExportedMemory(string Id, string Content, string Scope, string Namespace, string CreatedAt, string WorkspaceName);

public sealed record ImportAnswer(int Errors, int Imported, int Skipped, int Total);

public sealed record KeyValueAnswer(string Key, JsonElement Value, long Version,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ExpiresAt, string UpdatedAt);

public sealed record KeyValueSaved(string Key, string Status, long Version);

/// <summary>409 of a conditional write: <c>current_version</c> is null when the key does not exist.</summary>
public sealed record VersionMismatch(string Error, long ExpectedVersion, long? CurrentVersion);
