using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Molecule.PlatformEmulator.Auth;
using Molecule.PlatformEmulator.Infrastructure;
using Molecule.PlatformEmulator.State;
using Molecule.PlatformEmulator.Workspaces;

namespace Molecule.PlatformEmulator.Memories;

/// <summary>
/// Agent memories (<c>/workspaces/{id}/memories</c>), the key-value memory (<c>/workspaces/{id}/memory</c>) and the
/// admin export and import (supplement §2). Neither store emits events.
/// </summary>
public static class MemoryEndpoints
{
    /// <summary>Maps the workspace routes on the <c>/workspaces/{id}</c> group that already requires WorkspaceAuth.</summary>
    public static RouteGroupBuilder MapMemories(this RouteGroupBuilder scoped)
    {
        var group = scoped.MapFeature("", "Memories");
        group.MapPost("/memories", Commit).WithRequestBody();
        group.MapGet("/memories", Search);
        group.MapDelete("/memories/{memoryId}", Delete);
        group.MapGet("/memory", (HttpContext context, KeyValueMemory memory, TimeProvider time) =>
            TypedResults.Ok(memory.List(context.WorkspaceId(), time.GetUtcNow()).Select(Answer).ToArray()));
        group.MapGet("/memory/{key}", Results<Ok<KeyValueAnswer>, ContractError> (string key, HttpContext context, KeyValueMemory memory, TimeProvider time) =>
            memory.Get(context.WorkspaceId(), key, time.GetUtcNow()) is { } entry ? TypedResults.Ok(Answer(entry)) : ContractError.NotFound("key not found"));
        group.MapPost("/memory", SetKeyValue).WithRequestBody();
        group.MapDelete("/memory/{key}", (string key, HttpContext context, KeyValueMemory memory) =>
        {
            memory.Delete(context.WorkspaceId(), key);
            return TypedResults.Ok(new StatusAnswer("deleted"));
        });
        return group;
    }

    /// <summary><c>/admin/memories/export</c> and <c>/import</c> (AdminAuth).</summary>
    public static RouteGroupBuilder MapMemoryAdmin(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapFeature("/admin/memories", "Memories").RequireAdminAuth();
        group.MapGet("/export", Export);
        group.MapPost("/import", ImportAsync);
        return group;
    }

    private static Results<JsonHttpResult<CommittedMemory>, ContractError> Commit(Body<CommitMemoryRequest> body, HttpContext context, PlatformState state,
        MemoryStore memories, ActivityLog activity, EmulatorOptions options, TimeProvider time)
    {
        var request = body.Value;
        var id = context.WorkspaceId();
        if (state.Find(id) is not { } row)
        {
            // The real platform's insert fails on the foreign key.
            return options.Quirks.DatastoreError("failed to store memory", ContractError.NotFound("workspace not found"));
        }

        if (request.Scope == MemoryStore.Global && state.ParentOf(id) is not null)
        {
            return ContractError.Forbidden("only root workspaces can write GLOBAL memories");
        }

        var content = MemoryRedaction.Scrub(request.Content!);
        if (request.Scope == MemoryStore.Global)
        {
            content = content.Replace("[MEMORY ", "[_MEMORY ", StringComparison.Ordinal);   // a GLOBAL row cannot forge another's frame
        }

        var memory = memories.Add(row.Id, content, request.Scope!, request.EffectiveNamespace, time.GetUtcNow());
        if (memory.Scope == MemoryStore.Global)
        {
            activity.Add(id, new ActivityRow
            {
                ActivityType = "memory_write_global",
                SourceId = id,
                Summary = $"GLOBAL memory written: id={memory.Id} namespace={memory.Namespace}",
                RequestBody = new JsonObject
                {
                    ["memory_id"] = memory.Id.ToString(),
                    ["namespace"] = memory.Namespace,
                    ["content_sha256"] = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(memory.Content))),
                },
            }, broadcast: false);   // a direct insert: no ACTIVITY_LOGGED
        }

        return TypedResults.Json(new CommittedMemory(memory.Id.ToString(), memory.Namespace, memory.Scope), statusCode: StatusCodes.Status201Created);
    }

    private static Ok<MemoryRow[]> Search(HttpContext context, MemoryStore memories)
    {
        var query = context.Request.Query;
        var rows = memories.Search(context.WorkspaceId(), query["scope"].ToString(), query["q"].ToString(), query["namespace"].ToString(),
            MemoryStore.Limit(query["limit"]));
        return TypedResults.Ok(rows.Select(Row).ToArray());
    }

    private static Results<Ok<StatusAnswer>, ContractError> Delete(string memoryId, HttpContext context, MemoryStore memories, EmulatorOptions options)
    {
        if (Contract.ParseWorkspaceId(memoryId) is not { } id)
        {
            return options.Quirks.DatastoreError("delete failed", ContractError.NotFound("memory not found or not owned by this workspace"));
        }

        return memories.Delete(context.WorkspaceId(), id)
            ? TypedResults.Ok(new StatusAnswer("deleted"))
            : ContractError.NotFound("memory not found or not owned by this workspace");
    }

    private static Results<Ok<KeyValueSaved>, JsonHttpResult<VersionMismatch>, ContractError> SetKeyValue(Body<SetKeyValueRequest> body, HttpContext context,
        KeyValueMemory memory, EmulatorOptions options, TimeProvider time)
    {
        var request = body.Value;
        if (request.Value.ValueKind == JsonValueKind.Undefined)
        {
            // The real platform hands Postgres an empty text as JSON and answers 500.
            return options.Quirks.DatastoreError("failed to set memory", ContractError.BadRequest("invalid request body"));
        }

        var write = memory.Set(context.WorkspaceId(), request.Key!, request.Value, request.TtlSeconds, request.IfMatchVersion, time.GetUtcNow());
        if (write.Version is { } version)
        {
            return TypedResults.Ok(new KeyValueSaved(request.Key!, "ok", version));
        }

        return TypedResults.Json(new VersionMismatch(write.KeyMissing ? "if_match_version mismatch: key does not exist" : "if_match_version mismatch",
            write.Expected!.Value, write.Current), statusCode: StatusCodes.Status409Conflict);
    }

    private static Ok<ExportedMemory[]> Export(MemoryStore memories, PlatformState state) =>
        TypedResults.Ok(memories.All()
            .Select(m => (Memory: m, Row: state.Find(m.WorkspaceId)))
            .Where(x => x.Row is not null)
            .Select(x => new ExportedMemory(x.Memory.Id.ToString(), MemoryRedaction.Scrub(x.Memory.Content), x.Memory.Scope, x.Memory.Namespace,
                Contract.Timestamp(x.Memory.CreatedAt), x.Row!.Name))
            .ToArray());

    private static async Task<Results<Ok<ImportAnswer>, ContractError>> ImportAsync(HttpContext context, MemoryStore memories, PlatformState state,
        EmulatorOptions options, TimeProvider time)
    {
        var raw = await Contract.ReadBodyAsync(context, options.MaxBodyBytes);
        if (raw is null)
        {
            return ContractError.TooLarge();
        }

        ImportedMemory[]? entries;
        try
        {
            entries = Molecule.Shared.JsonStrings.FindUnreadable(raw) is { } problem
                ? throw new JsonException(problem.Problem)
                : JsonSerializer.Deserialize(raw, EmulatorJson.Default.ImportedMemoryArray);
        }
        catch (JsonException ex)
        {
            return ContractError.BadRequest($"invalid JSON: {FirstLine(ex.Message)}");
        }

        if (entries is null)
        {
            return ContractError.BadRequest("invalid JSON: the body must be an array of memories");
        }

        int imported = 0, skipped = 0, errors = 0;
        foreach (var entry in entries)
        {
            if (entry is null || state.All.FirstOrDefault(r => r.Name == entry.WorkspaceName) is not { } row)
            {
                skipped++;
                continue;
            }

            var content = MemoryRedaction.Scrub(entry.Content ?? "");
            if (!MemoryStore.IsScope(entry.Scope) || (entry.CreatedAt is { Length: > 0 } at && !DateTimeOffset.TryParse(at, System.Globalization.CultureInfo.InvariantCulture, out _)))
            {
                errors++;
                continue;
            }

            if (memories.Exists(row.Id, content, entry.Scope!))
            {
                skipped++;
                continue;
            }

            var created = entry.CreatedAt is { Length: > 0 } text ? DateTimeOffset.Parse(text, System.Globalization.CultureInfo.InvariantCulture) : time.GetUtcNow();
            memories.Add(row.Id, content, entry.Scope!, string.IsNullOrEmpty(entry.Namespace) ? "general" : entry.Namespace, created);
            imported++;
        }

        return TypedResults.Ok(new ImportAnswer(errors, imported, skipped, entries.Length));
    }

    private static string FirstLine(string message) => message.Split('\n', 2)[0].Trim();

    private static MemoryRow Row(AgentMemory m) =>
        new(m.Id.ToString(), m.WorkspaceId.ToString(), MemoryStore.Presented(m), m.Scope, m.Namespace, Contract.Timestamp(m.CreatedAt));

    private static KeyValueAnswer Answer(KeyValueEntry e) =>
        new(e.Key, e.Value, e.Version, e.ExpiresAt is { } at ? Contract.Timestamp(at) : null, Contract.Timestamp(e.UpdatedAt));
}
