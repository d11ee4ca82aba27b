using Molecule.PlatformEmulator.Auth;
using Molecule.PlatformEmulator.Events;
using Molecule.PlatformEmulator.Faults;
using Molecule.PlatformEmulator.Infrastructure;
using Molecule.PlatformEmulator.Liveness;
using Molecule.PlatformEmulator.State;
using Molecule.PlatformEmulator.Workspaces;
using Molecule.Shared;
using OpenTelemetry.Metrics;

namespace Molecule.PlatformEmulator;

public static partial class EmulatorServices
{
    /// <summary>State, auth, events, liveness, the A2A forwarder, fault injection and Prometheus metrics.</summary>
    public static IHostApplicationBuilder AddPlatformEmulator(this IHostApplicationBuilder builder)
    {
        var options = EmulatorOptions.Load(builder.Configuration);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton<EmulatorMetrics>();
        builder.Services.ConfigureHttpJsonOptions(json =>
        {
            // Typed results write the contract's JSON: the records' snake_case names, nulls written, Go's escaping.
            json.SerializerOptions.TypeInfoResolverChain.Insert(0, EmulatorJson.Default);
            json.SerializerOptions.PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.SnakeCaseLower;
            json.SerializerOptions.Encoder = Contract.WireOptions.Encoder;
            // Answers embed what agents sent (a card may nest 64 levels, the reading limit) a few levels deeper.
            json.SerializerOptions.MaxDepth = Contract.WireOptions.MaxDepth;
        });
        builder.Services.AddSingleton<TokenRegistry>();
        builder.Services.AddSingleton<PlatformState>();
        builder.Services.AddSingleton<PlatformAuth>();
        builder.Services.AddSingleton<EventBus>();
        builder.Services.AddSingleton<WorkspaceService>();
        builder.Services.AddEmulatorStore<ActivityLog>();
        builder.Services.AddEmulatorStore<Memories.MemoryStore>();
        builder.Services.AddEmulatorStore<Memories.KeyValueMemory>();
        builder.Services.AddEmulatorStore<Secrets.SecretStore>();
        builder.Services.AddEmulatorStore<Instructions.InstructionStore>();
        builder.Services.AddEmulatorStore<Chat.ChatFileStore>();
        builder.Services.AddSingleton<Chat.UserMessages>();
        builder.Services.AddSingleton<Mcp.McpRateLimiter>();
        builder.Services.AddEmulatorStore<Lifecycle.WorkspaceConfigStore>();
        builder.Services.AddEmulatorStore<Canvas.ViewportStore>();
        builder.Services.AddSingleton<Mcp.McpTools>();
        builder.Services.AddEmulatorStore<Approvals.ApprovalStore>();
        builder.Services.AddSingleton<FaultStore>();
        builder.Services.AddSingleton<Proxy.A2AQueue>();
#pragma warning disable EXTEXP0001 // RemoveAllResilienceHandlers is experimental in Microsoft.Extensions.Http.Resilience 10.11.0
        builder.Services.AddHttpClient(Proxy.A2AQueue.HttpClientName, client => client.Timeout = TimeSpan.FromMinutes(5))
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false, UseCookies = false })
            .RemoveAllResilienceHandlers();   // the queue counts its own attempts
        builder.Services.AddSingleton<Proxy.PlatformA2A>();
        builder.Services.AddHttpClient(Proxy.PlatformA2A.HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan)   // bounded by each caller's deadline
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false, UseCookies = false })
            .RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001
        builder.Services.AddSingleton<Delegations.DelegationService>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<Delegations.DelegationService>());
        builder.Services.AddSingleton<Persistence.StateFolder>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<Persistence.StateFolder>());
        builder.Services.AddSingleton<Registry.UrlPolicy>();
        builder.Services.AddHostedService<LivenessMonitor>();
        builder.Services.AddCors(cors => cors.AddDefaultPolicy(policy => policy
            .WithOrigins([.. options.CorsOrigins])
            .WithMethods("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
            .WithHeaders("Origin", "Content-Type", "X-Workspace-ID", "Authorization")
            .AllowCredentials()));
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(EmulatorMetrics.MeterName)
            .AddView(instrument => EmulatorMetrics.IsUncollected(instrument) ? MetricStreamConfiguration.Drop : null)
            .AddPrometheusExporter());

        // PORT (default 8080) unless ASP.NET Core's own URL settings say otherwise (the AppHost, tests).
        if (PortBinding.Read(builder.Configuration).Error is { } portError)
        {
            throw new EmulatorConfigurationException(portError);
        }

        PortBinding.Apply(builder.Configuration, defaultPort: 8080);

        return builder;
    }

    /// <summary>A store of platform state, registered once and cleared with the rest by <c>POST /_emulator/reset</c>.</summary>
    private static void AddEmulatorStore<TStore>(this IServiceCollection services)
        where TStore : class, IEmulatorStore
    {
        services.AddSingleton<TStore>();
        services.AddSingleton<IEmulatorStore>(sp => sp.GetRequiredService<TStore>());
    }

    public static WebApplication UsePlatformEmulator(this WebApplication app)
    {
        app.UseMiddleware<BodyLimitMiddleware>();
        app.UseMiddleware<RateLimitMiddleware>();
        app.UseCors();
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(30) });
        app.UseMiddleware<FaultInjectionMiddleware>();
        app.Services.GetRequiredService<Persistence.StateFolder>().Load();   // before the seeds, which skip what it restored
        app.Services.GetRequiredService<WorkspaceService>().ApplySeeds();
        app.Lifetime.ApplicationStarted.Register(() => PrintBanner(app));
        return app;
    }

    private static void PrintBanner(WebApplication app)
    {
        var options = app.Services.GetRequiredService<EmulatorOptions>();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Molecule.PlatformEmulator");
        var url = options.ExternalPlatformUrl ?? app.Urls.FirstOrDefault()?.Replace("://*", "://localhost", StringComparison.Ordinal).Replace("://[::]", "://localhost", StringComparison.Ordinal) ?? "http://localhost:8080";
        var auth = options.AdminToken is not null ? "on (ADMIN_TOKEN set: send 'Authorization: Bearer <ADMIN_TOKEN>')"
            : options.IsDevMode ? "off (dev mode)" : "fail-open until the first workspace token exists";
        var seeds = options.Seeds.Count == 0 ? "none" : string.Join(", ", options.Seeds.Select(s => $"{s.Name} ({s.Id})"));
        var header = options.AdminToken is not null ? " -H 'Authorization: Bearer $ADMIN_TOKEN'" : "";
        var fidelity = options.Strict
            ? $"Strict (the real platform's quirks and URL policy{(options.UrlSafety == "Local" ? ", except UrlSafety=Local" : "")})"
            : "Compatible";
        LogBanner(logger, url, auth, fidelity, seeds,
            $"curl -X POST {url}/workspaces{header} -H 'Content-Type: application/json' -d '{{\"name\":\"my-agent\",\"runtime\":\"external\"}}'");
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message =
        "Molecule platform emulator listening at {Url}\n  canvas: {Url}/\n  auth: {Auth}\n  fidelity: {Fidelity}\n  seeded workspaces: {Seeds}\n  create a workspace: {CurlLine}")]
    private static partial void LogBanner(ILogger logger, string url, string auth, string fidelity, string seeds, string curlLine);
}
