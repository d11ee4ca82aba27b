using System.Text.Json.Nodes;
using Molecule.PlatformEmulator.Infrastructure;
using Molecule.PlatformEmulator.State;

namespace Molecule.PlatformEmulator.Proxy;

/// <summary><c>GET /workspaces/{id}/a2a/.well-known/agent-card.json</c>.</summary>
public static class ProxiedCard
{
    /// <summary>The workspace's card through the proxy, with its URLs rewritten to the proxied address.</summary>
    public static async Task GetAsync(string id, HttpContext context, PlatformState state)
    {
        if (Contract.ParseWorkspaceId(id) is not { } guid || state.Find(guid) is not { } row)
        {
            await ContractError.NotFound("workspace not found").ExecuteAsync(context);
            return;
        }

        string? card;
        lock (row.Gate)
        {
            card = row.AgentCard;
        }

        if (card is null || JsonNode.Parse(card) is not JsonObject document)
        {
            await ContractError.NotFound("workspace has no agent card").ExecuteAsync(context);
            return;
        }

        var proxied = $"{context.Request.Scheme}://{context.Request.Host}/workspaces/{guid}/a2a/";
        if (document.ContainsKey("url"))
        {
            document["url"] = proxied;
        }

        if (document["supportedInterfaces"] is JsonArray interfaces)
        {
            foreach (var entry in interfaces.OfType<JsonObject>())
            {
                entry["url"] = proxied;
            }
        }

        var v10 = Contract.Header(context.Request, "A2A-Version").StartsWith('1');
        if (v10)
        {
            foreach (var key in (string[])["protocolVersion", "url", "preferredTransport", "supportsAuthenticatedExtendedCard"])
            {
                document.Remove(key);
            }
        }

        context.Response.Headers.Vary = "A2A-Version";
        await TypedResults.Ok(document).ExecuteAsync(context);
    }
}
