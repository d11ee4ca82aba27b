using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Molecule.Workspace.A2A;

/// <summary>
/// A2A JSON-RPC on <c>POST /</c> (the platform posts to the registered URL as-is) and on <c>POST /a2a</c> (where the
/// platform's MCP bridge delivers delegations), 1.0 and 0.3 on one endpoint.
/// </summary>
internal static class A2AEndpoints
{
    public static void MapA2A(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/", (HttpContext context, JsonRpcDispatcher dispatcher) => dispatcher.HandleAsync(context))
            .WithName("A2A").ExcludeFromDescription();
        routes.MapPost("/a2a", (HttpContext context, JsonRpcDispatcher dispatcher) => dispatcher.HandleAsync(context))
            .WithName("A2AAlias").ExcludeFromDescription();
    }

    /// <summary>The raw <c>A2A-Version</c> header (or, as 1.0 allows, query parameter); null when absent or empty.</summary>
    public static string? RequestedVersion(HttpContext context)
    {
        var header = context.Request.Headers["A2A-Version"].ToString();
        if (string.IsNullOrWhiteSpace(header))
        {
            header = context.Request.Query["A2A-Version"].ToString();
        }

        return string.IsNullOrWhiteSpace(header) ? null : header.Trim();
    }
}
