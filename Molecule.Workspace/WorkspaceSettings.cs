using System.Globalization;

namespace Molecule.Workspace;

/// <summary>
/// The workspace's deployment settings, read from the environment names the deployment guide and the platform use
/// (<c>PLATFORM_URL</c>, <c>WORKSPACE_ID</c>, <c>PORT</c>, <c>AGENT_URL</c>, <c>CONFIGS_DIR</c>, …). Every value is
/// validated when the host is built; an error names the setting and the value in one line.
/// </summary>
public sealed class WorkspaceSettings
{
    public const int DefaultPort = 8000;

    public required string WorkspaceId { get; init; }

    public required Uri PlatformUrl { get; init; }

    /// <summary>The port from <c>PORT</c>, or null when unset (then ASP.NET Core's own URL settings apply, else 8000).</summary>
    public int? Port { get; init; }

    public required string AgentUrl { get; init; }

    public required string ConfigsDir { get; init; }

    public required string SnapshotPath { get; init; }

    public required TimeSpan HeartbeatInterval { get; init; }

    public required TimeSpan ShutdownGrace { get; init; }

    /// <summary>
    /// <c>WORKSPACE_AUTH_TOKEN</c>: the token a platform minted for this workspace (external create, token route),
    /// used only when <c>CONFIGS_DIR/.auth_token</c> is absent or empty; it is then written there, and the file wins
    /// from that moment on (rotations land in the file). Never logged.
    /// </summary>
    public string? InitialToken { get; init; }

    public static WorkspaceSettings Load(IConfiguration configuration)
    {
        var workspaceId = configuration["WORKSPACE_ID"]?.Trim();
        if (string.IsNullOrEmpty(workspaceId))
        {
            throw new WorkspaceConfigurationException("WORKSPACE_ID is required: set it to the workspace's UUID (from POST /workspaces on the platform).");
        }

        if (!Guid.TryParse(workspaceId, out var id))
        {
            throw new WorkspaceConfigurationException($"WORKSPACE_ID must be a UUID; got '{workspaceId}'.");
        }

        var platformName = configuration["PLATFORM_URL"] is { Length: > 0 } ? "PLATFORM_URL" : configuration["MOLECULE_URL"] is { Length: > 0 } ? "MOLECULE_URL" : "PLATFORM_URL";
        var platformText = (configuration[platformName] is { Length: > 0 } p ? p.Trim() : "http://localhost:8080").TrimEnd('/');
        if (!Uri.TryCreate(platformText, UriKind.Absolute, out var platformUrl) || platformUrl.Scheme is not ("http" or "https") || string.IsNullOrEmpty(platformUrl.Host))
        {
            throw new WorkspaceConfigurationException($"{platformName} must be an absolute http(s) URL such as http://host.docker.internal:8080; got '{platformText}'.");
        }

        int? port = null;
        if (configuration["PORT"] is { Length: > 0 } portText)
        {
            if (!int.TryParse(portText.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value is < 1 or > 65535)
            {
                throw new WorkspaceConfigurationException($"PORT must be a TCP port between 1 and 65535; got '{portText}'.");
            }

            port = value;
        }

        var agentUrl = configuration["AGENT_URL"]?.Trim();
        if (string.IsNullOrEmpty(agentUrl))
        {
            var host = configuration["HOSTNAME"] is { Length: > 0 } h ? h.Trim() : Environment.MachineName.ToLowerInvariant();
            agentUrl = $"http://{host}:{port ?? DefaultPort}";
        }

        if (!Uri.TryCreate(agentUrl, UriKind.Absolute, out var advertised) || advertised.Scheme is not ("http" or "https") || string.IsNullOrEmpty(advertised.Host))
        {
            throw new WorkspaceConfigurationException($"AGENT_URL must be an absolute http(s) URL the platform can reach; got '{agentUrl}'.");
        }

        if (advertised.Host is "0.0.0.0" or "[::]" or "::")
        {
            throw new WorkspaceConfigurationException($"AGENT_URL must name a reachable host, not the bind-all address; got '{agentUrl}'.");
        }

        var configsDir = configuration["CONFIGS_DIR"]?.Trim();
        if (string.IsNullOrEmpty(configsDir))
        {
            configsDir = IsWritable("/configs")
                ? "/configs"
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".molecule", id.ToString());
        }
        else if (!Path.IsPathFullyQualified(configsDir))
        {
            throw new WorkspaceConfigurationException($"CONFIGS_DIR must be an absolute path; got '{configsDir}'.");
        }

        var snapshotPath = configuration["AGENT_SNAPSHOT_PATH"]?.Trim();
        if (string.IsNullOrEmpty(snapshotPath))
        {
            snapshotPath = Path.Combine(configsDir, ".agent_snapshot.json");
        }

        var initialToken = configuration["WORKSPACE_AUTH_TOKEN"]?.Trim();
        if (initialToken is { Length: > 0 } && initialToken.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            // The value itself is a secret: name the setting, never echo it.
            throw new WorkspaceConfigurationException("WORKSPACE_AUTH_TOKEN must be a single token without spaces or line breaks.");
        }

        return new WorkspaceSettings
        {
            WorkspaceId = id.ToString(),
            PlatformUrl = platformUrl,
            Port = port,
            AgentUrl = agentUrl.TrimEnd('/'),
            ConfigsDir = configsDir,
            SnapshotPath = snapshotPath,
            HeartbeatInterval = Seconds(configuration, "HEARTBEAT_INTERVAL_SECONDS", 30, 1, 60),
            ShutdownGrace = Seconds(configuration, "SHUTDOWN_GRACE_SECONDS", 8, 2, 3600),
            InitialToken = string.IsNullOrEmpty(initialToken) ? null : initialToken,
        };
    }

    private static TimeSpan Seconds(IConfiguration configuration, string name, double fallback, double min, double max)
    {
        if (configuration[name] is not { Length: > 0 } text)
        {
            return TimeSpan.FromSeconds(fallback);
        }

        if (!double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || value < min || value > max || double.IsNaN(value))
        {
            throw new WorkspaceConfigurationException($"{name} must be a number of seconds between {min} and {max}; got '{text}'.");
        }

        return TimeSpan.FromSeconds(value);
    }

    private static bool IsWritable(string directory)
    {
        if (!Directory.Exists(directory))
        {
            return false;
        }

        try
        {
            var probe = Path.Combine(directory, $".write-probe-{Environment.ProcessId}");
            File.WriteAllText(probe, "");
            File.Delete(probe);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}

/// <summary>A setting is missing or invalid; the message names it and its value.</summary>
public sealed class WorkspaceConfigurationException(string message) : Exception(message);
