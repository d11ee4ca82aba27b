using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Molecule.Platform.Client;
using Molecule.Workspace.Card;
using Molecule.Workspace.Tasks;

namespace Molecule.Workspace.ControlPlane;

internal static class ControlPlaneServices
{
    public const string PlatformHttpClient = "platform";

    /// <summary>The client of the agent APIs: retries only what is safe to repeat (GETs), each call bounded by its own timeout.</summary>
    public const string AgentApisHttpClient = "molecule-agent-apis";

    /// <summary>
    /// The token store in <c>CONFIGS_DIR</c>. <c>WORKSPACE_AUTH_TOKEN</c> seeds the file only while it is absent or
    /// empty; the file wins afterwards, so rotations written there survive restarts.
    /// </summary>
    public static TokenStore OpenTokenStore(WorkspaceSettings settings)
    {
        var tokens = new TokenStore(settings.ConfigsDir);
        if (tokens.Current is null && settings.InitialToken is { } token)
        {
            tokens.Save(token);
        }

        return tokens;
    }

    /// <summary>
    /// The control-plane side: token store, the <see cref="HeartbeatLoop"/> (register, heartbeat, recovery), readiness
    /// tied to it, and the graceful shutdown sequence.
    /// </summary>
    public static void AddControlPlane(this IServiceCollection services)
    {
#pragma warning disable EXTEXP0001 // RemoveAllResilienceHandlers is experimental in Microsoft.Extensions.Http.Resilience 10.11.0
        // The loop owns the contract's retry schedule (backoff, jitter, Retry-After); a second retry layer would break it.
        services.AddHttpClient(PlatformHttpClient).RemoveAllResilienceHandlers();
        services.AddHttpClient(AgentApisHttpClient).RemoveAllResilienceHandlers().AddStandardResilienceHandler(resilience =>
        {
            resilience.Retry.DisableForUnsafeHttpMethods();   // a repeated POST could delegate or remember twice
            resilience.AttemptTimeout.Timeout = TimeSpan.FromMinutes(10);   // MoleculePlatform bounds each call itself
            resilience.TotalRequestTimeout.Timeout = TimeSpan.FromMinutes(10);
            resilience.CircuitBreaker.SamplingDuration = TimeSpan.FromMinutes(20);
        });
#pragma warning restore EXTEXP0001
        services.AddSingleton(sp =>
        {
            var settings = sp.GetRequiredService<WorkspaceSettings>();
            return new MoleculePlatform(sp.GetRequiredService<IHttpClientFactory>().CreateClient(AgentApisHttpClient), settings.PlatformUrl, settings.WorkspaceId,
                sp.GetRequiredService<TokenStore>(), sp.GetRequiredService<TimeProvider>());
        });

        services.AddSingleton(sp => new WorkspacePrompt(sp.GetRequiredService<MoleculePlatform>(), sp.GetRequiredService<Runtime.RuntimeConfigSource>(),
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<WorkspacePrompt>>()));
        services.AddSingleton(new DelegationResults());
        services.AddOptions<DelegationResultsOptions>().BindConfiguration(DelegationResultsOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<DelegationResultsOptions>, DelegationResultsOptionsAnnotations>();
        services.AddHostedService<DelegationWatcher>();
        services.AddHostedService<Runtime.SelfPrompts>();
        services.AddSingleton(sp => OpenTokenStore(sp.GetRequiredService<WorkspaceSettings>()));
        services.AddSingleton(sp => CreateHeartbeatLoop(sp, sp.GetRequiredService<WorkspaceSettings>()));
        services.Replace(ServiceDescriptor.Singleton<IAgentActivitySink, HeartbeatActivitySink>());
        services.AddSingleton<WorkspaceSnapshotStore>();
        services.AddHostedService<WorkspaceLifecycle>();
        services.AddOptions<HostOptions>().Configure<IServiceProvider>(ConfigureShutdownTimeout);
        services.AddHealthChecks().AddCheck<PlatformHealthCheck>("platform", tags: ["ready"]);
    }

    /// <summary>The host's stop budget covers the workspace's whole shutdown sequence (invalid settings stop the start anyway).</summary>
    private static void ConfigureShutdownTimeout(HostOptions options, IServiceProvider services)
    {
        try
        {
            options.ShutdownTimeout = services.GetRequiredService<WorkspaceSettings>().ShutdownGrace + TimeSpan.FromSeconds(2);
        }
        catch (OptionsValidationException)
        {
        }
    }

    private static HeartbeatLoop CreateHeartbeatLoop(IServiceProvider sp, WorkspaceSettings settings)
    {
        var card = sp.GetRequiredService<AgentCard>();
        var loop = new HeartbeatLoop(settings.PlatformUrl.AbsoluteUri, settings.WorkspaceId, new HeartbeatLoopOptions
        {
            Tokens = sp.GetRequiredService<TokenStore>(),
            Interval = settings.HeartbeatInterval,
            HttpClient = sp.GetRequiredService<IHttpClientFactory>().CreateClient(PlatformHttpClient),
            TimeProvider = sp.GetRequiredService<TimeProvider>(),
            Logger = sp.GetRequiredService<ILoggerFactory>().CreateLogger("Molecule.Workspace.ControlPlane"),
            Registration = new RegistrationInfo(settings.AgentUrl, () => card.CombinedJson),
            RuntimeMetadata = RuntimeMetadata.Workspace with { IdleTimeoutSeconds = settings.A2AIdleTimeoutSeconds },
        });
        card.Changed += loop.NotifyCardChanged;   // update-card with the new skills, once registered
        return loop;
    }
}

/// <summary>Feeds the heartbeat: active tasks, current task and the rolling error rate.</summary>
internal sealed class HeartbeatActivitySink(HeartbeatLoop loop) : IAgentActivitySink
{
    public void ActiveTasksChanged(int activeTasks, string currentTask)
    {
        loop.ActiveTasks = activeTasks;
        loop.CurrentTask = currentTask;
        loop.NotifyTaskChanged();
    }

    public void UnitCompleted(string? error)
    {
        if (error is null)
        {
            loop.RecordSuccess();
        }
        else
        {
            loop.RecordError(error);
        }
    }
}

/// <summary>Readiness: registered with the platform and heartbeating, or the reason why not.</summary>
internal sealed class PlatformHealthCheck(HeartbeatLoop loop, WorkspaceSettings settings, TimeProvider time) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var status = loop.Status;
        var now = time.GetUtcNow();
        var age = status.LastHeartbeatAt is { } last ? $"{(now - last).TotalSeconds:0} s ago" : "never";
        var retry = status.NextContactAt is { } next && !status.IsHealthy ? $"; next attempt in {Math.Max(0, (next - now).TotalSeconds):0} s" : "";
        var description = status.State switch
        {
            PlatformLinkState.Connected => $"registered with {settings.PlatformUrl}; last heartbeat {age}",
            PlatformLinkState.Starting => $"registering with {settings.PlatformUrl}{retry}",
            _ => $"{status.Reason}; last heartbeat {age}{retry}",
        };
        return Task.FromResult(status.IsHealthy ? HealthCheckResult.Healthy(description) : HealthCheckResult.Unhealthy(description));
    }
}
