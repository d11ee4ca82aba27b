using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Molecule.Shared;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// What every Molecule service shares: OpenTelemetry, health endpoints, service discovery and resilient HttpClients.
/// </summary>
public static class Extensions
{
    /// <summary>Path of the liveness endpoint (only checks tagged "live").</summary>
    public const string AlivePath = "/alive";

    /// <summary>Path of the readiness endpoint (every check).</summary>
    public const string HealthPath = "/health";

    /// <summary>Prefix of every ActivitySource and Meter the project owns.</summary>
    public const string TelemetryPrefix = "Molecule.";

    /// <summary>
    /// Kestrel's memory pool meter (.NET 10), which the ASP.NET Core instrumentation subscribes to and these defaults
    /// do not collect: it counts every buffer the server rents and returns, 4–6 tagged measurements per request, a
    /// third of all a call through the emulator's A2A proxy records (<c>bench/README.md</c>), for a pool size no
    /// dashboard of ours shows.
    /// </summary>
    public const string KestrelMemoryPoolMeter = "Microsoft.AspNetCore.MemoryPool";

    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.ConfigureOpenTelemetry();
        builder.AddDefaultHealthChecks();

        builder.Services.AddServiceDiscovery();
        builder.Services.ConfigureHttpClientDefaults(http =>
        {
            http.AddStandardResilienceHandler();
            http.AddServiceDiscovery();
        });

        return builder;
    }

    public static TBuilder ConfigureOpenTelemetry<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });

        builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter(TelemetryPrefix + "*")
                .AddView(instrument => instrument.Meter.Name == KestrelMemoryPoolMeter ? MetricStreamConfiguration.Drop : null))
            .WithTracing(tracing => tracing
                .AddSource(builder.Environment.ApplicationName)
                .AddSource(TelemetryPrefix + "*")
                .AddAspNetCoreInstrumentation(options =>
                    // Probes fire every few seconds; tracing them only buries the interesting spans.
                    options.Filter = context => !IsProbe(context.Request.Path))
                // HttpClient's own source: since .NET 9 its spans carry the semantic conventions' tags themselves, so
                // the DiagnosticListener-based instrumentation would only add a second pass over every request.
                .AddSource("System.Net.Http"));

        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            builder.Services.AddOpenTelemetry().UseOtlpExporter();
        }

        return builder;
    }

    public static TBuilder AddDefaultHealthChecks<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), ["live"]);
        return builder;
    }

    /// <summary>
    /// Maps <c>/alive</c> and <c>/health</c> in every environment: container probes need them in Production.
    /// The body lists each check's status and description only (no exception text, no data), so nothing secret leaks.
    /// </summary>
    /// <param name="app">The application, or a route group to map them on.</param>
    /// <param name="mapHealth">False when the service answers <c>/health</c> itself (the emulator's contract body).</param>
    public static TRoutes MapDefaultEndpoints<TRoutes>(this TRoutes app, bool mapHealth = true)
        where TRoutes : IEndpointRouteBuilder
    {
        if (mapHealth)
        {
            app.MapHealthChecks(HealthPath, new HealthCheckOptions { ResponseWriter = HealthReportWriter.WriteAsync });
        }

        app.MapHealthChecks(AlivePath, new HealthCheckOptions
        {
            Predicate = r => r.Tags.Contains("live"),
            ResponseWriter = HealthReportWriter.WriteAsync,
        });
        return app;
    }

    private static bool IsProbe(PathString path) =>
        path.StartsWithSegments(HealthPath) || path.StartsWithSegments(AlivePath) ||
        path.StartsWithSegments("/.well-known") || path.StartsWithSegments("/metrics");
}
