using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;

namespace Molecule.AppHost.Tests;

/// <summary>Molecule.AppHost under Aspire.Hosting.Testing with <c>--Molecule:</c> arguments, built and started within the caller's bound.</summary>
internal static class TestAppHost
{
    public static async Task<DistributedApplication> StartAsync(string[] args, CancellationToken cancellationToken)
    {
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Molecule_AppHost>(args, cancellationToken);

        // No dashboard under test: drop the OTLP endpoint so stopping a service does not wait on a dead exporter.
        foreach (var resource in builder.Resources.OfType<IResourceWithEnvironment>())
        {
            resource.Annotations.Add(new EnvironmentCallbackAnnotation(context => context.EnvironmentVariables.Remove("OTEL_EXPORTER_OTLP_ENDPOINT")));
        }

        var app = await builder.BuildAsync(cancellationToken);
        await app.StartAsync(cancellationToken);
        return app;
    }
}
