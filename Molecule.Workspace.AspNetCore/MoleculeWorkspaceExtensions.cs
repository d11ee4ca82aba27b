using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Molecule.Shared;
using Molecule.Workspace.A2A;
using Molecule.Workspace.Card;
using Molecule.Workspace.ControlPlane;
using Molecule.Workspace.Runtime;
using Molecule.Workspace.Infrastructure;
using Molecule.Workspace.Tasks;
using Molecule.Workspace.Tasks.Journal;

namespace Molecule.Workspace;

/// <summary>Makes an ASP.NET Core app a Molecule workspace.</summary>
public static class MoleculeWorkspaceExtensions
{
    /// <summary>
    /// Adds everything a workspace is except its brain: the agent card, the A2A 1.0/0.3 server, the task store,
    /// registration, token and heartbeat with the platform, readiness on the platform link, and the graceful shutdown
    /// sequence. Settings come from the platform's environment names (<c>WORKSPACE_ID</c>, <c>PLATFORM_URL</c>,
    /// <c>PORT</c>, <c>AGENT_URL</c>, <c>CONFIGS_DIR</c>, …), the <c>Agent</c> section, <c>CONFIGS_DIR/config.yaml</c> and
    /// the workspace's secrets on the platform.
    /// Add the brain on the returned builder: <c>.AddAgent&lt;TAgent&gt;()</c>, <c>.AddChatAgent()</c> or <c>.AddAIAgent(…)</c>.
    /// </summary>
    /// <param name="builder">The app's builder.</param>
    /// <param name="configureCard">Sets the card (name, description, skills) in code, after configuration.</param>
    /// <returns>The workspace builder, to add the agent.</returns>
    public static MoleculeWorkspaceBuilder AddMoleculeWorkspace(this IHostApplicationBuilder builder, Action<AgentOptions>? configureCard = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (builder.Properties.TryGetValue(typeof(MoleculeWorkspaceBuilder), out var existing))
        {
            var added = (MoleculeWorkspaceBuilder)existing;
            return configureCard is null ? added : added.ConfigureCard(configureCard);
        }

        var runtime = RuntimeConfigSource.Add(builder.Configuration, ConfigsDirectory(builder.Configuration));
        if (runtime.Current.A2APort is { } yamlPort && string.IsNullOrEmpty(builder.Configuration["PORT"]))
        {
            builder.Configuration["PORT"] = yamlPort.ToString(System.Globalization.CultureInfo.InvariantCulture);   // a2a.port stands in for an unset PORT
        }

        PortBinding.Apply(builder.Configuration, MoleculeWorkspaceOptions.DefaultPort);
        var secrets = PlatformSecretsConfiguration.Add(builder.Configuration);
        ShowConfigurationErrorsAsOneLine();

        var services = builder.Services;
        services.AddSingleton(runtime);
        services.AddSingleton(secrets);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<IConfigureOptions<MoleculeWorkspaceOptions>, WorkspaceOptionsSetup>();
        services.AddSingleton<IValidateOptions<MoleculeWorkspaceOptions>, WorkspaceOptionsValidator>();
        services.AddOptions<MoleculeWorkspaceOptions>().ValidateOnStart();
        services.AddSingleton(sp => WorkspaceSettings.Resolve(sp.GetRequiredService<IOptions<MoleculeWorkspaceOptions>>().Value));

        services.AddOptions<AgentOptions>()
            .BindConfiguration(AgentOptions.SectionName)
            .Configure<IConfiguration>(ApplyFlatCardSettings)
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<AgentOptions>, AgentOptionsValidator>();
        services.AddOptions<TaskStoreOptions>()
            .BindConfiguration(TaskStoreOptions.SectionName)
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<TaskStoreOptions>, TaskStoreOptionsAnnotations>();

        services.AddSingleton<AgentCard>();
        services.TryAddSingleton<ITaskPersistence>(CreateTaskPersistence);
        services.AddSingleton<TaskManager>();
        services.AddSingleton<A2AMethods>();
        services.AddSingleton<JsonRpcDispatcher>();
        services.AddHostedService<TaskJanitor>();
        services.TryAddSingleton<IAgentActivitySink, NullActivitySink>();
        services.AddControlPlane();
        services.AddHealthChecks().AddCheck("workspace-alive", () => Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult.Healthy(), ["live"]);

        var workspace = new MoleculeWorkspaceBuilder(services, builder.Configuration);
        builder.Properties[typeof(MoleculeWorkspaceBuilder)] = workspace;
        return configureCard is null ? workspace : workspace.ConfigureCard(configureCard);
    }

    /// <summary>
    /// Maps the workspace's endpoints: the agent card at <c>/.well-known/agent-card.json</c> (and the legacy
    /// <c>agent.json</c>), A2A JSON-RPC on <c>POST /</c> and <c>POST /a2a</c>, and <c>/health</c> (readiness, the
    /// platform link) and <c>/alive</c> unless the app maps them already. Checks every setting first: a bad one throws
    /// <see cref="MoleculeWorkspaceConfigurationException"/>, reported as one line when it ends the process.
    /// </summary>
    /// <param name="routes">The app.</param>
    /// <returns>The group holding the card and A2A endpoints, for conventions such as rate limiting.</returns>
    public static RouteGroupBuilder MapMoleculeWorkspace(this IEndpointRouteBuilder routes)
    {
        ArgumentNullException.ThrowIfNull(routes);
        StartupCheck.Run(routes.ServiceProvider);

        var group = routes.MapGroup("");
        group.MapAgentCard();
        group.MapA2A();
        WorkspaceHealthEndpoints.MapIfMissing(routes);
        return group;
    }

    private static ITaskPersistence CreateTaskPersistence(IServiceProvider services) =>
        services.GetRequiredService<IOptions<TaskStoreOptions>>().Value.Durable
            ? new TaskJournal(services.GetRequiredService<WorkspaceSettings>().ConfigsDir, services.GetRequiredService<TimeProvider>(),
                services.GetRequiredService<ILogger<TaskJournal>>())
            : NullTaskPersistence.Instance;

    private static string ConfigsDirectory(IConfiguration configuration)
    {
        var options = new MoleculeWorkspaceOptions();
        WorkspaceOptionsSetup.Bind(configuration, options);
        try
        {
            return WorkspaceSettings.Resolve(options).ConfigsDir;
        }
        catch (MoleculeWorkspaceConfigurationException)
        {
            return options.ConfigsDirectory ?? "";   // reported at start; config.yaml is read only from a valid folder
        }
    }

    private static void ApplyFlatCardSettings(AgentOptions options, IConfiguration configuration)
    {
        options.Name = configuration["AGENT_NAME"] is { Length: > 0 } name ? name : options.Name;
        options.Description = configuration["AGENT_DESCRIPTION"] is { Length: > 0 } description ? description : options.Description;
        options.Version = configuration["AGENT_VERSION"] is { Length: > 0 } version ? version : options.Version;
    }

    private static int _oneLineHandler;

    /// <summary>
    /// A configuration error that ends the process is printed as the one line that names the setting (and exit code 1),
    /// not as an unhandled exception with a stack trace.
    /// </summary>
    private static void ShowConfigurationErrorsAsOneLine()
    {
        if (Interlocked.Exchange(ref _oneLineHandler, 1) == 1)
        {
            return;
        }

        AppDomain.CurrentDomain.UnhandledException += (_, e) =>
        {
            if (e.ExceptionObject is MoleculeWorkspaceConfigurationException error)
            {
                Console.Error.WriteLine($"{AppDomain.CurrentDomain.FriendlyName}: {error.Message}");
                Environment.Exit(1);
            }
        };
    }
}
