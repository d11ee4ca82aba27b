using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Molecule.PlatformEmulator.Infrastructure;

namespace Molecule.PlatformEmulator.Workspaces;

/// <summary>The text rules the platform applies to names and roles (contract §2.2).</summary>
internal static class WorkspaceText
{
    private static readonly char[] BannedCharacters = ['{', '}', '[', ']', '|', '>', '*', '&', '!', '\n', '\r'];

    public static bool Clean(string? value, int maxBytes, bool allowBanned = false) =>
        value is null || (System.Text.Encoding.UTF8.GetByteCount(value) <= maxBytes && (allowBanned || value.IndexOfAny(BannedCharacters) < 0));

    public static bool HasNewline(string? value) => value?.IndexOfAny(['\n', '\r']) >= 0;
}

/// <summary><c>POST /workspaces</c>.</summary>
public sealed record CreateWorkspaceRequest : IRequestBody<CreateWorkspaceRequest>
{
    private static readonly string[] SystemDirectories = ["/etc", "/var", "/proc", "/sys", "/dev", "/boot", "/sbin", "/bin", "/lib", "/usr"];

    public string? Name { get; init; }

    public string? Role { get; init; }

    public string? Template { get; init; }

    public string? Model { get; init; }

    public string? Runtime { get; init; }

    public string? Url { get; init; }

    public string? ParentId { get; init; }

    public string? WorkspaceDir { get; init; }

    public string? WorkspaceAccess { get; init; }

    public long? Tier { get; init; }

    public long? BudgetLimit { get; init; }

    public long? MaxConcurrentTasks { get; init; }

    public bool? External { get; init; }

    /// <summary><c>{"x","y"}</c>; anything but an object is ignored, as the platform's loose binding does.</summary>
    public JsonElement Canvas { get; init; }

    /// <summary><c>{key: value}</c> with string values; anything but an object is ignored.</summary>
    public JsonElement Secrets { get; init; }

    public static JsonTypeInfo<CreateWorkspaceRequest> JsonType => EmulatorJson.Default.CreateWorkspaceRequest;

    public static string InvalidBody => "invalid workspace payload";

    [JsonIgnore]
    public bool IsExternal => External == true || Runtime == "external";

    [JsonIgnore]
    public string Access => WorkspaceAccess ?? "none";

    /// <summary>The canvas position; null when a coordinate is not a finite number.</summary>
    public (double X, double Y)? Position()
    {
        if (Canvas.ValueKind != JsonValueKind.Object)
        {
            return (0, 0);
        }

        return Coordinate(Canvas, "x") is { } x && Coordinate(Canvas, "y") is { } y ? (x, y) : null;
    }

    /// <summary>The secrets given at create; null when a value is not a string.</summary>
    public Dictionary<string, string>? SecretValues()
    {
        var secrets = new Dictionary<string, string>();
        if (Secrets.ValueKind != JsonValueKind.Object)
        {
            return secrets;
        }

        foreach (var secret in Secrets.EnumerateObject())
        {
            if (secret.Value.ValueKind != JsonValueKind.String)
            {
                return null;
            }

            secrets[secret.Name] = secret.Value.GetString()!;
        }

        return secrets;
    }

    public ContractError? Validate(EmulatorOptions options)
    {
        if (string.IsNullOrEmpty(Name) || Position() is null || SecretValues() is null)
        {
            return ContractError.BadRequest(InvalidBody);
        }

        if (!WorkspaceText.Clean(Name, 255) || !WorkspaceText.Clean(Role, 1000) || !WorkspaceText.Clean(Model, 100, allowBanned: true) ||
            !WorkspaceText.Clean(Runtime, 100, allowBanned: true) || WorkspaceText.HasNewline(Model) || WorkspaceText.HasNewline(Runtime))
        {
            return ContractError.BadRequest("invalid workspace fields");
        }

        if (Template is not null && (Template.Contains("..", StringComparison.Ordinal) || Path.IsPathRooted(Template)))
        {
            return ContractError.BadRequest("invalid template");
        }

        if (WorkspaceDir is { } dir && (!dir.StartsWith('/') || dir.Contains("..", StringComparison.Ordinal) ||
            SystemDirectories.Any(d => dir == d || dir.StartsWith(d + "/", StringComparison.Ordinal))))
        {
            return ContractError.BadRequest("invalid workspace directory");
        }

        if (Access is not ("none" or "read_only" or "read_write") || (Access != "none" && WorkspaceDir is null))
        {
            return ContractError.BadRequest("invalid workspace access");
        }

        return null;
    }

    private static double? Coordinate(JsonElement canvas, string name)
    {
        if (!canvas.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return 0;
        }

        return value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var number) && double.IsFinite(number) ? number : null;
    }
}

/// <summary><c>PATCH /workspaces/{id}</c>: only the fields present change.</summary>
public sealed record PatchWorkspaceRequest : IRequestBody<PatchWorkspaceRequest>
{
    public string? Name { get; init; }

    /// <summary>Present-and-null clears the role; absent keeps it.</summary>
    public JsonElement Role { get; init; }

    public long? Tier { get; init; }

    /// <summary>Present-and-null detaches from the parent; absent keeps it.</summary>
    public JsonElement ParentId { get; init; }

    public bool? Collapsed { get; init; }

    public string? Runtime { get; init; }

    public string? WorkspaceDir { get; init; }

    public double? X { get; init; }

    public double? Y { get; init; }

    public static JsonTypeInfo<PatchWorkspaceRequest> JsonType => EmulatorJson.Default.PatchWorkspaceRequest;

    public static string InvalidBody => "invalid request body";

    [JsonIgnore]
    public bool RoleSet => Role.ValueKind != JsonValueKind.Undefined;

    [JsonIgnore]
    public string? RoleText => Role.ValueKind == JsonValueKind.String ? Role.GetString() : null;

    [JsonIgnore]
    public bool ParentSet => ParentId.ValueKind != JsonValueKind.Undefined;

    [JsonIgnore]
    public string? ParentText => ParentId.ValueKind == JsonValueKind.String ? ParentId.GetString() : null;

    public ContractError? Validate(EmulatorOptions options)
    {
        if (Role.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.Null or JsonValueKind.String) ||
            ParentId.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.Null or JsonValueKind.String) ||
            X is { } x && !double.IsFinite(x) || Y is { } y && !double.IsFinite(y))
        {
            return ContractError.BadRequest(InvalidBody);
        }

        if (Name is not null && (Name.Length == 0 || !WorkspaceText.Clean(Name, 255)))
        {
            return ContractError.BadRequest(Name.Length == 0 ? "name must not be empty" : "name must be at most 255 characters without newlines or {}[]|>*&!");
        }

        if (!WorkspaceText.Clean(RoleText, 1000))
        {
            return ContractError.BadRequest("role must be at most 1000 characters without newlines or {}[]|>*&!");
        }

        return null;
    }
}

/// <summary><c>POST /workspaces/{id}/activity</c>: the known fields typed, any others kept on the row as sent.</summary>
public sealed class ActivityRequest : IRequestBody<ActivityRequest>
{
    public static readonly IReadOnlySet<string> Types =
        new HashSet<string>(["a2a_send", "a2a_receive", "task_update", "agent_log", "skill_promotion", "memory_write", "error"]);

    public string? ActivityType { get; init; }

    public string? Method { get; init; }

    public string? Summary { get; init; }

    public string? TargetId { get; init; }

    public string? ErrorDetail { get; init; }

    public string? Status { get; init; }

    public string? SourceId { get; init; }

    public long? DurationMs { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Other { get; set; }

    public static JsonTypeInfo<ActivityRequest> JsonType => EmulatorJson.Default.ActivityRequest;

    public static string InvalidBody => "invalid request body";

    public ContractError? Validate(EmulatorOptions options)
    {
        // Gin's binding: a missing, null or empty activity_type is the same bind failure as a wrongly typed field.
        if (string.IsNullOrEmpty(ActivityType))
        {
            return ContractError.BadRequest(InvalidBody);
        }

        return Types.Contains(ActivityType)
            ? null
            : ContractError.BadRequest("invalid activity_type, must be one of: a2a_send, a2a_receive, task_update, agent_log, skill_promotion, memory_write, error");
    }
}
