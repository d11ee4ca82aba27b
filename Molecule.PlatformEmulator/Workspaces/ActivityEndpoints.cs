using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Molecule.PlatformEmulator.Auth;
using Molecule.PlatformEmulator.Infrastructure;

namespace Molecule.PlatformEmulator.Workspaces;

/// <summary>
/// What a workspace reports and reads about its own work, on the <c>/workspaces/{id}</c> group (WorkspaceAuth):
/// activity rows, messages to the user, its delegations and its instructions.
/// </summary>
public static class ActivityEndpoints
{
    public static RouteGroupBuilder MapActivity(this RouteGroupBuilder scoped)
    {
        scoped.MapPost("/activity", PostActivity).WithRequestBody();
        scoped.MapGet("/activity", ListActivity);
        return scoped;
    }

    private static Results<Ok<StatusAnswer>, ContractError> PostActivity(Body<ActivityRequest> body, HttpContext context, ActivityLog activity)
    {
        var guid = context.WorkspaceId();
        var request = body.Value;
        if (!string.IsNullOrEmpty(request.SourceId) && !string.Equals(request.SourceId, guid.ToString(), StringComparison.OrdinalIgnoreCase))
        {
            return ContractError.Forbidden("source_id must match authenticated workspace");
        }

        activity.Add(guid, new ActivityRow
        {
            ActivityType = request.ActivityType!,
            SourceId = guid,   // rows from this route always count as the agent's
            Method = NullIfEmpty(request.Method),
            Summary = NullIfEmpty(request.Summary),
            TargetId = NullIfEmpty(request.TargetId),
            ErrorDetail = NullIfEmpty(request.ErrorDetail),
            Status = string.IsNullOrEmpty(request.Status) ? "ok" : request.Status,
            DurationMs = request.DurationMs,
            RequestBody = Node(request, "request_body") ?? Node(request, "metadata"),
            ResponseBody = Node(request, "response_body"),
            ToolTrace = Node(request, "tool_trace"),
        }, broadcast: true);
        return TypedResults.Ok(new StatusAnswer("logged"));
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    /// <summary>A free-form field the agent sent, as JSON; null when absent or null.</summary>
    private static JsonNode? Node(ActivityRequest request, string name) =>
        request.Other?.TryGetValue(name, out var value) == true && value.ValueKind != JsonValueKind.Null
            ? JsonSerializer.SerializeToNode(value, EmulatorJson.Default.JsonElement)
            : null;

    private static Results<Ok<JsonArray>, ContractError> ListActivity(HttpContext context, ActivityLog activity)
    {
        var query = context.Request.Query;
        var limit = int.TryParse(query["limit"], out var l) && l > 0 ? Math.Min(l, 500) : 100;
        var type = query["type"].ToString();
        var source = query["source"].ToString();
        if (source is not ("" or "canvas" or "agent"))
        {
            return ContractError.BadRequest("source must be 'canvas' or 'agent'");
        }

        bool? fromCanvas = source.Length == 0 ? null : source == "canvas";

        var rows = new JsonArray();
        foreach (var row in activity.List(context.WorkspaceId(), type.Length == 0 ? null : type, fromCanvas, limit))
        {
            rows.Add(row);
        }

        return TypedResults.Ok(rows);
    }
}
