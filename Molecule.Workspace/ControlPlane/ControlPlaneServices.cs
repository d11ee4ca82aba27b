using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Molecule.Platform.Client;
using Molecule.Workspace.Agent;
using Molecule.Workspace.Agent.Tasks;

namespace Molecule.Workspace.ControlPlane;

public static class ControlPlaneServices
{
    public const string PlatformHttpClient = "platform";

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
    public static IHostApplicationBuilder AddControlPlane(this IHostApplicationBuilder builder)
    {
        var settings = builder.GetWorkspaceSettings();

#pragma warning disable EXTEXP0001 // RemoveAllResilienceHandlers is experimental in Microsoft.Extensions.Http.Resilience 10.11.0
        // The loop owns the contract's retry schedule (backoff, jitter, Retry-After); a second retry layer would break it.
        builder.Services.AddHttpClient(PlatformHttpClient).RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001

        builder.Services.AddSingleton(_ => OpenTokenStore(settings));
        builder.Services.AddSingleton(sp => new HeartbeatLoop(settings.PlatformUrl.AbsoluteUri, settings.WorkspaceId, new HeartbeatLoopOptions
        {
            Tokens = sp.GetRequiredService<TokenStore>(),
            Interval = settings.HeartbeatInterval,
            HttpClient = sp.GetRequiredService<IHttpClientFactory>().CreateClient(PlatformHttpClient),
            TimeProvider = sp.GetRequiredService<TimeProvider>(),
            Logger = sp.GetRequiredService<ILoggerFactory>().CreateLogger("Molecule.Workspace.ControlPlane"),
            Registration = new RegistrationInfo(settings.AgentUrl, () => sp.GetRequiredService<AgentCard>().CombinedJson),
        }));
        builder.Services.Replace(ServiceDescriptor.Singleton<IAgentActivitySink, HeartbeatActivitySink>());
        builder.Services.AddSingleton<WorkspaceSnapshotStore>();
        builder.Services.AddHostedService<WorkspaceLifecycle>();
        builder.Services.Configure<HostOptions>(options => options.ShutdownTimeout = settings.ShutdownGrace + TimeSpan.FromSeconds(2));
        builder.Services.AddHealthChecks().AddCheck<PlatformHealthCheck>("platform", tags: ["ready"]);
        return builder;
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
