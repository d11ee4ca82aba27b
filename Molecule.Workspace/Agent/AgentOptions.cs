using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Molecule.Workspace.Agent;

/// <summary>
/// What the agent card says and which built-in agent answers. Bound from the <c>Agent</c> section, the flat variables
/// <c>AGENT_NAME</c>, <c>AGENT_DESCRIPTION</c>, <c>AGENT_VERSION</c>, <c>AGENT_KIND</c>, and an optional
/// <c>config.yaml</c> in <c>CONFIGS_DIR</c> (the real runtime's volume layout), in rising precedence: yaml, section, flat.
/// </summary>
public sealed class AgentOptions
{
    public const string SectionName = "Agent";

    [Required] public string Name { get; set; } = "molecule-workspace";

    [Required] public string Description { get; set; } = "Molecule workspace agent";

    [Required] public string Version { get; set; } = "1.0.0";

    /// <summary><c>echo</c> (default, deterministic, no network) or <c>chat</c> (an OpenAI-compatible model).</summary>
    [Required] public string Kind { get; set; } = "echo";

    [ValidateEnumeratedItems] public List<SkillOptions> Skills { get; set; } = [];

    public List<string> DefaultInputModes { get; set; } = ["text/plain"];

    public List<string> DefaultOutputModes { get; set; } = ["text/plain"];

    /// <summary>Largest accepted JSON-RPC request body.</summary>
    [Range(1024, 64 * 1024 * 1024)] public int MaxRequestBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>Comment lines on long streams so proxies keep them open.</summary>
    [TimeSpanRange("00:00:01", "00:10:00")] public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>0.3 blocking sends that complete answer with the agent's Message (what the platform's peers read), or with the Task.</summary>
    public bool LegacyBlockingSendReturnsMessage { get; set; } = true;

    [ValidateObjectMembers] public ChatOptions Chat { get; set; } = new();
}

public sealed class SkillOptions
{
    [Required] public string Id { get; set; } = "";

    public string? Name { get; set; }

    public string? Description { get; set; }

    public List<string> Tags { get; set; } = [];

    public List<string> Examples { get; set; } = [];
}

/// <summary>The <c>chat</c> agent's model endpoint (any OpenAI-compatible server).</summary>
public sealed class ChatOptions
{
    /// <summary>Base URL, e.g. https://api.openai.com/v1 or http://localhost:11434/v1 (env <c>OPENAI_BASE_URL</c>).</summary>
    public string? BaseUrl { get; set; }

    /// <summary>Model name (env <c>OPENAI_MODEL</c>).</summary>
    public string? Model { get; set; }

    /// <summary>API key (env <c>OPENAI_API_KEY</c>); local servers accept any value.</summary>
    public string? ApiKey { get; set; }

    public string? SystemPrompt { get; set; } = "You are a helpful Molecule workspace agent. Answer concisely.";

    /// <summary>Messages of history kept per context.</summary>
    [Range(2, 1000)] public int HistoryMessages { get; set; } = 40;

    /// <summary>Contexts whose history is kept (least recently used dropped first).</summary>
    [Range(1, 100_000)] public int MaxContexts { get; set; } = 1000;
}
