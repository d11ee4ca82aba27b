using System.Text.Json.Serialization;
using Molecule.PlatformEmulator.Auth;
using Molecule.PlatformEmulator.Infrastructure;

namespace Molecule.PlatformEmulator.Organisation;

/// <summary>
/// <c>GET /templates</c> and <c>GET /org/templates</c> (AdminAuth, supplement §10): the real platform lists its
/// <c>CONFIGS_DIR</c>; the emulator offers a small built-in set the canvas can create from — the agents this product
/// ships — and none under Strict, as a platform built from source has.
/// </summary>
public static class TemplateEndpoints
{
    private static readonly WorkspaceTemplate[] Workspaces =
    [
        new("echo", "Echo", "Answers every message with its text: the smallest agent, for wiring checks.", 1, "external", "", null, null,
            [new("echo", "Echo", "Repeats the message")], 1, null),
        new("chat", "Chat", "An LLM agent on any OpenAI-compatible endpoint, with the platform's tools.", 2, "external", "gpt-4o-mini", null, ["OPENAI_API_KEY"],
            [new("chat", "Chat", "Answers with the configured model")], 1, null),
        new("summarizer", "Summarizer", "Summarises the text it is sent (the SDK's sample agent).", 1, "external", "", null, null,
            [new("summarize", "Summarize", "Summarises a text")], 1, null),
    ];

    private static readonly OrgTemplate[] Orgs =
    [
        new("research-team", "Research team", "A lead that delegates summaries to a summarizer and remembers the results for the team.", 2,
            ["OPENAI_API_KEY"], []),
    ];

    public static RouteGroupBuilder MapTemplates(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapFeature("", "Organisation").RequireAdminAuth();
        group.MapGet("/templates", (EmulatorOptions options) => TypedResults.Ok(options.Strict ? [] : Workspaces));
        group.MapGet("/org/templates", (EmulatorOptions options) => TypedResults.Ok(options.Strict ? [] : Orgs));
        return group;
    }
}

public sealed record TemplateSkill(string Id, string Name, string Description);

public sealed record WorkspaceTemplate(string Id, string Name, string Description, int Tier, string Runtime, string Model,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string[]? Models,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string[]? RequiredEnv,
    TemplateSkill[]? Skills, int SkillCount,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? ProvisionTimeoutSeconds);

public sealed record OrgTemplate(string Dir, string Name, string Description, int Workspaces, string[] RequiredEnv, string[] RecommendedEnv);
