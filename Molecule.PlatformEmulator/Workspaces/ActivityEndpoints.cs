using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Molecule.PlatformEmulator.Auth;
using Molecule.PlatformEmulator.Events;
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
        scoped.MapPost("/notify", Notify).WithRequestBody();
        scoped.MapGet("/delegations", () => TypedResults.Ok(new JsonArray()));
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

        activity.Add(guid, request.ActivityType!, "agent", Fields(request));
        return TypedResults.Ok(new StatusAnswer("logged"));
    }

    /// <summary>The row's fields as the agent sent them: the typed ones that were given, then any others verbatim.</summary>
    private static JsonObject Fields(ActivityRequest request)
    {
        var fields = new JsonObject();
        void Set(string name, JsonNode? value)
        {
            if (value is not null)
            {
                fields[name] = value;
            }
        }

        Set("activity_type", request.ActivityType);
        Set("method", request.Method);
        Set("summary", request.Summary);
        Set("target_id", request.TargetId);
        Set("error_detail", request.ErrorDetail);
        Set("status", request.Status);
        Set("source_id", request.SourceId);
        Set("duration_ms", request.DurationMs);
        foreach (var (name, value) in request.Other ?? [])
        {
            fields[name] = JsonSerializer.SerializeToNode(value, EmulatorJson.Default.JsonElement);
        }

        return fields;
    }

    private static Ok<JsonArray> ListActivity(HttpContext context, ActivityLog activity)
    {
        var limit = int.TryParse(context.Request.Query["limit"], out var l) ? Math.Clamp(l, 1, 500) : 100;
        var type = context.Request.Query["type"].ToString();
        var source = context.Request.Query["source"].ToString();
        var rows = new JsonArray();
        foreach (var row in activity.List(context.WorkspaceId(), string.IsNullOrEmpty(type) ? null : type, string.IsNullOrEmpty(source) ? null : source, limit))
        {
            rows.Add(row);
        }

        return TypedResults.Ok(rows);
    }

    private static Ok<StatusAnswer> Notify(Body<NotifyRequest> body, HttpContext context, EventBus events)
    {
        events.Publish("AGENT_MESSAGE", context.WorkspaceId(), new JsonObject { ["message"] = body.Value.Message });
        return TypedResults.Ok(new StatusAnswer("sent"));
    }
}
