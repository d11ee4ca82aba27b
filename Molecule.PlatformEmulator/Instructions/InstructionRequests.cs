using System.Text;
using System.Text.Json.Serialization.Metadata;
using Molecule.PlatformEmulator.Infrastructure;

namespace Molecule.PlatformEmulator.Instructions;

/// <summary><c>POST /instructions</c>.</summary>
public sealed record CreateInstructionRequest : IRequestBody<CreateInstructionRequest>
{
    public string? Scope { get; init; }

    public string? ScopeTarget { get; init; }

    public string? Title { get; init; }

    public string? Content { get; init; }

    public int? Priority { get; init; }

    public static JsonTypeInfo<CreateInstructionRequest> JsonType => EmulatorJson.Default.CreateInstructionRequest;

    public static string InvalidBody => "scope, title, and content are required";

    public ContractError? Validate(EmulatorOptions options)
    {
        if (string.IsNullOrEmpty(Scope) || string.IsNullOrEmpty(Title) || string.IsNullOrEmpty(Content))
        {
            return ContractError.BadRequest(InvalidBody);
        }

        if (Scope is not ("global" or "workspace"))
        {
            return ContractError.BadRequest("scope must be global or workspace (team scope not yet supported)");
        }

        if (Scope == "workspace" && string.IsNullOrEmpty(ScopeTarget))
        {
            return ContractError.BadRequest("scope_target required for workspace scope");
        }

        return InstructionLimits.Check(Content, Title);
    }
}

/// <summary><c>PUT /instructions/{id}</c>: null or absent leaves a field unchanged; scope and target cannot change.</summary>
public sealed record UpdateInstructionRequest : IRequestBody<UpdateInstructionRequest>
{
    public string? Title { get; init; }

    public string? Content { get; init; }

    public int? Priority { get; init; }

    public bool? Enabled { get; init; }

    public static JsonTypeInfo<UpdateInstructionRequest> JsonType => EmulatorJson.Default.UpdateInstructionRequest;

    public static string InvalidBody => "invalid request";

    public ContractError? Validate(EmulatorOptions options) => InstructionLimits.Check(Content, Title);
}

internal static class InstructionLimits
{
    public static ContractError? Check(string? content, string? title) =>
        content is not null && Encoding.UTF8.GetByteCount(content) > 8192 ? ContractError.BadRequest("content exceeds 8192 chars")
        : title is not null && Encoding.UTF8.GetByteCount(title) > 200 ? ContractError.BadRequest("title exceeds 200 chars")
        : null;
}

public sealed record InstructionAnswer(string Id, string Scope, string? ScopeTarget, string Title, string Content, int Priority, bool Enabled,
    string CreatedAt, string UpdatedAt);

public sealed record CreatedId(string Id);

public sealed record ResolvedInstructions(string Instructions, string WorkspaceId);

public sealed record SharedContextFile(string Path, string Content);
