namespace Molecule.Workspace;

/// <summary>
/// Where the workspace lives on the Molecule platform. Read from the environment names the platform and its
/// deployment guide use (<c>WORKSPACE_ID</c>, <c>PLATFORM_URL</c>, <c>PORT</c>, <c>AGENT_URL</c>, <c>CONFIGS_DIR</c>, …);
/// code may set them after that. Validated when the app starts: a missing or invalid value stops it with one line that
/// names the setting.
/// </summary>
public sealed class MoleculeWorkspaceOptions
{
    /// <summary>The port the guide's images listen on when <c>PORT</c> is unset.</summary>
    public const int DefaultPort = 8000;

    /// <summary>The workspace's UUID on the platform (<c>WORKSPACE_ID</c>, required).</summary>
    public string? WorkspaceId { get; set; }

    /// <summary>The control plane (<c>PLATFORM_URL</c>, fallback <c>MOLECULE_URL</c>; default <c>http://localhost:8080</c>).</summary>
    public Uri? PlatformUrl { get; set; }

    /// <summary>The URL the platform and peers reach this agent at (<c>AGENT_URL</c>; default <c>http://&lt;HOSTNAME&gt;:&lt;PORT&gt;</c>).</summary>
    public Uri? AgentUrl { get; set; }

    /// <summary>The folder for the token, the snapshot and <c>config.yaml</c> (<c>CONFIGS_DIR</c>; default <c>/configs</c> when writable, else <c>~/.molecule/&lt;WORKSPACE_ID&gt;</c>).</summary>
    public string? ConfigsDirectory { get; set; }

    /// <summary>Where the shutdown snapshot goes (<c>AGENT_SNAPSHOT_PATH</c>; default <c>CONFIGS_DIR/.agent_snapshot.json</c>).</summary>
    public string? SnapshotPath { get; set; }

    /// <summary>A token the platform minted for this workspace (<c>WORKSPACE_AUTH_TOKEN</c>); seeds <c>CONFIGS_DIR/.auth_token</c> only while that file is absent or empty. Never logged.</summary>
    public string? InitialAuthToken { get; set; }

    /// <summary>How often to heartbeat (<c>HEARTBEAT_INTERVAL_SECONDS</c>, 1–60 s; default 30 s).</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The whole shutdown budget (<c>SHUTDOWN_GRACE_SECONDS</c>, 2–3600 s; default 8 s, inside <c>docker stop</c>'s 10 s).</summary>
    public TimeSpan ShutdownGrace { get; set; } = TimeSpan.FromSeconds(8);

    /// <summary>
    /// How long the platform keeps an idle A2A call to this workspace open (<c>A2A_IDLE_TIMEOUT_SECONDS</c>, 1–86400 s),
    /// sent as <c>runtime_metadata.idle_timeout_seconds</c> so it overrides the platform's 300 s for this workspace; the
    /// platform's own when unset.
    /// </summary>
    public TimeSpan? A2AIdleTimeout { get; set; }

    /// <summary>Settings that could not be read from configuration, each naming its key; reported at start.</summary>
    internal List<string> ConfigurationErrors { get; } = [];
}
