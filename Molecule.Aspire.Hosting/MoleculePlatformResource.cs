namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// The Molecule control plane the AppHost's workspaces register with: the platform emulator, started from its build
/// next to the AppHost (<c>molecule-emulator/</c>), with the canvas on its HTTP endpoint.
/// </summary>
public sealed class MoleculePlatformResource : ExecutableResource, IResourceWithServiceDiscovery
{
    /// <summary>The name of the platform's HTTP endpoint.</summary>
    public const string HttpEndpointName = "http";

    internal MoleculePlatformResource(string name, string emulatorDirectory, ParameterResource adminToken)
        : base(name, "dotnet", emulatorDirectory)
    {
        AdminToken = adminToken;
    }

    /// <summary>The admin bearer the platform requires (<c>ADMIN_TOKEN</c>); the dashboard's commands and the testing helpers send it.</summary>
    public ParameterResource AdminToken { get; internal set; }

    /// <summary>The real platform the AppHost uses instead of the emulator (<c>AsExisting</c>), or null when the emulator runs.</summary>
    public Uri? ExistingUrl { get; internal set; }

    /// <summary>Where the workspaces created on an existing platform are remembered (their ids and tokens), so every run reuses them.</summary>
    internal string? ExistingStateFile { get; set; }

    /// <summary>The platform's HTTP endpoint: the agent-facing API, the A2A proxy and the canvas.</summary>
    public EndpointReference HttpEndpoint => new(this, HttpEndpointName);

    /// <summary>The workspaces seeded on the emulator, in the order they were added.</summary>
    internal List<MoleculeWorkspaceAnnotation> Workspaces { get; } = [];
}

/// <summary>Marks a resource as a Molecule workspace on <see cref="Platform"/>, with its id and name there.</summary>
public sealed class MoleculeWorkspaceAnnotation : IResourceAnnotation
{
    internal MoleculeWorkspaceAnnotation(MoleculePlatformResource platform, string workspaceId, string workspaceName)
    {
        Platform = platform;
        WorkspaceId = workspaceId;
        WorkspaceName = workspaceName;
    }

    /// <summary>The platform it registers with.</summary>
    public MoleculePlatformResource Platform { get; }

    /// <summary>Its UUID on the platform (on an existing platform: known once the platform has created it, before the resource starts).</summary>
    public string WorkspaceId { get; internal set; }

    /// <summary>Its name on the platform (the card's name too).</summary>
    public string WorkspaceName { get; }

    /// <summary>The parent workspace's id, when the workspace is a child in a team.</summary>
    public string? ParentId { get; internal set; }

    /// <summary>
    /// The URL it registers with (its <c>AGENT_URL</c>), resolved once its endpoint is allocated: a platform row with
    /// another URL is from an earlier run (the platform's state outlives the AppHost), not from this one.
    /// </summary>
    public ReferenceExpression AgentUrl { get; internal set; } = ReferenceExpression.Create($"");

    /// <summary>
    /// Whether the platform routes to this run's agent: <paramref name="routedUrl"/> is the <c>url</c> of the workspace's
    /// platform row (null when the row carries none, which cannot be judged; empty when a pause, resume or restart
    /// cleared it), <paramref name="agentUrl"/> the resolved <see cref="AgentUrl"/>. A trailing slash and case do not count.
    /// </summary>
    /// <param name="routedUrl">The row's <c>url</c>, or null when the row has no such field.</param>
    /// <param name="agentUrl">This run's <see cref="AgentUrl"/>, resolved.</param>
    public static bool RoutesToAgentUrl(string? routedUrl, string agentUrl)
    {
        ArgumentNullException.ThrowIfNull(agentUrl);
        return routedUrl is null || string.Equals(routedUrl.TrimEnd('/'), agentUrl.TrimEnd('/'), StringComparison.OrdinalIgnoreCase);
    }
}
