using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Routing;
using Molecule.Shared;

namespace Molecule.Workspace.ControlPlane;

/// <summary>
/// <c>/health</c> (every check: readiness includes the platform link) and <c>/alive</c> (liveness only), mapped unless
/// the app mapped those paths itself (for example with its service defaults).
/// </summary>
internal static class WorkspaceHealthEndpoints
{
    public const string HealthPath = "/health";
    public const string AlivePath = "/alive";

    public static void MapIfMissing(IEndpointRouteBuilder routes)
    {
        var mapped = routes.DataSources.SelectMany(source => source.Endpoints).OfType<RouteEndpoint>()
            .Select(endpoint => "/" + endpoint.RoutePattern.RawText?.Trim('/'))
            .ToHashSet(StringComparer.OrdinalIgnoreCase);
        if (!mapped.Contains(HealthPath))
        {
            routes.MapHealthChecks(HealthPath, new HealthCheckOptions { ResponseWriter = HealthReportWriter.WriteAsync });
        }

        if (!mapped.Contains(AlivePath))
        {
            routes.MapHealthChecks(AlivePath, new HealthCheckOptions { Predicate = r => r.Tags.Contains("live"), ResponseWriter = HealthReportWriter.WriteAsync });
        }
    }
}
