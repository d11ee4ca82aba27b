using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Diagnostics.HealthChecks;

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
            routes.MapHealthChecks(HealthPath, new HealthCheckOptions { ResponseWriter = WriteAsync });
        }

        if (!mapped.Contains(AlivePath))
        {
            routes.MapHealthChecks(AlivePath, new HealthCheckOptions { Predicate = r => r.Tags.Contains("live"), ResponseWriter = WriteAsync });
        }
    }

    /// <summary><c>{"status":…,"checks":{name:{status,description}}}</c>: the platform check says why the workspace is not ready.</summary>
    private static async Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            writer.WriteString("status", report.Status.ToString());
            writer.WriteStartObject("checks");
            foreach (var (name, entry) in report.Entries)
            {
                writer.WriteStartObject(name);
                writer.WriteString("status", entry.Status.ToString());
                if (entry.Description is { } description)
                {
                    writer.WriteString("description", description);
                }

                writer.WriteEndObject();
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        await context.Response.Body.WriteAsync(stream.GetBuffer().AsMemory(0, (int)stream.Length), context.RequestAborted).ConfigureAwait(false);
    }
}
