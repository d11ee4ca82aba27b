using System.Text;
using Microsoft.Extensions.Logging;
using Molecule.Platform.Client;
using Molecule.Workspace.Runtime;

namespace Molecule.Workspace;

/// <summary>
/// The agent's system prompt, assembled in the Molecule runtime's order: the platform's instructions
/// (<c>instructions/resolve</c>), the <c>prompt_files</c> of <c>config.yaml</c> (else <c>system-prompt.md</c>),
/// <c>MEMORY.md</c> and <c>USER.md</c>, the parent's shared context, the skills' instructions, the current peers, and
/// the delegation-failure rules. The chat agent uses it as its instructions; your own agent can ask for it too. Each
/// platform read is bounded (3 s), the independent ones run at once, and a failed one leaves its section out (so a
/// platform that does not answer delays a turn by one bound, not one per section); the result is cached and rebuilt after
/// <see cref="RefreshInterval"/> or when <c>config.yaml</c> changes.
/// </summary>
public sealed partial class WorkspacePrompt
{
    /// <summary>How long an assembled prompt is reused before the platform is asked again.</summary>
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromMinutes(5);

    internal const string DelegationFailures =
        "## Handling delegation failures\n" +
        "When a delegation fails, keep doing the work that does not depend on it. Retry a transient failure (a busy or " +
        "unreachable peer) once after about 30 seconds. Report a failure that persists to the user with what you asked, whom, " +
        "and the error. Never drop a failed task silently.";

    private static readonly TimeSpan PlatformReadTimeout = TimeSpan.FromSeconds(3);

    private readonly MoleculePlatform _platform;
    private readonly RuntimeConfigSource _runtime;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private Task<string>? _building;
    private RuntimeConfig? _builtFrom;
    private DateTimeOffset _builtAt;

    internal WorkspacePrompt(MoleculePlatform platform, RuntimeConfigSource runtime, TimeProvider time, ILogger<WorkspacePrompt> logger)
    {
        _platform = platform;
        _runtime = runtime;
        _time = time;
        _logger = logger;
    }

    /// <summary>The prompt for <paramref name="basePrompt"/> as the agent's own text (used where no prompt file exists), built or reused.</summary>
    /// <param name="basePrompt">The agent's own instructions (e.g. <see cref="ChatAgentOptions.SystemPrompt"/>): step 2 when the config folder has no prompt files.</param>
    /// <param name="cancellationToken">Cancels waiting (the build itself goes on for the next caller).</param>
    public Task<string> GetAsync(string? basePrompt = null, CancellationToken cancellationToken = default)
    {
        Task<string> building;
        lock (_gate)
        {
            var stale = _building is null || _building.IsFaulted || _builtFrom != _runtime.Current || _time.GetUtcNow() - _builtAt >= RefreshInterval;
            if (stale)
            {
                _builtFrom = _runtime.Current;
                _builtAt = _time.GetUtcNow();
                _building = BuildAsync(_runtime.Current);
            }

            building = _building!;
        }

        return ComposeAsync(building, basePrompt, cancellationToken);
    }

    private static async Task<string> ComposeAsync(Task<string> building, string? basePrompt, CancellationToken cancellationToken)
    {
        var text = await building.WaitAsync(cancellationToken).ConfigureAwait(false);
        return text.Replace(BasePromptSlot, string.IsNullOrWhiteSpace(basePrompt) ? "" : basePrompt.Trim() + "\n", StringComparison.Ordinal)
            .Replace("\n\n\n", "\n\n", StringComparison.Ordinal).Trim();
    }

    /// <summary>Where the agent's own text goes when the config folder has no prompt files.</summary>
    private const string BasePromptSlot = "\u0000base\u0000";

    private async Task<string> BuildAsync(RuntimeConfig config)
    {
        var prompt = new StringBuilder();
        var instructionsRead = ReadAsync(ct => _platform.ResolveInstructionsAsync(ct), "", "instructions");
        var selfRead = ReadAsync<PeerWorkspace?>(async ct => await _platform.GetWorkspaceAsync(cancellationToken: ct).ConfigureAwait(false), null, "this workspace");
        var peersRead = ReadAsync(ct => _platform.ListPeersAsync(cancellationToken: ct), [], "peers");
        var instructions = await instructionsRead.ConfigureAwait(false);
        if (!string.IsNullOrWhiteSpace(instructions))
        {
            prompt.Append("# Platform Instructions\n").Append(instructions.Trim()).Append("\n\n");
        }

        var files = PromptFiles(config);
        if (files.Count == 0)
        {
            prompt.Append(BasePromptSlot).Append('\n');
        }

        foreach (var (_, text) in files)
        {
            prompt.Append(text).Append("\n\n");
        }

        var self = await selfRead.ConfigureAwait(false);
        if (self?.ParentId is { } parent)
        {
            var shared = await ReadAsync(ct => _platform.GetSharedContextAsync(parent, ct), [], "the parent's shared context").ConfigureAwait(false);
            if (shared.Count > 0)
            {
                prompt.Append("## Parent Context\nYour parent workspace shared these files with you.\n\n");
                foreach (var file in shared)
                {
                    prompt.Append("### ").Append(file.Path).Append('\n').Append(file.Content.Trim()).Append("\n\n");
                }
            }
        }

        var skills = config.Skills.Where(s => s.Instructions.Length > 0).ToArray();
        if (skills.Length > 0)
        {
            prompt.Append("## Your Skills\n\n");
            foreach (var skill in skills)
            {
                prompt.Append("### ").Append(skill.Name).Append('\n').Append(skill.Description).Append("\n\n").Append(skill.Instructions).Append("\n\n");
            }
        }

        var peers = await peersRead.ConfigureAwait(false);
        if (peers.Count > 0)
        {
            prompt.Append("## Your Peers (workspaces you can delegate to)\n");
            foreach (var peer in peers)
            {
                prompt.Append("- **").Append(peer.Name).Append("** (id: `").Append(peer.Id).Append("`, status: ").Append(peer.Status).Append(')');
                if (!string.IsNullOrWhiteSpace(peer.Role))
                {
                    prompt.Append(" — ").Append(peer.Role);
                }

                prompt.Append('\n');
                if (peer.Skills.Count > 0)
                {
                    prompt.Append("  Skills: ").Append(string.Join(", ", peer.Skills)).Append('\n');
                }
            }

            prompt.Append("Delegate only to the peers listed above, with delegate_task (wait for the answer) or delegate_task_async (check on it with check_task_status).\n\n");
        }

        prompt.Append(DelegationFailures).Append('\n');
        return prompt.ToString();
    }

    /// <summary>Step 2 and 3: the listed prompt files (else <c>system-prompt.md</c>), then <c>MEMORY.md</c> and <c>USER.md</c>.</summary>
    private List<(string Name, string Text)> PromptFiles(RuntimeConfig config)
    {
        var names = config.PromptFiles.Count > 0 ? config.PromptFiles.ToList() : ["system-prompt.md"];
        foreach (var snapshot in (string[])["MEMORY.md", "USER.md"])
        {
            if (!names.Contains(snapshot, StringComparer.Ordinal) && File.Exists(Path.Combine(_runtime.ConfigsDir, snapshot)))
            {
                names.Add(snapshot);
            }
        }

        var files = new List<(string, string)>();
        foreach (var name in names)
        {
            var path = ConfigFolder.Resolve(_runtime.ConfigsDir, name);
            if (path is null || !File.Exists(path))
            {
                if (config.PromptFiles.Contains(name, StringComparer.Ordinal))
                {
                    LogPromptFileMissing(_logger, name);
                }

                continue;
            }

            var text = File.ReadAllText(path).Trim();
            if (text.Length > 0)
            {
                files.Add((name, text));
            }
        }

        return files;
    }

    private async Task<T> ReadAsync<T>(Func<CancellationToken, Task<T>> read, T fallback, string what)
    {
        using var timeout = new CancellationTokenSource(PlatformReadTimeout, _time);
        try
        {
            return await read(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is PlatformApiException or HttpRequestException or OperationCanceledException or InvalidOperationException)
        {
            LogSectionLeftOut(_logger, what, ex is PlatformApiException api ? api.PlatformError : ex.GetType().Name);
            return fallback;
        }
    }

    [LoggerMessage(EventId = 53, Level = LogLevel.Warning, Message = "System prompt: the prompt file {Name} listed in config.yaml was not found")]
    private static partial void LogPromptFileMissing(ILogger logger, string name);

    [LoggerMessage(EventId = 54, Level = LogLevel.Debug, Message = "System prompt: {What} left out ({Reason})")]
    private static partial void LogSectionLeftOut(ILogger logger, string what, string reason);
}
