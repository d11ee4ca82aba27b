using Molecule.PlatformEmulator.Auth;

namespace Molecule.PlatformEmulator.Infrastructure;

/// <summary>What operators and probes read: <c>/health</c> with the contract's body, <c>/alive</c>, Prometheus <c>/metrics</c>.</summary>
public static class OperationsEndpoints
{
    public static RouteGroupBuilder MapOperations(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapFeature("", "Operations").AllowAnyCaller();
        group.MapDefaultEndpoints(mapHealth: false);
        group.MapGet("/health", () => TypedResults.Ok(StatusAnswer.Ok));
        group.MapPrometheusScrapingEndpoint("/metrics");
        return group;
    }
}
