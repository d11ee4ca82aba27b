using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Molecule.PlatformEmulator.Infrastructure;

namespace Molecule.PlatformEmulator.Organisation;

/// <summary>A workspace and its children as a portable bundle (supplement §10), in the real platform's field order.</summary>
public sealed record Bundle : IRequestBody<Bundle>
{
    public string Schema { get; init; } = "1.0";

    public string? Id { get; init; }

    public string? Name { get; init; }

    public string? Description { get; init; }

    public int Tier { get; init; }

    public string? Model { get; init; }

    public string? SystemPrompt { get; init; }

    public JsonElement? Skills { get; init; }

    public JsonElement? Tools { get; init; }

    public Dictionary<string, string>? Prompts { get; init; }

    public List<Bundle>? SubWorkspaces { get; init; }

    public JsonElement? AgentCard { get; init; }

    public string? Author { get; init; }

    public string? Version { get; init; }

    public static JsonTypeInfo<Bundle> JsonType => EmulatorJson.Default.Bundle;

    public static string InvalidBody => "invalid bundle";

    /// <summary>The runtime a bundle's <c>config.yaml</c> names (<c>runtime: x</c>), else <c>langgraph</c>.</summary>
    [JsonIgnore]
    public string Runtime =>
        Prompts?.GetValueOrDefault("config.yaml")?.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith("runtime:", StringComparison.Ordinal)) is { } line &&
        line["runtime:".Length..].Trim().Trim('"', '\'') is { Length: > 0 } runtime
            ? runtime
            : "langgraph";
}

/// <summary>One imported workspace: 201 always, a failure shown in the body; children in the same shape.</summary>
public sealed record ImportedWorkspace(string WorkspaceId, string Name, string Status,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Error,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<ImportedWorkspace>? Children);
