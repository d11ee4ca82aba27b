using System.Text.Json.Nodes;

namespace Molecule.PlatformEmulator.Mcp;

/// <summary>The bridge's tools (supplement §8) with the platform's exact names, descriptions and input schemas, in its order.</summary>
public static class McpToolCatalog
{
    public const string DelegateTask = "delegate_task";
    public const string DelegateTaskAsync = "delegate_task_async";
    public const string CheckTaskStatus = "check_task_status";
    public const string ListPeers = "list_peers";
    public const string GetWorkspaceInfo = "get_workspace_info";
    public const string SendMessageToUser = "send_message_to_user";
    public const string CommitMemory = "commit_memory";
    public const string RecallMemory = "recall_memory";

    /// <summary>The <c>tools/list</c> array; <c>send_message_to_user</c> only when the bridge allows it.</summary>
    public static JsonArray Tools(bool allowSendMessage)
    {
        var delegation = new JsonObject
        {
            ["workspace_id"] = Text("Target workspace ID (from list_peers)"),
            ["task"] = Text("The task description to send to the target workspace"),
        };
        var tools = new JsonArray
        {
            Tool(DelegateTask,
                "Delegate a task to another workspace via A2A protocol and WAIT for the response. Use for quick tasks. The target must be a peer (sibling or parent/child). Use list_peers to find available targets.",
                delegation.DeepClone().AsObject(), ["workspace_id", "task"]),
            Tool(DelegateTaskAsync,
                "Send a task to another workspace with a short timeout (fire-and-forget). Returns immediately with a task_id — use check_task_status to poll for results.",
                delegation.DeepClone().AsObject(), ["workspace_id", "task"]),
            Tool(CheckTaskStatus,
                "Check the status of a previously submitted async task. Returns status (dispatched/success/failed) and result when available.",
                new JsonObject
                {
                    ["workspace_id"] = Text("The workspace ID the task was sent to"),
                    ["task_id"] = Text("The task_id returned by delegate_task_async"),
                }, ["workspace_id", "task_id"]),
            Tool(ListPeers,
                "List all workspaces this agent can communicate with (siblings and parent/children). Returns name, ID, status, and role for each peer.",
                [], null),
            Tool(GetWorkspaceInfo, "Get this workspace's own info — ID, name, role, tier, parent, status.", [], null),
        };
        if (allowSendMessage)
        {
            tools.Add(Tool(SendMessageToUser,
                "Send a message directly to the user's canvas chat — pushed instantly via WebSocket. Use this to acknowledge tasks, send progress updates, or deliver follow-up results.",
                new JsonObject { ["message"] = Text("The message to send to the user") }, ["message"]));
        }

        tools.Add(Tool(CommitMemory,
            "Save important information to persistent memory. Scope LOCAL (this workspace only) and TEAM (parent + siblings) are supported. GLOBAL scope is not available via the MCP bridge.",
            new JsonObject
            {
                ["content"] = Text("The information to remember"),
                ["scope"] = Enum("Memory scope (LOCAL or TEAM — GLOBAL is blocked on the MCP bridge)", "LOCAL", "TEAM"),
            }, ["content"]));
        tools.Add(Tool(RecallMemory,
            "Search persistent memory for previously saved information. Returns all matching memories. GLOBAL scope is not available via the MCP bridge.",
            new JsonObject
            {
                ["query"] = Text("Search query (empty returns all memories)"),
                ["scope"] = Enum("Filter by scope (empty returns LOCAL + TEAM; GLOBAL is blocked)", "LOCAL", "TEAM", ""),
            }, null));
        return tools;
    }

    private static JsonObject Tool(string name, string description, JsonObject properties, string[]? required)
    {
        var schema = new JsonObject { ["type"] = "object", ["properties"] = properties };
        if (required is not null)
        {
            schema["required"] = new JsonArray([.. required.Select(r => (JsonNode)r)]);
        }

        return new JsonObject { ["name"] = name, ["description"] = description, ["inputSchema"] = schema };
    }

    private static JsonObject Text(string description) => new() { ["type"] = "string", ["description"] = description };

    private static JsonObject Enum(string description, params string[] values) =>
        new() { ["type"] = "string", ["enum"] = new JsonArray([.. values.Select(v => (JsonNode)v)]), ["description"] = description };
}
