using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Molecule.Workspace.ControlPlane;

/// <summary>
/// The resolved, validated deployment settings: every default applied, every value checked. Built from
/// <see cref="MoleculeWorkspaceOptions"/>; an error names the setting and the value in one line.
/// </summary>
internal sealed class WorkspaceSettings
{
    public required string WorkspaceId { get; init; }

    public required Uri PlatformUrl { get; init; }

    public required string AgentUrl { get; init; }

    public required string ConfigsDir { get; init; }

    public required string SnapshotPath { get; init; }

    public required TimeSpan HeartbeatInterval { get; init; }

    public required TimeSpan ShutdownGrace { get; init; }

    public string? InitialToken { get; init; }

    /// <summary>The platform's A2A idle timer for this workspace, in whole seconds; null for the platform's own.</summary>
    public int? A2AIdleTimeoutSeconds { get; init; }

    /// <summary>Reads and resolves the settings from configuration alone (what the app and the tests use).</summary>
    public static WorkspaceSettings Load(IConfiguration configuration)
    {
        var options = new MoleculeWorkspaceOptions();
        WorkspaceOptionsSetup.Bind(configuration, options);
        return Resolve(options);
    }

    /// <summary>Applies the defaults and checks every value; throws <see cref="MoleculeWorkspaceConfigurationException"/> naming the first bad one.</summary>
    public static WorkspaceSettings Resolve(MoleculeWorkspaceOptions options)
    {
        if (options.ConfigurationErrors.Count > 0)
        {
            throw new MoleculeWorkspaceConfigurationException(options.ConfigurationErrors[0]);
        }

        var workspaceId = options.WorkspaceId?.Trim();
        if (string.IsNullOrEmpty(workspaceId))
        {
            throw new MoleculeWorkspaceConfigurationException("WORKSPACE_ID is required: set it to the workspace's UUID (from POST /workspaces on the platform).");
        }

        if (!Guid.TryParse(workspaceId, out var id))
        {
            throw new MoleculeWorkspaceConfigurationException($"WORKSPACE_ID must be a UUID; got '{workspaceId}'.");
        }

        var platformUrl = options.PlatformUrl ?? new Uri("http://localhost:8080");
        if (!platformUrl.IsAbsoluteUri || platformUrl.Scheme is not ("http" or "https") || string.IsNullOrEmpty(platformUrl.Host))
        {
            throw new MoleculeWorkspaceConfigurationException($"PLATFORM_URL must be an absolute http(s) URL such as http://host.docker.internal:8080; got '{platformUrl.OriginalString}'.");
        }

        var agentUrl = options.AgentUrl;
        if (agentUrl is null || !agentUrl.IsAbsoluteUri || agentUrl.Scheme is not ("http" or "https") || string.IsNullOrEmpty(agentUrl.Host))
        {
            throw new MoleculeWorkspaceConfigurationException($"AGENT_URL must be an absolute http(s) URL the platform can reach; got '{agentUrl?.OriginalString}'.");
        }

        if (agentUrl.Host is "0.0.0.0" or "[::]" or "::")
        {
            throw new MoleculeWorkspaceConfigurationException($"AGENT_URL must name a reachable host, not the bind-all address; got '{agentUrl.OriginalString}'.");
        }

        var configsDir = options.ConfigsDirectory?.Trim();
        if (string.IsNullOrEmpty(configsDir))
        {
            configsDir = ConfigsVolumeWritable.Value
                ? "/configs"
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".molecule", id.ToString());
        }
        else if (!Path.IsPathFullyQualified(configsDir))
        {
            throw new MoleculeWorkspaceConfigurationException($"CONFIGS_DIR must be an absolute path; got '{configsDir}'.");
        }

        var initialToken = options.InitialAuthToken?.Trim();
        if (initialToken is { Length: > 0 } && initialToken.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            // The value itself is a secret: name the setting, never echo it.
            throw new MoleculeWorkspaceConfigurationException("WORKSPACE_AUTH_TOKEN must be a single token without spaces or line breaks.");
        }

        CheckRange("HEARTBEAT_INTERVAL_SECONDS", options.HeartbeatInterval, 1, 60);
        CheckRange("SHUTDOWN_GRACE_SECONDS", options.ShutdownGrace, 2, 3600);
        return new WorkspaceSettings
        {
            WorkspaceId = id.ToString(),
            PlatformUrl = new Uri(platformUrl.AbsoluteUri.TrimEnd('/')),
            AgentUrl = agentUrl.OriginalString.Trim().TrimEnd('/'),
            ConfigsDir = configsDir,
            SnapshotPath = string.IsNullOrWhiteSpace(options.SnapshotPath) ? Path.Combine(configsDir, ".agent_snapshot.json") : options.SnapshotPath.Trim(),
            HeartbeatInterval = options.HeartbeatInterval,
            ShutdownGrace = options.ShutdownGrace,
            InitialToken = string.IsNullOrEmpty(initialToken) ? null : initialToken,
            A2AIdleTimeoutSeconds = options.A2AIdleTimeout is { } idle ? (int)Math.Ceiling(idle.TotalSeconds) : null,
        };
    }

    private static void CheckRange(string name, TimeSpan value, double min, double max)
    {
        if (value.TotalSeconds < min || value.TotalSeconds > max)
        {
            throw new MoleculeWorkspaceConfigurationException(string.Create(CultureInfo.InvariantCulture, $"{name} must be a number of seconds between {min} and {max}; got '{value.TotalSeconds}'."));
        }
    }

    /// <summary>Whether the guide's <c>/configs</c> volume is there and writable, probed once per process: settings are resolved more than once at start.</summary>
    private static readonly Lazy<bool> ConfigsVolumeWritable = new(() => IsWritable("/configs"));

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

/// <summary>Reads <see cref="MoleculeWorkspaceOptions"/> from the platform's environment names.</summary>
internal sealed class WorkspaceOptionsSetup(IConfiguration configuration) : IConfigureOptions<MoleculeWorkspaceOptions>
{
    public void Configure(MoleculeWorkspaceOptions options) => Bind(configuration, options);

    /// <summary>The port from <c>PORT</c> (or, without it, <c>config.yaml</c>'s <c>a2a.port</c>): null when unset; an error text when invalid.</summary>
    public static (int? Port, string? Error) ReadPort(IConfiguration configuration) => Molecule.Shared.PortBinding.Read(configuration);

    public static void Bind(IConfiguration configuration, MoleculeWorkspaceOptions options)
    {
        var errors = options.ConfigurationErrors;
        if (configuration["WORKSPACE_ID"] is { Length: > 0 } workspaceId)
        {
            options.WorkspaceId = workspaceId.Trim();
        }

        var platformName = configuration["PLATFORM_URL"] is { Length: > 0 } ? "PLATFORM_URL" : configuration["MOLECULE_URL"] is { Length: > 0 } ? "MOLECULE_URL" : null;
        if (platformName is not null)
        {
            var text = configuration[platformName]!.Trim().TrimEnd('/');
            if (Uri.TryCreate(text, UriKind.Absolute, out var platformUrl) && platformUrl.Scheme is "http" or "https" && !string.IsNullOrEmpty(platformUrl.Host))
            {
                options.PlatformUrl = platformUrl;
            }
            else
            {
                errors.Add($"{platformName} must be an absolute http(s) URL such as http://host.docker.internal:8080; got '{text}'.");
            }
        }

        var (port, portError) = ReadPort(configuration);
        if (portError is not null)
        {
            errors.Add(portError);
        }

        if (configuration["AGENT_URL"] is { Length: > 0 } agentText)
        {
            if (Uri.TryCreate(agentText.Trim(), UriKind.Absolute, out var agentUrl))
            {
                options.AgentUrl = agentUrl;
            }
            else
            {
                errors.Add($"AGENT_URL must be an absolute http(s) URL the platform can reach; got '{agentText}'.");
            }
        }
        else if (options.AgentUrl is null)
        {
            var host = configuration["HOSTNAME"] is { Length: > 0 } h ? h.Trim() : Environment.MachineName.ToLowerInvariant();
            options.AgentUrl = Uri.TryCreate($"http://{host}:{port ?? MoleculeWorkspaceOptions.DefaultPort}", UriKind.Absolute, out var derived) ? derived : null;
        }

        options.ConfigsDirectory = configuration["CONFIGS_DIR"] is { Length: > 0 } configs ? configs.Trim() : options.ConfigsDirectory;
        options.SnapshotPath = configuration["AGENT_SNAPSHOT_PATH"] is { Length: > 0 } snapshot ? snapshot.Trim() : options.SnapshotPath;
        options.InitialAuthToken = configuration["WORKSPACE_AUTH_TOKEN"] is { Length: > 0 } token ? token : options.InitialAuthToken;
        options.HeartbeatInterval = Seconds(configuration, "HEARTBEAT_INTERVAL_SECONDS", options.HeartbeatInterval, 1, 60, errors);
        options.ShutdownGrace = Seconds(configuration, "SHUTDOWN_GRACE_SECONDS", options.ShutdownGrace, 2, 3600, errors);
        if (configuration["A2A_IDLE_TIMEOUT_SECONDS"] is { Length: > 0 })
        {
            options.A2AIdleTimeout = Seconds(configuration, "A2A_IDLE_TIMEOUT_SECONDS", TimeSpan.FromSeconds(300), 1, 86400, errors);
        }
    }

    private static TimeSpan Seconds(IConfiguration configuration, string name, TimeSpan fallback, double min, double max, List<string> errors)
    {
        if (configuration[name] is not { Length: > 0 } text)
        {
            return fallback;
        }

        if (!double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || value < min || value > max || double.IsNaN(value))
        {
            errors.Add($"{name} must be a number of seconds between {min} and {max}; got '{text}'.");
            return fallback;
        }

        return TimeSpan.FromSeconds(value);
    }
}

/// <summary>Checks the options at start, so a bad setting stops the app before it serves anything.</summary>
internal sealed class WorkspaceOptionsValidator : IValidateOptions<MoleculeWorkspaceOptions>
{
    public ValidateOptionsResult Validate(string? name, MoleculeWorkspaceOptions options)
    {
        try
        {
            WorkspaceSettings.Resolve(options);
            return ValidateOptionsResult.Success;
        }
        catch (MoleculeWorkspaceConfigurationException ex)
        {
            return ValidateOptionsResult.Fail(ex.Message);
        }
    }
}
