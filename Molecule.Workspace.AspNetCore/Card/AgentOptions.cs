using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using Molecule.Workspace.Infrastructure;

namespace Molecule.Workspace;

/// <summary>
/// What the agent card says, and the A2A server's limits. Bound from the <c>Agent</c> configuration section, the flat
/// variables <c>AGENT_NAME</c>, <c>AGENT_DESCRIPTION</c> and <c>AGENT_VERSION</c>, and an optional <c>config.yaml</c>
/// in <c>CONFIGS_DIR</c> (the Molecule runtime's volume layout), in rising precedence: yaml, section, flat variables.
/// Code can set them too: <c>AddMoleculeWorkspace(card =&gt; card.Name = "Summarizer")</c>.
/// </summary>
public sealed class AgentOptions
{
    /// <summary>The configuration section, <c>Agent</c>.</summary>
    public const string SectionName = "Agent";

    /// <summary>The card's name (env <c>AGENT_NAME</c>).</summary>
    [Required] public string Name { get; set; } = "molecule-workspace";

    /// <summary>The card's description (env <c>AGENT_DESCRIPTION</c>).</summary>
    [Required] public string Description { get; set; } = "Molecule workspace agent";

    /// <summary>The agent's version (env <c>AGENT_VERSION</c>).</summary>
    [Required] public string Version { get; set; } = "1.0.0";

    /// <summary>The skills the card lists; ids must be unique.</summary>
    [ValidateEnumeratedItems] public List<SkillOptions> Skills { get; set; } = [];

    /// <summary>Media types the agent accepts.</summary>
    public List<string> DefaultInputModes { get; set; } = ["text/plain"];

    /// <summary>Media types the agent answers with.</summary>
    public List<string> DefaultOutputModes { get; set; } = ["text/plain"];

    /// <summary>Largest accepted JSON-RPC request body, in bytes.</summary>
    [Range(1024, 64 * 1024 * 1024)] public int MaxRequestBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>How often an idle stream gets a comment line, so proxies keep it open.</summary>
    [TimeSpanRange("00:00:01", "00:10:00")] public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>A2A 0.3 blocking sends that complete answer with the agent's Message (what the platform's peers read) instead of the Task.</summary>
    public bool LegacyBlockingSendReturnsMessage { get; set; } = true;
}

/// <summary>One skill of the agent card.</summary>
public sealed class SkillOptions
{
    /// <summary>The skill's id, unique within the card.</summary>
    [Required] public string Id { get; set; } = "";

    /// <summary>A display name (the id when unset).</summary>
    public string? Name { get; set; }

    /// <summary>What the skill does (the name when unset).</summary>
    public string? Description { get; set; }

    /// <summary>Keywords.</summary>
    public List<string> Tags { get; set; } = [];

    /// <summary>Example requests.</summary>
    public List<string> Examples { get; set; } = [];
}

/// <summary>DataAnnotations (source-generated, no reflection) plus the card's cross-field rules, each failure naming its configuration key.</summary>
internal sealed class AgentOptionsValidator : IValidateOptions<AgentOptions>
{
    private readonly AgentOptionsAnnotations _annotations = new();

    public ValidateOptionsResult Validate(string? name, AgentOptions options)
    {
        if (_annotations.Validate(name, options) is { Failed: true } annotated)
        {
            // "Agent:KeepAliveInterval: The field … must be between …": the configuration key (env form Agent__…) first.
            return ValidateOptionsResult.Fail(annotated.Failures.Select(f => $"{AgentOptions.SectionName}:{f}"));
        }

        var duplicate = options.Skills.GroupBy(s => s.Id, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            return ValidateOptionsResult.Fail($"Agent skills must have unique ids; '{duplicate.Key}' appears {duplicate.Count()} times.");
        }

        var blank = options.Skills.FindIndex(s => string.IsNullOrWhiteSpace(s.Id));
        return blank >= 0
            ? ValidateOptionsResult.Fail($"Agent:Skills:{blank}:Id is required.")
            : ValidateOptionsResult.Success;
    }
}

[OptionsValidator]
internal sealed partial class AgentOptionsAnnotations : IValidateOptions<AgentOptions>;
