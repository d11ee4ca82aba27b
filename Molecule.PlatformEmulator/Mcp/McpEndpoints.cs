using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Molecule.PlatformEmulator.Auth;
using Molecule.PlatformEmulator.Infrastructure;
using Molecule.Shared;

namespace Molecule.PlatformEmulator.Mcp;

/// <summary>
/// The MCP bridge (supplement §8): JSON-RPC 2.0 over plain HTTP POST at <c>/workspaces/{id}/mcp</c>, protocol
/// <c>2024-11-05</c>, acting as workspace <c>{id}</c> (WorkspaceAuth, then the bridge's own limiter); and the legacy
/// SSE endpoint, which only announces where to POST. Every answer is HTTP 200 JSON except a body that is no object.
/// </summary>
public static class McpEndpoints
{
    public const string ProtocolVersion = "2024-11-05";
    private static readonly TimeSpan PingInterval = TimeSpan.FromSeconds(30);

    public static RouteGroupBuilder MapMcp(this RouteGroupBuilder scoped)
    {
        var group = scoped.MapFeature("", "Mcp");
        group.MapPost("/mcp", HandleAsync).AddEndpointFilter(McpRateLimiter.Filter);
        group.MapGet("/mcp/stream", StreamAsync).AddEndpointFilter(McpRateLimiter.Filter);
        return group;
    }

    private static async Task<IResult> HandleAsync(HttpContext context, McpTools tools, EmulatorOptions options)
    {
        var raw = await Contract.ReadBodyAsync(context, options.MaxBodyBytes);
        if (raw is null)
        {
            return ContractError.TooLarge();
        }

        JsonObject? request = null;
        string? parseError = null;
        try
        {
            request = JsonStrings.FindUnreadable(raw) is { } problem ? throw new JsonException(problem.Problem) : JsonNode.Parse(raw) as JsonObject;
            parseError = request is null ? "the body is not a JSON-RPC request object" : null;
        }
        catch (JsonException ex)
        {
            parseError = ex.Message.Split('\n', 2)[0];
        }

        if (request is null)
        {
            return TypedResults.Json(Error(null, -32700, $"parse error: {parseError}"), statusCode: StatusCodes.Status400BadRequest);
        }

        var id = request["id"]?.DeepClone();
        var method = request["method"] is JsonValue m && m.TryGetValue<string>(out var name) ? name : "";
        switch (method)
        {
            case "initialize":
                return Answer(id, new JsonObject
                {
                    ["capabilities"] = new JsonObject { ["tools"] = new JsonObject { ["listChanged"] = false } },
                    ["protocolVersion"] = ProtocolVersion,
                    ["serverInfo"] = new JsonObject { ["name"] = "molecule-a2a", ["version"] = "1.0.0" },
                });
            case "notifications/initialized":
                // The real bridge answers a notification 200 with an empty envelope; the spec (and clients that follow
                // it) expect 202 with no body, which the emulator answers unless Strict.
                return options.Strict ? TypedResults.Json(new JsonObject { ["jsonrpc"] = "2.0", ["id"] = null }) : TypedResults.Accepted((string?)null);
            case "tools/list":
                return Answer(id, new JsonObject { ["tools"] = McpToolCatalog.Tools(tools.AllowSendMessage) });
            case "tools/call":
                if (request["params"] is not JsonObject call || call["name"] is not JsonValue toolName || !toolName.TryGetValue<string>(out var tool))
                {
                    return TypedResults.Json(Error(id, -32602, "invalid params: params must be an object with a string name"));
                }

                var arguments = call["arguments"] as JsonObject ?? [];
                var result = await tools.CallAsync(context.WorkspaceId(), tool, arguments, context.RequestAborted);
                return result.Error is { } failure
                    ? TypedResults.Json(Error(id, -32000, failure))
                    : Answer(id, new JsonObject { ["content"] = new JsonArray(new JsonObject { ["type"] = "text", ["text"] = result.Text }) });
            default:
                return TypedResults.Json(Error(id, -32601, $"method not found: {method}"));
        }
    }

    /// <summary>Announces the POST endpoint, then pings every 30 s until the client leaves; it never carries a message.</summary>
    private static async Task StreamAsync(HttpContext context, TimeProvider time)
    {
        context.Response.Headers.Connection = "keep-alive";
        await ServerSentEvents.StartAsync(context);
        var aborted = context.RequestAborted;
        try
        {
            await context.Response.WriteAsync($"event: endpoint\ndata: /workspaces/{context.WorkspaceId()}/mcp\n\n", aborted);
            await context.Response.Body.FlushAsync(aborted);
            while (!aborted.IsCancellationRequested)
            {
                await Task.Delay(PingInterval, time, aborted);
                await context.Response.WriteAsync(": ping\n\n", aborted);
                await context.Response.Body.FlushAsync(aborted);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static JsonHttpResult<JsonObject> Answer(JsonNode? id, JsonObject result) =>
        TypedResults.Json(new JsonObject { ["jsonrpc"] = "2.0", ["id"] = id, ["result"] = result });

    private static JsonObject Error(JsonNode? id, int code, string message) =>
        new() { ["jsonrpc"] = "2.0", ["id"] = id?.DeepClone(), ["error"] = new JsonObject { ["code"] = code, ["message"] = message } };
}
