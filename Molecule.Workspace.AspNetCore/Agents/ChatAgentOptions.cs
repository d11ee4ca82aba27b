using System.ComponentModel.DataAnnotations;

namespace Molecule.Workspace;

/// <summary>The chat agent added by <c>AddChatAgent()</c> (configuration section <c>Agent:Chat</c>).</summary>
public sealed class ChatAgentOptions
{
    /// <summary>The configuration section, <c>Agent:Chat</c>.</summary>
    public const string SectionName = "Agent:Chat";

    /// <summary>The agent's own instructions: the base of its system prompt where <c>CONFIGS_DIR</c> has no prompt file (<c>system-prompt.md</c> or <c>prompt_files</c>); the platform's instructions, parent context, skills and peers are added around it (<see cref="WorkspacePrompt"/>).</summary>
    public string? SystemPrompt { get; set; } = "You are a helpful Molecule workspace agent. Answer concisely.";

    /// <summary>Messages of history kept per conversation (A2A context), oldest dropped first.</summary>
    [Range(2, 1000)] public int HistoryMessages { get; set; } = 40;

    /// <summary>Whether the model may use the platform's tools (<see cref="Workspace.PlatformTools"/>): peers, delegation, memory, messages to the user.</summary>
    public bool PlatformTools { get; set; } = true;

    /// <summary>Platform tools to leave out by name (e.g. <c>send_message_to_user</c>).</summary>
    public string[] DisabledTools { get; set; } = [];

    /// <summary>Conversations kept (least recently used dropped first).</summary>
    [Range(1, 100_000)] public int MaxContexts { get; set; } = 1000;
}
