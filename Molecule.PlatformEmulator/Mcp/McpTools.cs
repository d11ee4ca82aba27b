using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Molecule.PlatformEmulator.Chat;
using Molecule.PlatformEmulator.Delegations;
using Molecule.PlatformEmulator.Infrastructure;
using Molecule.PlatformEmulator.Memories;
using Molecule.PlatformEmulator.State;

namespace Molecule.PlatformEmulator.Mcp;

/// <summary>A tool's output text, or the error the bridge answers with <c>-32000</c>.</summary>
public readonly record struct McpToolResult(string? Text, string? Error)
{
    public static McpToolResult Ok(string text) => new(text, null);

    public static McpToolResult Fail(string error) => new(null, error);
}

/// <summary>
/// What each bridge tool does (supplement §8). Arguments are read as strings, missing ones as <c>""</c>. Under
/// Compatible the delegation tools go through the emulator's proxy logic and record their rows, so
/// <c>check_task_status</c> finds them and returns the answer; under Strict they POST <c>&lt;agent URL&gt;/a2a</c> as the
/// real bridge does and record nothing.
/// </summary>
public sealed partial class McpTools(PlatformState state, MemoryStore memories, DelegationService delegations, UserMessages messages,
    IHttpClientFactory clients, EmulatorOptions options, TimeProvider time, ILogger<McpTools> logger)
{
    private static readonly TimeSpan DelegateTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan AsyncDelegateTimeout = TimeSpan.FromSeconds(8);
    private static readonly JsonSerializerOptions Pretty = new(Contract.WireOptions) { WriteIndented = true };

    public bool AllowSendMessage => options.McpAllowSendMessage;

    public async Task<McpToolResult> CallAsync(Guid self, string name, JsonObject arguments, CancellationToken cancellationToken)
    {
        string Arg(string key) => arguments[key] is JsonValue value && value.TryGetValue<string>(out var text) ? text : "";
        return name switch
        {
            McpToolCatalog.ListPeers => ListPeers(self),
            McpToolCatalog.GetWorkspaceInfo => Info(self),
            McpToolCatalog.DelegateTask => await DelegateAsync(self, Arg("workspace_id"), Arg("task"), cancellationToken).ConfigureAwait(false),
            McpToolCatalog.DelegateTaskAsync => DelegateInBackground(self, Arg("workspace_id"), Arg("task")),
            McpToolCatalog.CheckTaskStatus => CheckStatus(self, Arg("workspace_id"), Arg("task_id")),
            McpToolCatalog.SendMessageToUser => SendMessage(self, Arg("message")),
            McpToolCatalog.CommitMemory => Commit(self, Arg("content"), Arg("scope")),
            McpToolCatalog.RecallMemory => Recall(self, Arg("query"), Arg("scope")),
            _ => McpToolResult.Fail($"unknown tool: {name}"),
        };
    }

    private McpToolResult ListPeers(Guid self)
    {
        if (state.Find(self) is null)
        {
            return McpToolResult.Fail("workspace not found");
        }

        var parent = state.ParentOf(self);
        var siblings = state.All.Where(r => r.Id != self && r.Status != WorkspaceStatus.Removed && state.ParentOf(r.Id) == parent);
        var children = state.ChildrenOf(self);
        var up = parent is { } p && state.Find(p) is { } parentRow && parentRow.Status != WorkspaceStatus.Removed ? [parentRow] : Array.Empty<WorkspaceRow>();
        var peers = new JsonArray([.. siblings.Concat(children).Concat(up).Select(r => (JsonNode)Describe(r, withParent: false))]);
        return McpToolResult.Ok(peers.Count == 0 ? "No peers found." : peers.ToJsonString(Pretty));
    }

    private McpToolResult Info(Guid self) =>
        state.Find(self) is { } row ? McpToolResult.Ok(Describe(row, withParent: true).ToJsonString(Pretty)) : McpToolResult.Fail("workspace not found");

    private async Task<McpToolResult> DelegateAsync(Guid self, string target, string task, CancellationToken cancellationToken)
    {
        if (CheckDelegation(self, target, task) is { } refused)
        {
            return refused;
        }

        if (options.Strict)
        {
            return await DirectAsync(self, target, task, DelegateTimeout, cancellationToken).ConfigureAwait(false);
        }

        var result = await delegations.DelegateAndWaitAsync(self, target, task, DelegateTimeout, cancellationToken).ConfigureAwait(false);
        return result.Succeeded ? McpToolResult.Ok(AnswerText(result.Body)) : McpToolResult.Fail($"A2A call failed: {result.Error ?? (result.Queued ? "target busy; the call is queued" : "no answer")}");
    }

    private McpToolResult DelegateInBackground(Guid self, string target, string task)
    {
        if (CheckDelegation(self, target, task) is { } refused)
        {
            return refused;
        }

        string taskId;
        if (options.Strict)
        {
            taskId = Guid.NewGuid().ToString();
            _ = FireAndForgetAsync(self, target, task);   // the real bridge discards the reply and records nothing
        }
        else
        {
            taskId = ((DelegatedAnswer)delegations.Delegate(self, new DelegateRequest { TargetId = target, Task = task })).DelegationId;
        }

        return McpToolResult.Ok(new JsonObject { ["task_id"] = taskId, ["status"] = "dispatched", ["target_id"] = target }.ToJsonString(Contract.WireOptions));
    }

    private McpToolResult CheckStatus(Guid self, string target, string taskId)
    {
        if (delegations.Find(self, target, taskId) is not { } found)
        {
            return McpToolResult.Ok(new JsonObject { ["task_id"] = taskId, ["status"] = "not_found", ["note"] = "task not tracked or not yet dispatched" }
                .ToJsonString(Contract.WireOptions));
        }

        var answer = new JsonObject();
        if (!string.IsNullOrEmpty(found.Error))
        {
            answer["error"] = found.Error;
        }

        if (found.Result is { } result)
        {
            answer["result"] = result;
        }

        answer["status"] = found.Status;
        answer["target_id"] = target;
        answer["task_id"] = taskId;
        return McpToolResult.Ok(answer.ToJsonString(Pretty));
    }

    private McpToolResult SendMessage(Guid self, string message)
    {
        if (message.Length == 0)
        {
            return McpToolResult.Fail("message is required");
        }

        if (!AllowSendMessage)
        {
            return McpToolResult.Fail("send_message_to_user is not enabled on this MCP bridge (set MOLECULE_MCP_ALLOW_SEND_MESSAGE=true)");
        }

        if (state.Find(self) is not { } row || row.Status == WorkspaceStatus.Removed)
        {
            return McpToolResult.Fail("workspace not found");
        }

        // The real bridge only broadcasts; the emulator also writes the chat-history row /notify writes, unless Strict.
        messages.Send(row, message, [], writeActivity: !options.Strict);
        return McpToolResult.Ok("Message sent.");
    }

    private McpToolResult Commit(Guid self, string content, string scope)
    {
        if (content.Length == 0)
        {
            return McpToolResult.Fail("content is required");
        }

        scope = scope.Length == 0 ? MemoryStore.Local : scope;
        if (scope == MemoryStore.Global)
        {
            return McpToolResult.Fail("GLOBAL scope is not permitted via the MCP bridge — use LOCAL or TEAM");
        }

        if (scope is not (MemoryStore.Local or MemoryStore.Team))
        {
            return McpToolResult.Fail("scope must be LOCAL or TEAM");
        }

        if (state.Find(self) is null)
        {
            return McpToolResult.Fail("failed to save memory");
        }

        var memory = memories.Add(self, MemoryRedaction.Scrub(content), scope, self.ToString(), time.GetUtcNow());
        return McpToolResult.Ok(new JsonObject { ["id"] = memory.Id.ToString(), ["scope"] = memory.Scope }.ToJsonString(Contract.WireOptions));
    }

    private McpToolResult Recall(Guid self, string query, string scope)
    {
        if (scope == MemoryStore.Global)
        {
            return McpToolResult.Fail("GLOBAL scope is not permitted via the MCP bridge — use LOCAL, TEAM, or empty");
        }

        var rows = memories.Recall(self, scope, query);
        return rows.Count == 0
            ? McpToolResult.Ok("No memories found.")
            : McpToolResult.Ok(new JsonArray([.. rows.Select(m => (JsonNode)new JsonObject
            {
                ["id"] = m.Id.ToString(),
                ["content"] = m.Content,
                ["scope"] = m.Scope,
                ["created_at"] = Contract.Timestamp(m.CreatedAt),
            })]).ToJsonString(Pretty));
    }

    private McpToolResult? CheckDelegation(Guid self, string target, string task)
    {
        if (target.Length == 0)
        {
            return McpToolResult.Fail("workspace_id is required");
        }

        if (task.Length == 0)
        {
            return McpToolResult.Fail("task is required");
        }

        return Contract.ParseWorkspaceId(target) is { } targetId && state.CanCommunicate(self, targetId)
            ? null
            : McpToolResult.Fail($"workspace {self} is not authorised to communicate with {target}");
    }

    /// <summary>The real bridge's call: <c>POST &lt;agent URL&gt;/a2a</c> as the workspace, bypassing the proxy.</summary>
    private async Task<McpToolResult> DirectAsync(Guid self, string target, string task, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var row = state.Find(Guid.Parse(target))!;
        string url, status;
        lock (row.Gate)
        {
            (url, status) = (row.Url, row.Status);
        }

        if (url.Length == 0)
        {
            return McpToolResult.Fail($"workspace {target} has no URL (status: {status})");
        }

        var id = Guid.NewGuid().ToString();
        var body = new JsonObject
        {
            ["jsonrpc"] = "2.0",
            ["id"] = id,
            ["method"] = "message/send",
            ["params"] = new JsonObject
            {
                ["message"] = new JsonObject
                {
                    ["role"] = "user",
                    ["parts"] = new JsonArray(new JsonObject { ["type"] = "text", ["text"] = task }),
                    ["messageId"] = id,
                },
            },
        }.ToJsonString(Contract.WireOptions);
        using var deadline = new CancellationTokenSource(timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, url.TrimEnd('/') + "/a2a") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
            request.Headers.Add("X-Workspace-ID", self.ToString());
            using var response = await clients.CreateClient(Proxy.PlatformA2A.HttpClientName).SendAsync(request, linked.Token).ConfigureAwait(false);
            var answer = await response.Content.ReadAsByteArrayAsync(linked.Token).ConfigureAwait(false);
            return McpToolResult.Ok(AnswerText(answer.Length > 1024 * 1024 ? answer[..(1024 * 1024)] : answer));
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
        {
            return McpToolResult.Ok($"A2A call failed: {ex.Message}");
        }
    }

    private async Task FireAndForgetAsync(Guid self, string target, string task)
    {
        var result = await DirectAsync(self, target, task, AsyncDelegateTimeout, CancellationToken.None).ConfigureAwait(false);
        LogAsyncDelegation(logger, self, target, result.Error ?? "sent");
    }

    /// <summary>
    /// The bridge's reading of an A2A answer: <c>[error] …</c>, the first artifact's text, <c>result.message</c>'s text,
    /// then (under Compatible) a Message result's own text part, the compact <c>result</c>, else the raw body.
    /// </summary>
    private string AnswerText(byte[] body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object)
            {
                if (root.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object && error.TryGetProperty("message", out var message))
                {
                    return $"[error] {message}";
                }

                if (root.TryGetProperty("result", out var result))
                {
                    if (TextAt(result, "artifacts", 0) is { } artifact)
                    {
                        return artifact;
                    }

                    if (result.ValueKind == JsonValueKind.Object && result.TryGetProperty("message", out var inner) && FirstPartText(inner) is { } innerText)
                    {
                        return innerText;
                    }

                    if (!options.Strict && result.ValueKind == JsonValueKind.Object && DelegationText.AnswerText(body) is { } text && text != Encoding.UTF8.GetString(body))
                    {
                        return text;
                    }

                    return result.GetRawText();
                }
            }
        }
        catch (JsonException)
        {
        }

        return Encoding.UTF8.GetString(body);
    }

    private static string? TextAt(JsonElement result, string list, int index) =>
        result.ValueKind == JsonValueKind.Object && result.TryGetProperty(list, out var items) && items.ValueKind == JsonValueKind.Array &&
        items.GetArrayLength() > index ? FirstPartText(items[index]) : null;

    private static string? FirstPartText(JsonElement holder) =>
        holder.ValueKind == JsonValueKind.Object && holder.TryGetProperty("parts", out var parts) && parts.ValueKind == JsonValueKind.Array &&
        parts.GetArrayLength() > 0 && parts[0].ValueKind == JsonValueKind.Object && parts[0].TryGetProperty("text", out var text) &&
        text.ValueKind == JsonValueKind.String
            ? text.GetString()
            : null;

    private static JsonObject Describe(WorkspaceRow row, bool withParent)
    {
        lock (row.Gate)
        {
            var description = new JsonObject { ["id"] = row.Id.ToString(), ["name"] = row.Name };
            if (withParent && row.ParentId is { } parent)
            {
                description["parent_id"] = parent.ToString();
            }

            description["role"] = row.Role ?? "";
            description["status"] = row.Status;
            description["tier"] = row.Tier;
            return description;
        }
    }

    [LoggerMessage(EventId = 900, Level = LogLevel.Information, Message = "MCP delegate_task_async from {Source} to {Target}: {Outcome}")]
    private static partial void LogAsyncDelegation(ILogger logger, Guid source, string target, string outcome);
}
