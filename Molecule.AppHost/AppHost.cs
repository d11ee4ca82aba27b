using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using Molecule.AppHost;

var builder = DistributedApplication.CreateBuilder(args);
MoleculeSettings settings;
try
{
    settings = MoleculeSettings.From(builder.Configuration, builder.AppHostDirectory);
}
catch (InvalidOperationException ex)
{
    Console.Error.WriteLine($"molecule-apphost: {ex.Message}");   // one line naming the argument, not a stack trace
    return 1;
}

if (settings.ContainerMode && string.IsNullOrEmpty(builder.Configuration["ASPIRE_ENABLE_CONTAINER_TUNNEL"]))
{
    // Aspire's container tunnel pulls a helper image from mcr.microsoft.com, which offline hosts cannot; the workspace
    // container reaches the platform through the host gateway instead (below, the platform listens on every interface).
    builder.Configuration["ASPIRE_ENABLE_CONTAINER_TUNNEL"] = "false";
}

// The admin token: generated per run unless Parameters:admin-token is set, so the local setup exercises auth as production does.
var adminToken = builder.AddParameter(ResourceNames.AdminToken, new GenerateParameterDefault { MinLength = 32, Special = false }, secret: true);

var platform = builder.AddProject<Projects.Molecule_PlatformEmulator>(ResourceNames.Platform)
    // Proxied in project mode so tests can randomise the port. In container mode the emulator binds the port itself
    // on every interface (PORT ⇒ http://*:PORT), which is what makes it reachable from the container network.
    .WithHttpEndpoint(port: settings.PlatformPort, env: "PORT", isProxied: !settings.ContainerMode)
    .WithEnvironment("ADMIN_TOKEN", adminToken)
    .WithEnvironment("RATE_LIMIT", settings.RateLimit.ToString(CultureInfo.InvariantCulture))
    .WithEnvironment("Emulator__Liveness__TtlSeconds", Seconds(settings.LivenessTtl))
    .WithEnvironment("Emulator__Liveness__SweepIntervalSeconds", Seconds(settings.SweepInterval))
    .WithEnvironment("REMOTE_LIVENESS_STALE_AFTER", Seconds(settings.ExternalStaleAfter))
    .WithHttpHealthCheck("/health")
    .WithUrlForEndpoint("http", url => url.DisplayText = "Canvas");   // GET / is the emulator's live canvas

if (settings.DataDir is { } dataDir)
{
    // State survives AppHost restarts; the Reset command below clears it.
    platform.WithEnvironment("Emulator__DataDir", dataDir);
}

for (var i = 0; i < settings.Workspaces; i++)
{
    // Seed the emulator with each workspace (runtime external), so nobody has to POST /workspaces first.
    var id = settings.WorkspaceIdAt(i);
    platform.WithEnvironment($"Emulator__Seeds__{i}__Id", id)
        .WithEnvironment($"Emulator__Seeds__{i}__Name", ResourceNames.WorkspaceAt(i))
        .WithEnvironment($"Emulator__Seeds__{i}__Runtime", "external");
}

if (settings.Sample)
{
    platform.WithEnvironment($"Emulator__Seeds__{settings.Workspaces}__Id", MoleculeSettings.SampleWorkspaceId)
        .WithEnvironment($"Emulator__Seeds__{settings.Workspaces}__Name", ResourceNames.Sample)
        .WithEnvironment($"Emulator__Seeds__{settings.Workspaces}__Runtime", "external");
}

platform
    .WithHttpCommand("/_emulator/faults", "Fail heartbeats", commandName: "fail-heartbeats", commandOptions: AdminCommand(adminToken,
        """{"id":"dashboard-heartbeats","method":"POST","path":"/registry/heartbeat","kind":"status","status":503}""",
        "Heartbeats answer 503 until the faults are cleared: watch the workspaces back off and recover.", "HeartBroken"))
    .WithHttpCommand("/_emulator/faults", "Slow A2A (2 s)", commandName: "slow-a2a", commandOptions: AdminCommand(adminToken,
        """{"id":"dashboard-slow-a2a","method":"POST","path":"/workspaces/*/a2a","kind":"latency","latency_ms":2000}""",
        "Adds 2 s of latency to every A2A call through the proxy.", "Timer"))
    .WithHttpCommand("/_emulator/faults", "Clear faults", commandName: "clear-faults", commandOptions: AdminCommand(adminToken, null,
        "Removes every injected fault.", "Broom", HttpMethod.Delete))
    .WithHttpCommand("/_emulator/outage", "Simulate outage", commandName: "outage", commandOptions: AdminCommand(adminToken, "{}",
        "Forgets every workspace and token, as a platform restart with lost state would: the workspaces re-register.", "PlugDisconnected"))
    .WithHttpCommand("/_emulator/reset", "Reset", commandName: "reset", commandOptions: AdminCommand(adminToken, "{}",
        "Clears everything and re-applies the seeded workspaces.", "ArrowReset"));

var repositoryRoot = Path.GetFullPath(Path.Combine(builder.AppHostDirectory, ".."));
if (settings.ContainerMode && settings.WorkspaceImage is null)
{
    WorkspacePublish.Run(repositoryRoot);   // the Dockerfile copies artifacts/workspace: a fresh self-contained publish
}

for (var i = 0; i < settings.Workspaces; i++)
{
    var name = ResourceNames.WorkspaceAt(i);
    var id = settings.WorkspaceIdAt(i);
    IResourceBuilder<IResourceWithEnvironment> workspace;
    EndpointReference endpoint;
    if (settings.ContainerMode)
    {
        // Built from Molecule.Workspace/Dockerfile on Molecule:BaseImage (the self-contained publish it copies is made
        // once, above), or a ready image (Molecule:WorkspaceImage, e.g. what deploy/build-image.sh builds).
        IResourceBuilder<ContainerResource> image = settings.WorkspaceImage is { } ready
            ? builder.AddContainer(name, ready.Name, ready.Tag).WithImagePullPolicy(ImagePullPolicy.Missing)
            : builder.AddDockerfile(name, repositoryRoot, "Molecule.Workspace/Dockerfile").WithBuildArg("BASE_IMAGE", settings.BaseImage);
        var container = image
            .WithHttpEndpoint(targetPort: 8000, env: "PORT")
            .WithHttpHealthCheck("/.well-known/agent-card.json")
            .WaitFor(platform);
        endpoint = container.GetEndpoint("http");
        workspace = container;
        // From inside the container the platform is on the host: Aspire resolves the endpoint through the host gateway name.
        container.WithEnvironment("PLATFORM_URL", platform.GetEndpoint("http"));
        // The emulator runs on the host: it reaches the workspace through the port published on localhost.
        var published = container.GetEndpoint("http", KnownNetworkIdentifiers.LocalhostNetwork);
        container.WithEnvironment("AGENT_URL", ReferenceExpression.Create($"http://localhost:{published.Property(EndpointProperty.Port)}"));
    }
    else
    {
        var project = builder.AddProject<Projects.Molecule_Workspace>(name)
            .WithHttpEndpoint(env: "PORT")
            .WithHttpHealthCheck("/.well-known/agent-card.json")
            .WaitFor(platform);
        endpoint = project.GetEndpoint("http");
        workspace = project;
        project.WithEnvironment("PLATFORM_URL", platform.GetEndpoint("http"));
        project.WithEnvironment("AGENT_URL", endpoint);
        project.WithEnvironment("CONFIGS_DIR", Path.Combine(settings.ConfigsRoot, id));
    }

    workspace.WithEnvironment("WORKSPACE_ID", id)
        .WithEnvironment("HEARTBEAT_INTERVAL_SECONDS", Seconds(settings.HeartbeatInterval))
        .WithEnvironment("AGENT_NAME", name);
}

if (settings.Sample)
{
    // samples/Summarizer: a user's own agent on Molecule.Workspace.AspNetCore, next to the built-in ones.
    var sample = builder.AddProject<Projects.Summarizer>(ResourceNames.Sample)
        .WithHttpEndpoint(env: "PORT")
        .WithHttpHealthCheck("/.well-known/agent-card.json")
        .WaitFor(platform);
    sample.WithEnvironment("PLATFORM_URL", platform.GetEndpoint("http"))
        .WithEnvironment("AGENT_URL", sample.GetEndpoint("http"))
        .WithEnvironment("WORKSPACE_ID", MoleculeSettings.SampleWorkspaceId)
        .WithEnvironment("CONFIGS_DIR", Path.Combine(settings.ConfigsRoot, MoleculeSettings.SampleWorkspaceId))
        .WithEnvironment("HEARTBEAT_INTERVAL_SECONDS", Seconds(settings.HeartbeatInterval));
}

builder.Build().Run();
return 0;

static string Seconds(TimeSpan value) => value.TotalSeconds.ToString(CultureInfo.InvariantCulture);

static HttpCommandOptions AdminCommand(IResourceBuilder<ParameterResource> adminToken, string? body, string description, string icon, HttpMethod? method = null) => new()
{
    Method = method ?? HttpMethod.Post,
    Description = description,
    IconName = icon,
    PrepareRequest = async context =>
    {
        var token = await adminToken.Resource.GetValueAsync(context.CancellationToken);
        context.Request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (body is not null)
        {
            context.Request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }
    },
};
