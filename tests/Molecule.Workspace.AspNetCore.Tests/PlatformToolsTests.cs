using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Molecule.Platform.Client;

namespace Molecule.Workspace.AspNetCore.Tests;

/// <summary>
/// The typed agent client and the platform tools against the real emulator as a process: a lead and its Summarizer
/// (a loopback A2A agent) delegate, remember for the team, ask a person and message the user.
/// </summary>
public sealed class PlatformToolsTests : IAsyncLifetime
{
    private readonly EmulatorProcess _emulator = new();
    private readonly HttpClient _http = new() { Timeout = TestTimeouts.Short };   // one client for every workspace's calls
    private readonly string _tokens = Directory.CreateTempSubdirectory("molecule-tools-").FullName;
    private WebApplication? _summarizer;
    private MoleculePlatform _lead = null!;
    private string _leadToken = "";
    private MoleculePlatform _member = null!;
    private string _summarizerId = "";

    public async ValueTask InitializeAsync()
    {
        await _emulator.InitializeAsync();
        _summarizer = await Infrastructure.LoopbackPeer.StartAsync(text => new
        {
            kind = "task", id = "t1", contextId = "c1", status = new { state = "completed" },
            artifacts = new[] { new { artifactId = "a1", parts = new[] { new { kind = "text", text = $"Summary: {text?.Length} characters, all good." } } } },
        });

        var (leadId, leadToken) = await _emulator.CreateExternalWorkspaceAsync("lead");
        var (summarizerId, summarizerToken) = await CreateChildAsync("Summarizer", leadId);
        var (memberId, memberToken) = await CreateChildAsync("writer", leadId);
        _summarizerId = summarizerId;
        using var registration = new HttpRequestMessage(HttpMethod.Post, "/registry/register")
        {
            Content = new StringContent(
                $$$"""{"id":"{{{summarizerId}}}","url":"{{{_summarizer.Urls.First()}}}","agent_card":{"name":"Summarizer","skills":[{"id":"summarize","name":"Summarize"}]}}""",
                Encoding.UTF8, "application/json"),
        };
        registration.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", summarizerToken);
        using var registered = await _emulator.Client.SendAsync(registration);
        Assert.Equal(HttpStatusCode.OK, registered.StatusCode);
        _lead = Platform(leadId, leadToken);
        _leadToken = leadToken;
        _member = Platform(memberId, memberToken);
        var summarizer = Platform(summarizerId, summarizerToken);
        await summarizer.ReportActivityAsync(new ActivityReport("agent_log", "ready"));   // its own token works
    }

    public async ValueTask DisposeAsync()
    {
        if (_summarizer is not null)
        {
            await _summarizer.DisposeAsync();
        }

        _http.Dispose();
        await _emulator.DisposeAsync();
        Directory.Delete(_tokens, recursive: true);
    }

    [Fact]
    public async Task The_tools_have_the_platforms_names_and_schemas()
    {
        var tools = PlatformTools.Create(_lead);

        Assert.Equal(PlatformTools.Names, tools.Select(t => t.Name));
        var delegate_ = tools.Single(t => t.Name == "delegate_task");
        Assert.Equal(["workspace_id", "task"], delegate_.JsonSchema.GetProperty("required").EnumerateArray().Select(e => e.GetString()));
        Assert.DoesNotContain("send_message_to_user", PlatformTools.Create(_lead, exclude: ["send_message_to_user"]).Select(t => t.Name));
    }

    [Fact]
    public async Task A_lead_lists_its_peers_delegates_waiting_and_in_the_background_and_remembers_for_the_team()
    {
        var tools = PlatformTools.Create(_lead).ToDictionary(t => t.Name);

        var peers = await CallAsync(tools["list_peers"]);
        Assert.Contains("\"name\": \"Summarizer\"", peers, StringComparison.Ordinal);
        Assert.Contains("\"name\": \"lead\"", await CallAsync(tools["get_workspace_info"]), StringComparison.Ordinal);

        Assert.Equal("Summary: 9 characters, all good.", await CallAsync(tools["delegate_task"], ("workspace_id", _summarizerId), ("task", "summarise")));

        var ticket = JsonDocument.Parse(await CallAsync(tools["delegate_task_async"], ("workspace_id", _summarizerId), ("task", "the report"))).RootElement;
        var taskId = ticket.GetProperty("task_id").GetString()!;
        var deadline = TestDeadline.In(TestTimeouts.Short);
        string status;
        do
        {
            status = await CallAsync(tools["check_task_status"], ("workspace_id", _summarizerId), ("task_id", taskId));
            Assert.False(deadline.Passed, status);
            await Task.Delay(TimeSpan.FromMilliseconds(50));
        }
        while (!status.Contains("\"status\": \"completed\"", StringComparison.Ordinal));
        Assert.Contains("Summary: 10 characters", status, StringComparison.Ordinal);

        Assert.Contains("\"scope\":\"TEAM\"", await CallAsync(tools["commit_memory"], ("content", "the report summarised: all good"), ("scope", "TEAM")), StringComparison.Ordinal);
        var recalled = await CallAsync(PlatformTools.Create(_member).Single(t => t.Name == "recall_memory"), ("query", "report"), ("scope", "TEAM"));
        Assert.Contains("the report summarised: all good", recalled, StringComparison.Ordinal);
        Assert.Equal("Error: GLOBAL scope is not permitted via the MCP bridge — use LOCAL or TEAM",
            await CallAsync(tools["commit_memory"], ("content", "x"), ("scope", "GLOBAL")));

        Assert.Equal("Message sent.", await CallAsync(tools["send_message_to_user"], ("message", "The summary is ready.")));
    }

    [Fact]
    public async Task The_typed_client_reads_secrets_waits_for_a_persons_decision_and_surfaces_the_platforms_errors()
    {
        using var secret = await _emulator.Client.PostAsync($"/workspaces/{_member.WorkspaceId}/secrets",
            new StringContent("""{"key":"OPENAI_API_KEY","value":"sk-from-the-platform"}""", Encoding.UTF8, "application/json"));
        Assert.Equal("sk-from-the-platform", (await _member.GetSecretValuesAsync())["OPENAI_API_KEY"]);

        var approvalId = await _member.RequestApprovalAsync("publish the summary", "it names a customer");
        var waiting = _member.WaitForApprovalAsync(approvalId, TestTimeouts.Short, TimeSpan.FromMilliseconds(100));
        using var decided = await _emulator.Client.PostAsync($"/workspaces/{_member.WorkspaceId}/approvals/{approvalId}/decide",
            new StringContent("""{"decision":"approved","decided_by":"ana"}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, decided.StatusCode);
        var decision = await waiting.DefaultTimeout();
        Assert.True(decision.Approved);
        Assert.Equal("ana", decision.DecidedBy);

        var refused = await Assert.ThrowsAsync<PlatformApiException>(() => _member.CommitMemoryAsync("x", MemoryScope.Global));
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal("only root workspaces can write GLOBAL memories", refused.PlatformError);
        Assert.DoesNotContain(_member.Tokens.Current!, refused.Message, StringComparison.Ordinal);
        Assert.Equal("", await _member.ResolveInstructionsAsync());
    }

    [Fact]
    public async Task A_message_to_the_user_with_an_uploaded_file_shows_up_in_the_workspaces_activity()
    {
        var files = await _member.UploadChatFilesAsync([new ChatFileUpload("q3-summary.md", "# Q3\nAll good."u8.ToArray(), "text/markdown")]).DefaultTimeout();
        var file = Assert.Single(files);
        Assert.Equal("q3-summary.md", file.Name);
        Assert.Equal(14, file.Size);

        await _member.NotifyUserAsync("The Q3 summary is attached.", files).DefaultTimeout();

        var activity = JsonDocument.Parse(await _emulator.Client.GetStringAsync($"/workspaces/{_member.WorkspaceId}/activity?type=a2a_receive")).RootElement;
        var row = Assert.Single(activity.EnumerateArray(), r => r.GetProperty("method").GetString() == "notify");
        Assert.Equal("Agent message: The Q3 summary is attached.", row.GetProperty("summary").GetString());
        var part = row.GetProperty("response_body").GetProperty("parts")[0].GetProperty("file");
        Assert.Equal(file.Uri, part.GetProperty("uri").GetString());
        Assert.Equal("q3-summary.md", part.GetProperty("name").GetString());
    }

    [Fact]
    public async Task A_chat_agent_asked_to_delegate_and_remember_lists_its_peers_delegates_remembers_for_the_team_and_answers_with_the_peers_reply()
    {
        await using var model = await OpenAICompatibleServer.StartAsync();
        // The model's script: look up peers, delegate to the Summarizer, remember its answer for the team, then answer with it.
        static string LastToolResult(JsonElement request) =>
            request.GetProperty("messages").EnumerateArray().Last(m => m.GetProperty("role").GetString() == "tool").GetProperty("content").ToString();
        model.ToolCalls = request =>
        {
            var tools = request.GetProperty("messages").EnumerateArray().Count(m => m.GetProperty("role").GetString() == "tool");
            return tools switch
            {
                0 => [("list_peers", "{}")],
                1 => [("delegate_task", $$"""{"workspace_id":"{{_summarizerId}}","task":"summarise the quarterly report"}""")],
                2 => [("commit_memory", JsonSerializer.Serialize(new { content = "Q3 report: " + LastToolResult(request), scope = "TEAM" }))],
                _ => null,
            };
        };
        model.Answer = request => (200, ["Done: ", string.Join(" ", request.GetProperty("messages").EnumerateArray()
            .Where(m => m.GetProperty("role").GetString() == "tool").Skip(1).Take(1).Select(m => m.GetProperty("content").ToString()))], TimeSpan.Zero);
        await using var host = await Infrastructure.WorkspaceHost.StartAsync(workspace =>
        {
            workspace.Services.AddChatClient(new OpenAI.OpenAIClient(new System.ClientModel.ApiKeyCredential("sk-test"), new OpenAI.OpenAIClientOptions { Endpoint = new Uri(model.BaseUrl) })
                .GetChatClient("test-model").AsIChatClient());
            workspace.AddChatAgent();
        }, new Dictionary<string, string?>
        {
            ["PLATFORM_URL"] = $"http://127.0.0.1:{_emulator.Port}",
            ["WORKSPACE_ID"] = _lead.WorkspaceId,
            ["WORKSPACE_AUTH_TOKEN"] = _leadToken,
        });

        using var request = Rpc.StreamRequest("SendStreamingMessage", new { message = Rpc.Message10("ask the summarizer to summarise the quarterly report") }, "1.0");
        using var response = await host.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).DefaultTimeout();
        var events = await Rpc.ReadSseAsync(response);

        var raw = string.Join("\n", events.Select(e => e.Data.GetRawText()));
        Assert.True(raw.Contains("Delegating to Summarizer", StringComparison.Ordinal), raw);   // the tool call, as progress on the task, naming the peer
        Assert.Contains("Done: Summary: 30 characters, all good.", raw, StringComparison.Ordinal);
        Assert.Equal("TASK_STATE_COMPLETED", events[^1].Data.GetProperty("result").GetProperty("statusUpdate").GetProperty("status").GetProperty("state").GetString());
        Assert.Equal(4, model.Requests.Count);
        // The answer was remembered for the team: a sibling recalls it.
        var recalled = await _member.SearchMemoriesAsync("Q3 report", MemoryScope.Team).DefaultTimeout();
        Assert.Contains(recalled, m => m.Content == "Q3 report: Summary: 30 characters, all good.");
        Assert.Contains("list_peers", model.Requests[0].GetProperty("tools").GetRawText(), StringComparison.Ordinal);
        // The delegation really went through the platform's proxy, as the lead: it is in the Summarizer's activity.
        var activity = await _emulator.Client.GetStringAsync($"/workspaces/{_summarizerId}/activity?type=a2a_receive&source=agent").DefaultTimeout();
        Assert.Contains(JsonDocument.Parse(activity).RootElement.EnumerateArray(), row =>
            row.GetProperty("source_id").GetString() == _lead.WorkspaceId && row.GetRawText().Contains("summarise the quarterly report", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_MCP_bridge_and_the_native_tools_give_the_same_answers_for_every_tool()
    {
        await using var mcp = await McpPlatformTools.ConnectAsync(_member, _http).DefaultTimeout();
        var native = PlatformTools.Create(_member).ToDictionary(t => t.Name);
        var bridge = mcp.Tools.ToDictionary(t => t.Name);
        Assert.Equal(PlatformTools.Names, mcp.Tools.Select(t => t.Name));   // the emulator offers send_message_to_user under Compatible

        // One table, both paths; ids and times differ per call, so those are compared by shape.
        (string Tool, (string, string)[] Arguments)[] table =
        [
            ("list_peers", []),
            ("get_workspace_info", []),
            ("delegate_task", [("workspace_id", _summarizerId), ("task", "same on both paths")]),
            ("commit_memory", [("content", "both paths remember"), ("scope", "TEAM")]),
            ("commit_memory", [("content", "x"), ("scope", "GLOBAL")]),
            ("send_message_to_user", [("message", "both paths speak")]),
        ];
        foreach (var (tool, arguments) in table)
        {
            var fromNative = Normalise(await CallAsync(native[tool], arguments));
            var fromBridge = Normalise(await CallBridgeAsync(bridge[tool], arguments));
            Assert.True(fromNative == fromBridge, $"{tool}:\nnative: {fromNative}\nbridge: {fromBridge}");
        }

        var recalled = await CallAsync(native["recall_memory"], ("query", "both paths"), ("scope", "TEAM"));
        var recalledByBridge = await CallBridgeAsync(bridge["recall_memory"], [("query", "both paths"), ("scope", "TEAM")]);
        Assert.Contains("both paths remember", recalled, StringComparison.Ordinal);
        Assert.Contains("both paths remember", recalledByBridge, StringComparison.Ordinal);

        var ticket = JsonDocument.Parse(await CallBridgeAsync(bridge["delegate_task_async"], [("workspace_id", _summarizerId), ("task", "async on the bridge")])).RootElement;
        Assert.Equal("dispatched", ticket.GetProperty("status").GetString());
        var taskId = ticket.GetProperty("task_id").GetString()!;
        var deadline = TestDeadline.In(TestTimeouts.Short);
        string viaNative;
        do
        {
            viaNative = await CallAsync(native["check_task_status"], ("workspace_id", _summarizerId), ("task_id", taskId));   // the bridge's delegation, seen natively
            Assert.False(deadline.Passed, viaNative);
            await Task.Delay(TimeSpan.FromMilliseconds(50));
        }
        while (!viaNative.Contains("\"status\": \"completed\"", StringComparison.Ordinal));
        Assert.Equal(Normalise(viaNative), Normalise(await CallBridgeAsync(bridge["check_task_status"], [("workspace_id", _summarizerId), ("task_id", taskId)])));
    }

    /// <summary>A tool's text with ids and times masked, so two calls that did the same compare equal.</summary>
    private static string Normalise(string text) =>
        System.Text.RegularExpressions.Regex.Replace(text, "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "<id>");

    /// <summary>A bridge tool's answer: the same string a native tool gives.</summary>
    private static Task<string> CallBridgeAsync(AIFunction tool, (string Name, string Value)[] arguments) => CallAsync(tool, arguments);

    private MoleculePlatform Platform(string id, string token)
    {
        var tokens = new TokenStore(Path.Combine(_tokens, id));
        tokens.Save(token);
        return new MoleculePlatform(_http, new Uri($"http://127.0.0.1:{_emulator.Port}"), id, tokens);
    }

    private async Task<(string Id, string Token)> CreateChildAsync(string name, string parentId)
    {
        using var response = await _emulator.Client.PostAsync("/workspaces", new StringContent(
            $$"""{"name":"{{name}}","runtime":"external","parent_id":"{{parentId}}"}""", Encoding.UTF8, "application/json"));
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        return (body.GetProperty("id").GetString()!, body.GetProperty("connection").GetProperty("auth_token").GetString()!);
    }

    private static async Task<string> CallAsync(AIFunction tool, params (string Name, string Value)[] arguments)
    {
        var result = await tool.InvokeAsync(new AIFunctionArguments(arguments.ToDictionary(a => a.Name, a => (object?)a.Value))).AsTask().DefaultTimeout();
        return Assert.IsType<string>(result);
    }
}
