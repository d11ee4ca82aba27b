using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;

namespace Aspire.Hosting;

/// <summary>How closely the emulator follows the real platform where the two differ (<c>Emulator:Fidelity</c>).</summary>
public enum MoleculeFidelity
{
    /// <summary>The real platform's answers, with the documented fixes where it is wrong (the default).</summary>
    Compatible,

    /// <summary>Exactly the real platform's answers, quirks included: what a test standing in for production wants.</summary>
    Strict,
}

/// <summary>Adds the Molecule platform to an AppHost.</summary>
public static class MoleculePlatformBuilderExtensions
{
    /// <summary>The emulator's folder next to the running program, where it is looked for last.</summary>
    public const string EmulatorFolderName = "molecule-emulator";

    private const string EmulatorAssembly = "Molecule.PlatformEmulator.dll";

    /// <summary>
    /// Adds the Molecule platform: the emulator, started from the build this package ships (no source tree, no container
    /// runtime), on <paramref name="port"/> with the admin token <paramref name="adminToken"/> (generated once and kept
    /// in the AppHost's user secrets when null), its canvas linked from the dashboard, its state kept in
    /// <c>.molecule/&lt;name&gt;</c> under the AppHost (so it survives restarts; the Reset command clears it), and the
    /// dashboard commands to inject faults, simulate an outage and reset.
    /// </summary>
    /// <param name="builder">The AppHost's builder.</param>
    /// <param name="name">The resource's name.</param>
    /// <param name="port">The port it listens on (the platform's usual 8080); null for one Aspire picks.</param>
    /// <param name="adminToken">The admin bearer (<c>ADMIN_TOKEN</c>); null to generate one, stable across runs.</param>
    /// <returns>The platform, for its options and to give to <c>WithMoleculeWorkspace</c>.</returns>
    public static IResourceBuilder<MoleculePlatformResource> AddMoleculePlatform(this IDistributedApplicationBuilder builder, [ResourceName] string name,
        int? port = 8080, IResourceBuilder<ParameterResource>? adminToken = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var token = adminToken ?? builder.AddParameter($"{name}-admin-token", new GenerateParameterDefault { MinLength = 32, Special = false }, secret: true, persist: true);
        var directory = EmulatorDirectory(builder);
        var assembly = Path.Combine(directory, EmulatorAssembly);
        if (builder.ExecutionContext.IsRunMode && !File.Exists(assembly))
        {
            throw new DistributedApplicationException(
                $"The Molecule platform emulator is not at {assembly}: the Molecule.Aspire.Hosting package writes its location into the AppHost when it builds. Rebuild the AppHost, or set Molecule:EmulatorDirectory.");
        }

        var platform = new MoleculePlatformResource(name, directory, token.Resource);
        return builder.AddResource(platform)
            .WithArgs(assembly)
            .WithHttpEndpoint(port: port, env: "PORT", name: MoleculePlatformResource.HttpEndpointName)
            .WithEnvironment("ADMIN_TOKEN", token)
            .WithEnvironment(context =>
            {
                // Every workspace the AppHost declares exists on the platform from the start: nobody POSTs /workspaces first.
                for (var i = 0; i < platform.Workspaces.Count; i++)
                {
                    var workspace = platform.Workspaces[i];
                    context.EnvironmentVariables[$"Emulator__Seeds__{i}__Id"] = workspace.WorkspaceId;
                    context.EnvironmentVariables[$"Emulator__Seeds__{i}__Name"] = workspace.WorkspaceName;
                    context.EnvironmentVariables[$"Emulator__Seeds__{i}__Runtime"] = "external";
                    if (workspace.ParentId is { } parent)
                    {
                        context.EnvironmentVariables[$"Emulator__Seeds__{i}__ParentId"] = parent;
                    }
                }
            })
            .WithOtlpExporter()
            .WithHttpHealthCheck("/health")
            .WithUrlForEndpoint(MoleculePlatformResource.HttpEndpointName, url => url.DisplayText = "Canvas")   // GET / is the canvas
            .WithUrls(async context =>
            {
                // The canvas, signed in: the admin token travels in the URL's fragment, which no server (and no server log) sees.
                var canvas = context.Urls.FirstOrDefault(u => u.Endpoint?.EndpointName == MoleculePlatformResource.HttpEndpointName);
                if (canvas is not null)
                {
                    var token = await platform.AdminToken.GetValueAsync(context.CancellationToken).ConfigureAwait(false);
                    context.Urls.Add(new ResourceUrlAnnotation
                    {
                        Url = $"{canvas.Url.TrimEnd('/')}/#admin-token={Uri.EscapeDataString(token ?? "")}",
                        DisplayText = "Canvas (signed in)",
                        Endpoint = canvas.Endpoint,
                    });
                }
            })
            .WithDataFolder(Path.Combine(builder.AppHostDirectory, ".molecule", name))
            .WithPlatformCommands();
    }

    /// <summary>
    /// The emulator's build: <c>Molecule:EmulatorDirectory</c> in the AppHost's configuration, else the folder the
    /// package's build targets wrote into the AppHost assembly (its own copy in the package), else
    /// <c>molecule-emulator/</c> next to the running program.
    /// </summary>
    private static string EmulatorDirectory(IDistributedApplicationBuilder builder)
    {
        if (builder.Configuration["Molecule:EmulatorDirectory"] is { Length: > 0 } configured)
        {
            return Path.GetFullPath(configured);
        }

        var written = builder.AppHostAssembly?.GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), inherit: false)
            .OfType<System.Reflection.AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "MoleculeEmulatorDirectory")?.Value;
        return written is { Length: > 0 } ? written : Path.Combine(AppContext.BaseDirectory, EmulatorFolderName);
    }

    /// <summary>
    /// Points the AppHost at an existing Molecule platform instead of the emulator: the emulator does not run, and each
    /// workspace is created there once as an external workspace with <paramref name="adminToken"/> (the deployment
    /// guide's Step 1), its id and token kept in <paramref name="stateFile"/> (owner-only; default
    /// <c>.molecule/&lt;name&gt;/existing-workspaces.json</c> under the AppHost) so later runs reuse it. The workspaces
    /// get the platform's URL, their id and their token; their health follows the platform's status as before.
    /// </summary>
    /// <param name="builder">The platform.</param>
    /// <param name="url">The platform's URL, e.g. <c>https://molecule.example.com</c>.</param>
    /// <param name="adminToken">Its admin token (a secret parameter).</param>
    /// <param name="stateFile">Where the created workspaces are remembered.</param>
    /// <returns>The platform.</returns>
    public static IResourceBuilder<MoleculePlatformResource> AsExisting(this IResourceBuilder<MoleculePlatformResource> builder, string url,
        IResourceBuilder<ParameterResource> adminToken, string? stateFile = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(adminToken);
        if (!Uri.TryCreate(url?.TrimEnd('/'), UriKind.Absolute, out var platformUrl) || platformUrl.Scheme is not ("http" or "https"))
        {
            throw new ArgumentException($"The platform's URL must be an absolute http(s) URL; got '{url}'.", nameof(url));
        }

        var platform = builder.Resource;
        var application = builder.ApplicationBuilder;
        if (platform.AdminToken != adminToken.Resource && platform.AdminToken.Name == $"{platform.Name}-admin-token")
        {
            application.Resources.Remove(platform.AdminToken);   // the emulator's generated token is not needed
        }

        platform.AdminToken = adminToken.Resource;
        platform.ExistingUrl = platformUrl;
        platform.ExistingStateFile = Path.GetFullPath(stateFile ?? Path.Combine(application.AppHostDirectory, ".molecule", platform.Name, "existing-workspaces.json"));
        application.Services.AddHttpClient(ExistingPlatform.HttpClientName, client => client.Timeout = TimeSpan.FromSeconds(30));

        // The emulator is not started, and nothing waits for it.
        application.Resources.Remove(platform);
        foreach (var workspace in application.Resources)
        {
            foreach (var wait in workspace.Annotations.OfType<WaitAnnotation>().Where(w => w.Resource == platform).ToArray())
            {
                workspace.Annotations.Remove(wait);
            }
        }

        return builder;
    }

    /// <summary>Keeps the platform's state (workspaces, tokens, memories, secrets, delegations) in <paramref name="path"/>, so it survives AppHost restarts.</summary>
    /// <param name="builder">The platform.</param>
    /// <param name="path">The folder (created when missing).</param>
    /// <returns>The platform.</returns>
    public static IResourceBuilder<MoleculePlatformResource> WithDataFolder(this IResourceBuilder<MoleculePlatformResource> builder, string path)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        return builder.WithAnnotation(new DataFolderAnnotation(Path.GetFullPath(path)), ResourceAnnotationMutationBehavior.Replace)
            .WithEnvironment(context =>
            {
                if (builder.Resource.Annotations.OfType<DataFolderAnnotation>().LastOrDefault() is { Path: { } folder })
                {
                    context.EnvironmentVariables["Emulator__DataDir"] = folder;
                }
            });
    }

    /// <summary>Keeps the platform's state in memory only: every AppHost run starts from an empty platform (and the declared workspaces).</summary>
    /// <param name="builder">The platform.</param>
    /// <returns>The platform.</returns>
    public static IResourceBuilder<MoleculePlatformResource> WithInMemoryState(this IResourceBuilder<MoleculePlatformResource> builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.WithAnnotation(new DataFolderAnnotation(null), ResourceAnnotationMutationBehavior.Replace);
    }

    /// <summary>How closely the emulator follows the real platform (<see cref="MoleculeFidelity.Compatible"/> by default).</summary>
    /// <param name="builder">The platform.</param>
    /// <param name="fidelity">The fidelity.</param>
    /// <returns>The platform.</returns>
    public static IResourceBuilder<MoleculePlatformResource> WithFidelity(this IResourceBuilder<MoleculePlatformResource> builder, MoleculeFidelity fidelity)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.WithEnvironment("Emulator__Fidelity", fidelity.ToString());
    }

    /// <summary>The platform's per-client rate limit in requests per minute (<c>RATE_LIMIT</c>); 0 turns it off.</summary>
    /// <param name="builder">The platform.</param>
    /// <param name="requestsPerMinute">The limit; 0 for none.</param>
    /// <returns>The platform.</returns>
    public static IResourceBuilder<MoleculePlatformResource> WithRateLimit(this IResourceBuilder<MoleculePlatformResource> builder, int requestsPerMinute)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentOutOfRangeException.ThrowIfNegative(requestsPerMinute);
        return builder.WithEnvironment("RATE_LIMIT", requestsPerMinute.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// The liveness timers: a workspace without a heartbeat for <paramref name="ttl"/> goes offline (checked every
    /// <paramref name="sweepInterval"/>), an external one after <paramref name="externalStaleAfter"/>. Shorten them to
    /// see the platform react quickly; the platform's own are 180 s, 15 s and 90 s.
    /// </summary>
    /// <param name="builder">The platform.</param>
    /// <param name="ttl">The liveness TTL.</param>
    /// <param name="sweepInterval">How often it is checked.</param>
    /// <param name="externalStaleAfter">When an external workspace counts as gone.</param>
    /// <returns>The platform.</returns>
    public static IResourceBuilder<MoleculePlatformResource> WithLiveness(this IResourceBuilder<MoleculePlatformResource> builder, TimeSpan ttl, TimeSpan sweepInterval,
        TimeSpan externalStaleAfter)
    {
        ArgumentNullException.ThrowIfNull(builder);
        foreach (var (value, what) in new[] { (ttl, nameof(ttl)), (sweepInterval, nameof(sweepInterval)), (externalStaleAfter, nameof(externalStaleAfter)) })
        {
            if (value < TimeSpan.FromSeconds(1))
            {
                throw new ArgumentOutOfRangeException(what, value, "Liveness timers are whole seconds, at least 1.");
            }
        }

        return builder.WithEnvironment("Emulator__Liveness__TtlSeconds", Seconds(ttl))
            .WithEnvironment("Emulator__Liveness__SweepIntervalSeconds", Seconds(sweepInterval))
            .WithEnvironment("REMOTE_LIVENESS_STALE_AFTER", Seconds(externalStaleAfter));
    }

    private static IResourceBuilder<MoleculePlatformResource> WithPlatformCommands(this IResourceBuilder<MoleculePlatformResource> platform)
    {
        var token = platform.Resource.AdminToken;
        return platform
            .WithHttpCommand("/_emulator/faults", "Fail heartbeats", commandName: "fail-heartbeats", commandOptions: AdminCommand(token,
                """{"id":"dashboard-heartbeats","method":"POST","path":"/registry/heartbeat","kind":"status","status":503}""",
                "Heartbeats answer 503 until the faults are cleared: watch the workspaces back off and recover.", "HeartBroken"))
            .WithHttpCommand("/_emulator/faults", "Slow A2A (2 s)", commandName: "slow-a2a", commandOptions: AdminCommand(token,
                """{"id":"dashboard-slow-a2a","method":"POST","path":"/workspaces/*/a2a","kind":"latency","latency_ms":2000}""",
                "Adds 2 s of latency to every A2A call through the proxy.", "Timer"))
            .WithHttpCommand("/_emulator/faults", "Clear faults", commandName: "clear-faults", commandOptions: AdminCommand(token, null,
                "Removes every injected fault.", "Broom", HttpMethod.Delete))
            .WithHttpCommand("/_emulator/outage", "Simulate outage", commandName: "outage", commandOptions: AdminCommand(token, "{}",
                "Forgets every workspace and token, as a platform restart with lost state would: the workspaces re-register.", "PlugDisconnected"))
            .WithHttpCommand("/_emulator/reset", "Reset", commandName: "reset", commandOptions: AdminCommand(token, "{}",
                "Clears everything, the data folder included, and re-applies the declared workspaces.", "ArrowReset"));
    }

    /// <summary>A dashboard command that calls the platform with its admin bearer.</summary>
    internal static HttpCommandOptions AdminCommand(ParameterResource adminToken, string? body, string description, string icon, HttpMethod? method = null) => new()
    {
        Method = method ?? HttpMethod.Post,
        Description = description,
        IconName = icon,
        PrepareRequest = async context =>
        {
            var token = await adminToken.GetValueAsync(context.CancellationToken).ConfigureAwait(false);
            context.Request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            if (body is not null)
            {
                context.Request.Content = new StringContent(body, Encoding.UTF8, "application/json");
            }
        },
    };

    private static string Seconds(TimeSpan value) => ((long)value.TotalSeconds).ToString(CultureInfo.InvariantCulture);

    private sealed record DataFolderAnnotation(string? Path) : IResourceAnnotation;
}
