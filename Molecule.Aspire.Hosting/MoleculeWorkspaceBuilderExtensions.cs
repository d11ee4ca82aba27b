using System.Security.Cryptography;
using System.Text;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Aspire.Hosting;

/// <summary>Makes projects and containers Molecule workspaces on a platform.</summary>
public static class MoleculeWorkspaceBuilderExtensions
{
    /// <summary>The port the guide's workspace images listen on.</summary>
    public const int ContainerPort = 8000;

    /// <summary>
    /// Makes the resource a workspace on <paramref name="platform"/>: the platform knows it from the start (seeded with
    /// its id and name), and the resource gets <c>PLATFORM_URL</c>, <c>WORKSPACE_ID</c>, <c>PORT</c>, <c>AGENT_URL</c>,
    /// <c>AGENT_NAME</c> and (for projects) <c>CONFIGS_DIR</c> under the AppHost's <c>.molecule/configs</c>, where the
    /// token the platform issues on the first registration is kept. Its health is its agent card; it starts once the
    /// platform is healthy.
    /// </summary>
    /// <typeparam name="T">A project, executable or container.</typeparam>
    /// <param name="builder">The resource.</param>
    /// <param name="platform">The platform it registers with.</param>
    /// <param name="name">Its name on the platform; the resource's name when null.</param>
    /// <param name="workspaceId">Its UUID on the platform; derived from the resource's name (the same on every run) when null.</param>
    /// <param name="configsDirectory">Its <c>CONFIGS_DIR</c> (projects and executables); <c>.molecule/configs/&lt;id&gt;</c> under the AppHost when null.</param>
    /// <returns>The resource.</returns>
    public static IResourceBuilder<T> WithMoleculeWorkspace<T>(this IResourceBuilder<T> builder, IResourceBuilder<MoleculePlatformResource> platform,
        string? name = null, string? workspaceId = null, string? configsDirectory = null)
        where T : IResourceWithEnvironment, IResourceWithEndpoints, IResourceWithWaitSupport
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(platform);
        if (builder.Resource.Annotations.OfType<MoleculeWorkspaceAnnotation>().Any())
        {
            throw new InvalidOperationException($"'{builder.Resource.Name}' is a Molecule workspace already.");
        }

        var id = workspaceId is null ? StableId(builder.Resource.Name)
            : Guid.TryParse(workspaceId, out var parsed) ? parsed.ToString() : throw new ArgumentException($"The workspace id must be a UUID; got '{workspaceId}'.", nameof(workspaceId));
        var workspace = new MoleculeWorkspaceAnnotation(platform.Resource, id, string.IsNullOrWhiteSpace(name) ? builder.Resource.Name : name);
        if (platform.Resource.Workspaces.Any(w => w.WorkspaceId == id))
        {
            throw new InvalidOperationException($"Two workspaces on '{platform.Resource.Name}' have the id {id}.");
        }

        platform.Resource.Workspaces.Add(workspace);
        builder.WithAnnotation(workspace);

        var container = builder.Resource is ContainerResource;
        if (builder.Resource.Annotations.OfType<EndpointAnnotation>().Any(e => e.Name == "http"))
        {
            builder.WithEnvironment("PORT", builder.GetEndpoint("http").Property(EndpointProperty.TargetPort));
        }
        else
        {
            builder.WithHttpEndpoint(targetPort: container ? ContainerPort : null, name: "http", env: "PORT");
        }

        var endpoint = builder.GetEndpoint("http");
        builder.WithEnvironment("PLATFORM_URL", platform.GetEndpoint(MoleculePlatformResource.HttpEndpointName))   // the host gateway name inside containers
            .WithEnvironment("WORKSPACE_ID", id)
            .WithEnvironment("AGENT_NAME", workspace.WorkspaceName)
            .WithHttpHealthCheck("/.well-known/agent-card.json");
        if (platform.Resource.ExistingUrl is null)
        {
            builder.WaitFor(platform);
        }

        // Healthy only when the platform says online (and the dashboard shows the platform's status).
        var online = $"{builder.Resource.Name}_molecule_online";
        var services = builder.ApplicationBuilder.Services;
        services.AddHttpClient(WorkspaceOnPlatformHealthCheck.HttpClientName, client => client.Timeout = TimeSpan.FromSeconds(5));
        var resource = builder.Resource;
        services.AddHealthChecks().Add(new HealthCheckRegistration(online,
            sp => new WorkspaceOnPlatformHealthCheck(resource, workspace, sp.GetRequiredService<IHttpClientFactory>(), sp.GetRequiredService<ResourceNotificationService>()),
            failureStatus: null, tags: null));
        builder.WithHealthCheck(online);
        if (container)
        {
            // The platform runs on the host: it reaches the workspace through the port published on localhost, and the
            // workspace reaches the platform through the host gateway, so the platform listens on every interface itself.
            var published = builder.GetEndpoint("http", KnownNetworkIdentifiers.LocalhostNetwork);
            workspace.AgentUrl = ReferenceExpression.Create($"http://localhost:{published.Property(EndpointProperty.Port)}");
            builder.WithEnvironment("AGENT_URL", workspace.AgentUrl);
            platform.WithEndpoint(MoleculePlatformResource.HttpEndpointName, e => e.IsProxied = false);
        }
        else
        {
            workspace.AgentUrl = ReferenceExpression.Create($"{endpoint}");
            builder.WithEnvironment("AGENT_URL", workspace.AgentUrl)
                .WithEnvironment("CONFIGS_DIR", configsDirectory ?? Path.Combine(builder.ApplicationBuilder.AppHostDirectory, ".molecule", "configs", id));
        }

        WorkspaceCommands.Add(builder, workspace);

        // On an existing platform (AsExisting, before or after this call): created there once, with its own id and token.
        var appHostDirectory = builder.ApplicationBuilder.AppHostDirectory;
        builder.WithEnvironment(async context =>
        {
            if (platform.Resource.ExistingUrl is not null)
            {
                await ExistingPlatform.ApplyAsync(workspace, resource, context, configsDirectory, appHostDirectory).ConfigureAwait(false);
            }
        });
        return builder;
    }

    /// <summary>Makes the workspace a child of <paramref name="parent"/> on the platform: its peers are its siblings and its parent, as in a Molecule team.</summary>
    /// <typeparam name="T">The workspace's resource type.</typeparam>
    /// <param name="builder">The workspace.</param>
    /// <param name="parent">Another workspace on the same platform.</param>
    /// <returns>The workspace.</returns>
    public static IResourceBuilder<T> WithParent<T>(this IResourceBuilder<T> builder, IResourceBuilder<IResource> parent)
        where T : IResource
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(parent);
        var child = WorkspaceOf(builder.Resource);
        var of = WorkspaceOf(parent.Resource);
        if (child.Platform != of.Platform)
        {
            throw new InvalidOperationException($"'{builder.Resource.Name}' and '{parent.Resource.Name}' are workspaces on different platforms.");
        }

        if (child.WorkspaceId == of.WorkspaceId)
        {
            throw new InvalidOperationException($"'{builder.Resource.Name}' cannot be its own parent.");
        }

        child.ParentId = of.WorkspaceId;
        return builder;
    }

    /// <summary>
    /// Adds a workspace container from <paramref name="image"/> (the guide's image, or your own built on it) as a
    /// workspace on <paramref name="platform"/>: <see cref="WithMoleculeWorkspace{T}"/> on a container listening on 8000.
    /// </summary>
    /// <param name="builder">The AppHost's builder.</param>
    /// <param name="name">The resource's (and the workspace's) name.</param>
    /// <param name="image">The image, e.g. <c>registry.example.com/molecule-workspace</c>.</param>
    /// <param name="platform">The platform it registers with.</param>
    /// <param name="tag">The image's tag.</param>
    /// <returns>The container.</returns>
    public static IResourceBuilder<ContainerResource> AddMoleculeWorkspace(this IDistributedApplicationBuilder builder, [ResourceName] string name, string image,
        IResourceBuilder<MoleculePlatformResource> platform, string tag = "latest")
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddContainer(name, image, tag)
            .WithImagePullPolicy(ImagePullPolicy.Missing)
            .WithMoleculeWorkspace(platform);
    }

    /// <summary>
    /// Adds <paramref name="count"/> workspaces from one project (<c>name-1</c> … <c>name-N</c>), each its own workspace
    /// on <paramref name="platform"/> with its own id, folder and token: a team of identical agents.
    /// </summary>
    /// <typeparam name="TProject">The agent's project (<c>Projects.MyAgent</c>).</typeparam>
    /// <param name="builder">The AppHost's builder.</param>
    /// <param name="name">The name the resources share, numbered from 1.</param>
    /// <param name="count">How many (1–50).</param>
    /// <param name="platform">The platform they register with.</param>
    /// <returns>The workspaces, in order, for further settings (<c>WithParent</c>, environment).</returns>
    public static IReadOnlyList<IResourceBuilder<ProjectResource>> AddMoleculeWorkspaces<TProject>(this IDistributedApplicationBuilder builder, string name, int count,
        IResourceBuilder<MoleculePlatformResource> platform)
        where TProject : IProjectMetadata, new()
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, 50);
        return [.. Enumerable.Range(1, count).Select(i => builder.AddProject<TProject>($"{name}-{i}").WithMoleculeWorkspace(platform))];
    }

    /// <summary>The workspace's id on the platform, for a resource made a workspace with <see cref="WithMoleculeWorkspace{T}"/>.</summary>
    /// <param name="resource">The resource.</param>
    /// <returns>Its id.</returns>
    public static string GetMoleculeWorkspaceId(this IResource resource) => WorkspaceOf(resource).WorkspaceId;

    private static MoleculeWorkspaceAnnotation WorkspaceOf(IResource resource) =>
        resource.Annotations.OfType<MoleculeWorkspaceAnnotation>().SingleOrDefault()
        ?? throw new InvalidOperationException($"'{resource.Name}' is not a Molecule workspace: call WithMoleculeWorkspace(platform) on it first.");

    /// <summary>A UUID from the resource's name: the same workspace (and token, and state) on every run.</summary>
    private static string StableId(string resourceName)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes("molecule-workspace:" + resourceName));
        hash[6] = (byte)((hash[6] & 0x0F) | 0x80);   // version 8 (name-based, custom)
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);   // RFC 9562 variant
        return new Guid(hash.AsSpan(0, 16), bigEndian: true).ToString();
    }
}
