using System.Globalization;
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

var platform = builder.AddMoleculePlatform(ResourceNames.Platform, settings.PlatformPort, adminToken)
    .WithRateLimit(settings.RateLimit)
    .WithLiveness(settings.LivenessTtl, settings.SweepInterval, settings.ExternalStaleAfter);
platform = settings.DataDir is { } dataDir ? platform.WithDataFolder(dataDir) : platform.WithInMemoryState();
if (settings.ExistingPlatform is { } existing)
{
    // A real platform instead of the emulator: each workspace is created there once and reused on later runs.
    platform.AsExisting(existing.AbsoluteUri, adminToken, Path.Combine(settings.ConfigsRoot, "existing-workspaces.json"));
}

var repositoryRoot = Path.GetFullPath(Path.Combine(builder.AppHostDirectory, ".."));
if (settings.ContainerMode && settings.WorkspaceImage is null)
{
    WorkspacePublish.Run(repositoryRoot);   // the Dockerfile copies artifacts/workspace: a fresh self-contained publish
}

for (var i = 0; i < settings.Workspaces; i++)
{
    var name = ResourceNames.WorkspaceAt(i);
    var id = settings.WorkspaceIdAt(i);
    if (settings.ContainerMode)
    {
        // Built from Molecule.Workspace/Dockerfile's jit target on Molecule:BaseImage (the self-contained publish it
        // copies is made once, above), or a ready image (Molecule:WorkspaceImage, e.g. what deploy/build-image.sh builds).
        var container = settings.WorkspaceImage is { } ready
            ? builder.AddContainer(name, ready.Name, ready.Tag).WithImagePullPolicy(ImagePullPolicy.Missing)
            : builder.AddDockerfile(name, repositoryRoot, "Molecule.Workspace/Dockerfile", stage: "jit").WithBuildArg("BASE_IMAGE", settings.BaseImage);
        container.WithMoleculeWorkspace(platform, workspaceId: id)
            .WithEnvironment("HEARTBEAT_INTERVAL_SECONDS", Seconds(settings.HeartbeatInterval));
    }
    else
    {
        builder.AddProject<Projects.Molecule_Workspace>(name)
            .WithMoleculeWorkspace(platform, workspaceId: id, configsDirectory: Path.Combine(settings.ConfigsRoot, id))
            .WithEnvironment("HEARTBEAT_INTERVAL_SECONDS", Seconds(settings.HeartbeatInterval));
    }
}

if (settings.Sample)
{
    // samples/Summarizer: a user's own agent on Molecule.Workspace.AspNetCore, next to the built-in ones.
    builder.AddProject<Projects.Summarizer>(ResourceNames.Sample)
        .WithMoleculeWorkspace(platform, workspaceId: MoleculeSettings.SampleWorkspaceId,
            configsDirectory: Path.Combine(settings.ConfigsRoot, MoleculeSettings.SampleWorkspaceId))
        .WithEnvironment("HEARTBEAT_INTERVAL_SECONDS", Seconds(settings.HeartbeatInterval));
}

builder.Build().Run();
return 0;

static string Seconds(TimeSpan value) => value.TotalSeconds.ToString(CultureInfo.InvariantCulture);
