using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Molecule.PlatformEmulator.Auth;
using Molecule.PlatformEmulator.Events;
using Molecule.PlatformEmulator.Infrastructure;
using Molecule.PlatformEmulator.State;
using Molecule.Shared;

namespace Molecule.PlatformEmulator.Lifecycle;

/// <summary>
/// The canvas's lifecycle buttons as an external workspace meets them (supplement §9): restart, pause, resume and
/// hibernate, and the per-workspace config blob. The emulator provisions nothing, so a restart or resume leaves the row
/// <c>provisioning</c> with its URL cleared until the agent's next heartbeat and register (Strict: the real platform's
/// 503 without a provisioner, and a hibernate that does nothing).
/// </summary>
public static class LifecycleEndpoints
{
    private const int ConfigCap = 256 * 1024;

    public static RouteGroupBuilder MapLifecycle(this RouteGroupBuilder scoped)
    {
        var group = scoped.MapFeature("", "Lifecycle");
        group.MapPost("/restart", Restart);
        group.MapPost("/pause", Pause);
        group.MapPost("/resume", Resume);
        group.MapPost("/hibernate", Hibernate);
        group.MapGet("/config", (HttpContext context, WorkspaceConfigStore configs) => TypedResults.Ok(new ConfigAnswer(configs.Get(context.WorkspaceId()))));
        group.MapPatch("/config", PatchConfigAsync);
        return group;
    }

    private static Results<Ok<RestartAnswer>, ContractError> Restart(HttpContext context, PlatformState state, EventBus events, EmulatorOptions options,
        TimeProvider time)
    {
        if (state.Find(context.WorkspaceId()) is not { } row || row.Status == WorkspaceStatus.Removed)
        {
            return ContractError.NotFound("workspace not found");
        }

        if (PausedAncestor(state, row) is { } paused)
        {
            return ContractError.Conflict($"parent workspace \"{paused.Name}\" is paused — resume it first");
        }

        if (options.Strict)
        {
            return ContractError.Unavailable("provisioner not available");
        }

        Provision(row, events, time);
        return TypedResults.Ok(new RestartAnswer("existing-volume", context.Request.Query["reset"] == "true", WorkspaceStatus.Provisioning));
    }

    private static Results<Ok<PauseAnswer>, ContractError> Pause(HttpContext context, PlatformState state, EventBus events, TimeProvider time)
    {
        if (state.Find(context.WorkspaceId()) is not { } row || row.Status is WorkspaceStatus.Removed or WorkspaceStatus.Paused)
        {
            return ContractError.NotFound("workspace not found or already paused");
        }

        var paused = 0;
        foreach (var target in state.DescendantsOf(row.Id).Prepend(row))
        {
            string name;
            lock (target.Gate)
            {
                if (target.Status is WorkspaceStatus.Removed or WorkspaceStatus.Paused)
                {
                    continue;
                }

                (target.Status, target.Url, target.LivenessDeadline, target.UpdatedAt) = (WorkspaceStatus.Paused, "", null, time.GetUtcNow());
                name = target.Name;
            }

            paused++;
            events.Publish("WORKSPACE_PAUSED", target.Id, new JsonObject { ["name"] = name });
        }

        return TypedResults.Ok(new PauseAnswer(paused, WorkspaceStatus.Paused));
    }

    private static Results<Ok<ResumeAnswer>, ContractError> Resume(HttpContext context, PlatformState state, EventBus events, EmulatorOptions options, TimeProvider time)
    {
        if (state.Find(context.WorkspaceId()) is not { } row || row.Status != WorkspaceStatus.Paused)
        {
            return ContractError.NotFound("workspace not found or not paused");
        }

        if (options.Strict)
        {
            return ContractError.Unavailable("provisioner not available");
        }

        if (PausedAncestor(state, row) is { } paused)
        {
            return ContractError.Conflict($"parent workspace \"{paused.Name}\" is paused — resume it first");
        }

        var resumed = 0;
        foreach (var target in state.DescendantsOf(row.Id).Prepend(row).Where(t => t.Status == WorkspaceStatus.Paused))
        {
            Provision(target, events, time);
            resumed++;
        }

        return TypedResults.Ok(new ResumeAnswer(resumed, WorkspaceStatus.Provisioning));
    }

    private static Results<Ok<StatusAnswer>, JsonHttpResult<BusyWorkspace>, ContractError> Hibernate(HttpContext context, PlatformState state, EventBus events,
        EmulatorOptions options, TimeProvider time)
    {
        if (state.Find(context.WorkspaceId()) is not { } row || row.Status is not (WorkspaceStatus.Online or WorkspaceStatus.Degraded))
        {
            return ContractError.NotFound("workspace not found or not in a hibernatable state (must be online or degraded)");
        }

        int active;
        lock (row.Gate)
        {
            active = row.ActiveTasks;
        }

        if (active > 0 && context.Request.Query["force"] != "true")
        {
            return TypedResults.Json(new BusyWorkspace(active, "workspace has active tasks; use ?force=true to terminate them"), statusCode: StatusCodes.Status409Conflict);
        }

        if (!options.Strict)
        {
            // The real platform claims the row with a status its enum lacks, fails silently and still answers 200.
            string name;
            int tier;
            lock (row.Gate)
            {
                (row.Status, row.Url, row.LivenessDeadline, row.UpdatedAt) = (WorkspaceStatus.Hibernated, "", null, time.GetUtcNow());
                (name, tier) = (row.Name, row.Tier);
            }

            events.Publish("WORKSPACE_HIBERNATED", row.Id, new JsonObject { ["name"] = name, ["tier"] = tier });
        }

        return TypedResults.Ok(new StatusAnswer(WorkspaceStatus.Hibernated));
    }

    private static async Task<Results<Ok<StatusAnswer>, ContractError>> PatchConfigAsync(HttpContext context, WorkspaceConfigStore configs)
    {
        var raw = await Contract.ReadBodyAsync(context, ConfigCap);
        if (raw is null)
        {
            return ContractError.TooLarge("body too large or unreadable");
        }

        JsonObject? patch = null;
        try
        {
            patch = JsonStrings.FindUnreadable(raw) is null ? JsonNode.Parse(raw) as JsonObject : null;
        }
        catch (JsonException)
        {
        }

        if (patch is null)
        {
            return ContractError.BadRequest("invalid JSON");
        }

        configs.Merge(context.WorkspaceId(), patch);
        return TypedResults.Ok(new StatusAnswer("updated"));
    }

    /// <summary>What the emulator does for a restart or resume: provisioning, URL cleared, tokens kept; the agent brings it back.</summary>
    private static void Provision(WorkspaceRow row, EventBus events, TimeProvider time)
    {
        string name, runtime;
        int tier;
        lock (row.Gate)
        {
            (row.Status, row.Url, row.LivenessDeadline, row.UpdatedAt) = (WorkspaceStatus.Provisioning, "", null, time.GetUtcNow());
            (name, tier, runtime) = (row.Name, row.Tier, row.Runtime);
        }

        events.Publish("WORKSPACE_PROVISIONING", row.Id, new JsonObject { ["name"] = name, ["tier"] = tier, ["runtime"] = runtime });
    }

    private static WorkspaceRow? PausedAncestor(PlatformState state, WorkspaceRow row)
    {
        var current = state.ParentOf(row.Id);
        for (var depth = 0; current is { } id && depth < 32; depth++)
        {
            if (state.Find(id) is { Status: WorkspaceStatus.Paused } paused)
            {
                return paused;
            }

            current = state.ParentOf(id);
        }

        return null;
    }
}

public sealed record RestartAnswer(string ConfigDir, bool ResetSession, string Status);

public sealed record PauseAnswer(int PausedCount, string Status);

public sealed record ResumeAnswer(int ResumedCount, string Status);

public sealed record BusyWorkspace(int ActiveTasks, string Error);

public sealed record ConfigAnswer(JsonObject Data);
