using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Primitives;
using Molecule.Workspace.A2A;

namespace Molecule.Workspace.Card;

internal static class AgentCardEndpoints
{
    public const string CardPath = "/.well-known/agent-card.json";
    public const string LegacyCardPath = "/.well-known/agent.json";

    /// <summary>
    /// <c>GET /.well-known/agent-card.json</c> and the legacy <c>agent.json</c>: the health-probe target, so it answers
    /// from pre-serialised bytes and never depends on the platform.
    /// </summary>
    public static void MapAgentCard(this IEndpointRouteBuilder routes)
    {
        routes.MapGet(CardPath, ServeCard).WithName("AgentCard").ExcludeFromDescription();
        routes.MapGet(LegacyCardPath, ServeCard).WithName("LegacyAgentCard").ExcludeFromDescription();
    }

    private static Task ServeCard(HttpContext context, AgentCard card)
    {
        var v10 = A2AEndpoints.RequestedVersion(context) is { } version && version.StartsWith('1');
        var current = card.Current;
        var (body, etag) = v10 ? (current.V10, current.V10ETag) : (current.Combined, current.CombinedETag);
        var response = context.Response;
        response.Headers.CacheControl = "public, max-age=60";
        response.Headers.ETag = etag;
        response.Headers.Vary = "A2A-Version";
        if (context.Request.Headers.IfNoneMatch is StringValues match && match.Contains(etag))
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return Task.CompletedTask;
        }

        response.ContentType = "application/json";
        response.ContentLength = body.Length;
        return HttpMethods.IsHead(context.Request.Method) ? Task.CompletedTask : response.Body.WriteAsync(body, context.RequestAborted).AsTask();
    }
}
