using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using Molecule.Platform.Client;

namespace Molecule.Workspace;

/// <summary>
/// The platform's eight tools for LLM agents, with the real platform's names, descriptions and argument schemas
/// (<c>delegate_task</c>, <c>delegate_task_async</c>, <c>check_task_status</c>, <c>list_peers</c>,
/// <c>get_workspace_info</c>, <c>send_message_to_user</c>, <c>commit_memory</c>, <c>recall_memory</c>), as
/// <see cref="AIFunction"/>s over <see cref="MoleculePlatform"/>, for any <c>IChatClient</c> or Agent Framework agent.
/// A tool that fails answers the model with the platform's own error text, so it can recover; cancellation
/// propagates into the call.
/// </summary>
public static class PlatformTools
{
    /// <summary>The tools' names, in the platform's order.</summary>
    public static readonly IReadOnlyList<string> Names =
        ["delegate_task", "delegate_task_async", "check_task_status", "list_peers", "get_workspace_info", "send_message_to_user", "commit_memory", "recall_memory"];

    // As the bridge writes them: two-space indents, text unescaped beyond what JSON needs.
    private static readonly JsonSerializerOptions Pretty = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.Create(System.Text.Unicode.UnicodeRanges.All) };

    /// <summary>The tools for one workspace, without those <paramref name="exclude"/> names.</summary>
    /// <param name="platform">The workspace's platform client.</param>
    /// <param name="exclude">Tool names to leave out.</param>
    /// <param name="results">
    /// The workspace's <see cref="DelegationResults"/> (from DI): a <c>delegate_task_async</c> called inside a task then
    /// has its result delivered as a new turn of that task's conversation.
    /// </param>
    public static IReadOnlyList<AIFunction> Create(MoleculePlatform platform, IEnumerable<string>? exclude = null, DelegationResults? results = null)
    {
        ArgumentNullException.ThrowIfNull(platform);
        var skip = new HashSet<string>(exclude ?? [], StringComparer.Ordinal);
        var delegation = """{"type":"object","properties":{"workspace_id":{"type":"string","description":"Target workspace ID (from list_peers)"},"task":{"type":"string","description":"The task description to send to the target workspace"}},"required":["workspace_id","task"]}""";
        PlatformTool[] tools =
        [
            new("delegate_task",
                "Delegate a task to another workspace via A2A protocol and WAIT for the response. Use for quick tasks. The target must be a peer (sibling or parent/child). Use list_peers to find available targets.",
                delegation, async (a, ct) =>
                {
                    var answer = await platform.AskPeerAsync(a.Text("workspace_id"), a.Text("task"), cancellationToken: ct).ConfigureAwait(false);
                    return answer.Queued ? "The peer is busy: the platform queued the task and will deliver it when the peer has capacity." : answer.Text;
                }),
            new("delegate_task_async",
                "Send a task to another workspace with a short timeout (fire-and-forget). Returns immediately with a task_id — use check_task_status to poll for results.",
                delegation, async (a, ct) =>
                {
                    var ticket = await platform.DelegateAsync(a.Text("workspace_id"), a.Text("task"), cancellationToken: ct).ConfigureAwait(false);
                    results?.Track(ticket.DelegationId, Tasks.AgentTurn.Current?.ContextId);
                    return new JsonObject { ["task_id"] = ticket.DelegationId, ["status"] = "dispatched", ["target_id"] = ticket.TargetId }.ToJsonString();
                }),
            new("check_task_status",
                "Check the status of a previously submitted async task. Returns status (dispatched/success/failed) and result when available.",
                """{"type":"object","properties":{"workspace_id":{"type":"string","description":"The workspace ID the task was sent to"},"task_id":{"type":"string","description":"The task_id returned by delegate_task_async"}},"required":["workspace_id","task_id"]}""",
                async (a, ct) => CheckStatus(await platform.ListDelegationsAsync(ct).ConfigureAwait(false), a.Text("workspace_id"), a.Text("task_id"))),
            new("list_peers",
                "List all workspaces this agent can communicate with (siblings and parent/children). Returns name, ID, status, and role for each peer.",
                """{"type":"object","properties":{}}""", async (_, ct) =>
                {
                    var listed = await platform.ListPeersAsync(cancellationToken: ct).ConfigureAwait(false);
                    var parent = listed.Count == 0 ? null : (await platform.GetWorkspaceAsync(cancellationToken: ct).ConfigureAwait(false)).ParentId;
                    // The bridge's order: siblings, then children, then the parent.
                    var peers = listed.OrderBy(p => p.Id == parent ? 2 : p.ParentId == platform.WorkspaceId ? 1 : 0).ToArray();
                    return peers.Length == 0 ? "No peers found." : new JsonArray([.. peers.Select(p => (JsonNode)new JsonObject
                    {
                        ["id"] = p.Id, ["name"] = p.Name, ["role"] = p.Role ?? "", ["status"] = p.Status, ["tier"] = p.Tier,
                    })]).ToJsonString(Pretty);
                }),
            new("get_workspace_info", "Get this workspace's own info — ID, name, role, tier, parent, status.",
                """{"type":"object","properties":{}}""", async (_, ct) =>
                {
                    var self = await platform.GetWorkspaceAsync(cancellationToken: ct).ConfigureAwait(false);
                    var info = new JsonObject { ["id"] = self.Id, ["name"] = self.Name };
                    if (self.ParentId is { } parent)
                    {
                        info["parent_id"] = parent;
                    }

                    info["role"] = self.Role ?? "";
                    info["status"] = self.Status;
                    info["tier"] = self.Tier;
                    return info.ToJsonString(Pretty);
                }),
            new("send_message_to_user",
                "Send a message directly to the user's canvas chat — pushed instantly via WebSocket. Use this to acknowledge tasks, send progress updates, or deliver follow-up results.",
                """{"type":"object","properties":{"message":{"type":"string","description":"The message to send to the user"}},"required":["message"]}""",
                async (a, ct) =>
                {
                    await platform.NotifyUserAsync(a.Text("message"), cancellationToken: ct).ConfigureAwait(false);
                    return "Message sent.";
                }),
            new("commit_memory",
                "Save important information to persistent memory. Scope LOCAL (this workspace only) and TEAM (parent + siblings) are supported. GLOBAL scope is not available via the MCP bridge.",
                """{"type":"object","properties":{"content":{"type":"string","description":"The information to remember"},"scope":{"type":"string","enum":["LOCAL","TEAM"],"description":"Memory scope (LOCAL or TEAM — GLOBAL is blocked on the MCP bridge)"}},"required":["content"]}""",
                async (a, ct) =>
                {
                    var scope = a.Text("scope") switch
                    {
                        "" or "LOCAL" => MemoryScope.Local,
                        "TEAM" => MemoryScope.Team,
                        "GLOBAL" => throw new ToolRefusal("GLOBAL scope is not permitted via the MCP bridge — use LOCAL or TEAM"),
                        _ => throw new ToolRefusal("scope must be LOCAL or TEAM"),
                    };
                    var id = await platform.CommitMemoryAsync(a.Text("content"), scope, cancellationToken: ct).ConfigureAwait(false);
                    return new JsonObject { ["id"] = id, ["scope"] = scope == MemoryScope.Team ? "TEAM" : "LOCAL" }.ToJsonString();
                }),
            new("recall_memory",
                "Search persistent memory for previously saved information. Returns all matching memories. GLOBAL scope is not available via the MCP bridge.",
                """{"type":"object","properties":{"query":{"type":"string","description":"Search query (empty returns all memories)"},"scope":{"type":"string","enum":["LOCAL","TEAM",""],"description":"Filter by scope (empty returns LOCAL + TEAM; GLOBAL is blocked)"}}}""",
                async (a, ct) =>
                {
                    MemoryScope? scope = a.Text("scope") switch
                    {
                        "LOCAL" => MemoryScope.Local,
                        "TEAM" => MemoryScope.Team,
                        "GLOBAL" => throw new ToolRefusal("GLOBAL scope is not permitted via the MCP bridge — use LOCAL, TEAM, or empty"),
                        _ => null,
                    };
                    var rows = await platform.SearchMemoriesAsync(a.Text("query"), scope, cancellationToken: ct).ConfigureAwait(false);
                    var visible = rows.Where(m => m.Scope != MemoryScope.Global).ToArray();
                    return visible.Length == 0 ? "No memories found." : new JsonArray([.. visible.Select(m => (JsonNode)new JsonObject
                    {
                        ["id"] = m.Id, ["content"] = m.Content, ["scope"] = m.Scope == MemoryScope.Team ? "TEAM" : "LOCAL", ["created_at"] = m.CreatedAt?.ToString("O"),
                    })]).ToJsonString(Pretty);
                }),
        ];
        return [.. tools.Where(t => !skip.Contains(t.Name))];
    }

    /// <summary>What a tool call is doing, for the task's progress (<c>Delegating to Summarizer…</c>).</summary>
    /// <param name="name">The tool.</param>
    /// <param name="arguments">Its arguments.</param>
    /// <param name="platform">Names peers by what this client has seen (<see cref="MoleculePlatform.KnownName"/>); ids are shown otherwise.</param>
    public static string Describe(string name, IDictionary<string, object?>? arguments, MoleculePlatform? platform = null)
    {
        string Peer(string id) => platform?.KnownName(id) ?? id;
        string Arg(string key) => arguments?.TryGetValue(key, out var value) == true ? value switch
        {
            JsonElement { ValueKind: JsonValueKind.String } element => element.GetString() ?? "",
            null => "",
            _ => value.ToString() ?? "",
        } : "";
        return name switch
        {
            "delegate_task" or "delegate_task_async" => $"Delegating to {Peer(Arg("workspace_id"))}…",
            "check_task_status" => $"Checking on task {Arg("task_id")}…",
            "list_peers" => "Looking up peers…",
            "get_workspace_info" => "Reading this workspace's info…",
            "send_message_to_user" => "Messaging the user…",
            "commit_memory" => "Remembering…",
            "recall_memory" => "Recalling memories…",
            _ => $"Calling {name}…",
        };
    }

    /// <summary>The newest outcome of <paramref name="taskId"/>, as the bridge words it.</summary>
    private static string CheckStatus(IReadOnlyList<DelegationRecord> rows, string target, string taskId)
    {
        var mine = rows.Where(r => r.DelegationId == taskId).ToArray();
        var request = mine.FirstOrDefault(r => r.TargetId == target && r.Summary?.StartsWith("Delegating to", StringComparison.Ordinal) == true);
        if (request is null)
        {
            return new JsonObject { ["task_id"] = taskId, ["status"] = "not_found", ["note"] = "task not tracked or not yet dispatched" }.ToJsonString();
        }

        var answer = new JsonObject();
        var failure = mine.FirstOrDefault(r => r.Error is not null)?.Error;
        if (failure is not null)
        {
            answer["error"] = failure;
        }

        if (mine.FirstOrDefault(r => r.Status == "completed" && r.ResponsePreview is not null) is { } result)
        {
            answer["result"] = result.ResponsePreview;
        }

        answer["status"] = request.Status;
        answer["target_id"] = target;
        answer["task_id"] = taskId;
        return answer.ToJsonString(Pretty);
    }

    private static string Text(this AIFunctionArguments arguments, string name) =>
        arguments.TryGetValue(name, out var value) ? value switch
        {
            null => "",
            string text => text,
            JsonElement { ValueKind: JsonValueKind.String } element => element.GetString() ?? "",
            JsonElement element => element.GetRawText(),
            _ => value.ToString() ?? "",
        } : "";

    /// <summary>A tool's answer that refuses the arguments (the model reads it and can correct itself).</summary>
    private sealed class ToolRefusal(string message) : Exception(message);

    private sealed class PlatformTool(string name, string description, string schema, Func<AIFunctionArguments, CancellationToken, Task<string>> run) : AIFunction
    {
        private readonly JsonElement _schema = JsonDocument.Parse(schema).RootElement.Clone();

        public override string Name => name;

        public override string Description => description;

        public override JsonElement JsonSchema => _schema;

        protected override async ValueTask<object?> InvokeCoreAsync(AIFunctionArguments arguments, CancellationToken cancellationToken)
        {
            try
            {
                return await run(arguments, cancellationToken).ConfigureAwait(false);
            }
            catch (PlatformApiException ex)
            {
                return $"Error: {ex.PlatformError}";
            }
            catch (ToolRefusal ex)
            {
                return $"Error: {ex.Message}";
            }
            catch (ArgumentException ex)
            {
                return $"Error: {ex.ParamName ?? "an argument"} is required";
            }
        }
    }
}
