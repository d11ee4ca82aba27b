using System.Net;
using System.Text.Json;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Molecule.PlatformEmulator.Tests.AgentApis;

/// <summary>Supplement §8: the MCP bridge driven by the official MCP C# client, and its wire where a client would not look.</summary>
public sealed class McpBridgeTests(EmulatorFactory factory) : IClassFixture<EmulatorFactory>, IAsyncLifetime
{
    private LoopbackAgent? _agent;
    private string _agentUrl = "";

    private Team NewTeam() => new(factory.CreateClient(), factory.AdminToken);

    public async ValueTask InitializeAsync()
    {
        _agent = await LoopbackAgent.StartAsync(text => $"summary: {text}");
        _agentUrl = _agent.Url;
    }

    public async ValueTask DisposeAsync()
    {
        if (_agent is not null)
        {
            await _agent.DisposeAsync();
        }
    }

    [Fact]
    public async Task The_official_client_connects_lists_the_tools_in_order_and_a_team_works_through_them()
    {
        var team = NewTeam();
        var lead = await team.CreateAsync("mcp-lead");
        var writer = await team.CreateAsync("mcp-writer", lead);
        var summarizer = await team.CreateAsync("Summarizer", lead);
        await team.AsAgentAsync(summarizer, HttpMethod.Post, "/registry/register", $$$"""{"id":"{{{summarizer.Id}}}","url":"{{{_agentUrl}}}","agent_card":{"name":"Summarizer"}}""");
        await using var client = await ConnectAsync(writer);

        var tools = await client.ListToolsAsync().AsTask().DefaultTimeout();
        string[] names = ["delegate_task", "delegate_task_async", "check_task_status", "list_peers", "get_workspace_info", "send_message_to_user", "commit_memory", "recall_memory"];
        Assert.Equal(Fidelity.Strict ? names.Where(n => n != "send_message_to_user") : names, tools.Select(t => t.Name));   // off by default on the real bridge
        Assert.Equal("Save important information to persistent memory. Scope LOCAL (this workspace only) and TEAM (parent + siblings) are supported. GLOBAL scope is not available via the MCP bridge.",
            tools.Single(t => t.Name == "commit_memory").Description);

        var peers = await CallAsync(client, "list_peers");
        Assert.Contains("\"name\": \"Summarizer\"", peers, StringComparison.Ordinal);
        Assert.Contains("\"name\": \"mcp-lead\"", peers, StringComparison.Ordinal);
        Assert.Contains($"\"parent_id\": \"{lead.Id}\"", await CallAsync(client, "get_workspace_info"), StringComparison.Ordinal);

        var answer = await CallAsync(client, "delegate_task", ("workspace_id", summarizer.Id), ("task", "the report"));
        if (Fidelity.Strict)
        {
            Assert.Contains("summary: the report", answer, StringComparison.Ordinal);   // the real bridge returns a Message result as its JSON
        }
        else
        {
            Assert.Equal("summary: the report", answer);
        }

        var dispatched = JsonDocument.Parse(await CallAsync(client, "delegate_task_async", ("workspace_id", summarizer.Id), ("task", "later"))).RootElement;
        Assert.Equal("dispatched", dispatched.GetProperty("status").GetString());
        var taskId = dispatched.GetProperty("task_id").GetString()!;
        if (Fidelity.Strict)
        {
            // The real bridge records nothing for these, so its own status check never finds them.
            Assert.Contains("\"status\":\"not_found\"", await CallAsync(client, "check_task_status", ("workspace_id", summarizer.Id), ("task_id", taskId)), StringComparison.Ordinal);
            return;
        }

        var deadline = TestDeadline.In(TestTimeouts.Short);
        string status;
        do
        {
            status = await CallAsync(client, "check_task_status", ("workspace_id", summarizer.Id), ("task_id", taskId));
            Assert.False(deadline.Passed, status);
        }
        while (!status.Contains("\"status\": \"completed\"", StringComparison.Ordinal));
        Assert.Contains("\"result\": \"summary: later\"", status, StringComparison.Ordinal);

        Assert.Contains("\"scope\":\"TEAM\"", await CallAsync(client, "commit_memory", ("content", "the summary is short"), ("scope", "TEAM")), StringComparison.Ordinal);
        await using var sibling = await ConnectAsync(summarizer);
        Assert.Contains("the summary is short", await CallAsync(sibling, "recall_memory", ("query", "SUMMARY"), ("scope", "TEAM")), StringComparison.Ordinal);
        Assert.Equal("No memories found.", await CallAsync(sibling, "recall_memory", ("query", "nothing like it"), ("scope", "")));

        Assert.Equal("Message sent.", await CallAsync(client, "send_message_to_user", ("message", "done")));
        var error = await Assert.ThrowsAnyAsync<Exception>(() => CallAsync(client, "commit_memory", ("content", "x"), ("scope", "GLOBAL")));
        Assert.Contains("GLOBAL scope is not permitted via the MCP bridge — use LOCAL or TEAM", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""[{"jsonrpc":"2.0","id":1,"method":"tools/list"}]""", 400, -32700)]
    [InlineData("""{"jsonrpc":"2.0","id":7,"method":"ping"}""", 200, -32601)]
    [InlineData("""{"jsonrpc":"2.0","id":"a","method":"tools/call"}""", 200, -32602)]
    [InlineData("""{"jsonrpc":"2.0","id":"a","method":"tools/call","params":{"name":"fly"}}""", 200, -32000)]
    public async Task The_wire_answers_json_rpc_errors_as_the_bridge_does(string body, int status, int code)
    {
        var team = NewTeam();
        var agent = await team.CreateAsync("mcp-wire");

        var (actual, text) = await team.AsAgentAsync(agent, HttpMethod.Post, "/workspaces/{id}/mcp", body);

        Assert.Equal((HttpStatusCode)status, actual);
        Assert.Equal(code, Team.Json(text).GetProperty("error").GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task The_bridge_needs_a_bearer_and_counts_requests_per_token()
    {
        var team = NewTeam();
        var agent = await team.CreateAsync("mcp-limits");

        var (unauthorised, error) = await team.Client.SendJsonAsync(HttpMethod.Post, $"/workspaces/{agent.Id}/mcp", """{"jsonrpc":"2.0","id":1,"method":"initialize"}""");
        Assert.Equal(HttpStatusCode.Unauthorized, unauthorised);
        Assert.Equal("missing workspace auth token", Team.Error(error));

        using var request = new HttpRequestMessage(HttpMethod.Post, $"/workspaces/{agent.Id}/mcp") { Content = new StringContent("""{"jsonrpc":"2.0","id":1,"method":"initialize"}""") };
        request.Headers.TryAddWithoutValidation("Authorization", $"Bearer {agent.Token}");
        using var response = await team.Client.SendAsync(request).DefaultTimeout();
        Assert.Equal("120", response.Headers.GetValues("X-RateLimit-Limit").Single());
        Assert.Equal("119", response.Headers.GetValues("X-RateLimit-Remaining").Single());
        Assert.Contains("\"protocolVersion\":\"2024-11-05\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Past_120_requests_a_minute_a_token_gets_the_bridges_429()
    {
        var team = NewTeam();
        var agent = await team.CreateAsync("mcp-busy");
        for (var i = 0; i < 120; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await team.AsAgentAsync(agent, HttpMethod.Post, "/workspaces/{id}/mcp", """{"jsonrpc":"2.0","id":1,"method":"tools/list"}""")).Status);
        }

        var (status, body) = await team.AsAgentAsync(agent, HttpMethod.Post, "/workspaces/{id}/mcp", """{"jsonrpc":"2.0","id":1,"method":"tools/list"}""");
        Assert.Equal(HttpStatusCode.TooManyRequests, status);
        Assert.Equal("MCP rate limit exceeded", Team.Error(body));
        factory.Time.Advance(TimeSpan.FromSeconds(61));
        Assert.Equal(HttpStatusCode.OK, (await team.AsAgentAsync(agent, HttpMethod.Post, "/workspaces/{id}/mcp", """{"jsonrpc":"2.0","id":1,"method":"tools/list"}""")).Status);
    }

    private async Task<McpClient> ConnectAsync(Member member)
    {
        var transport = new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri(factory.Server.BaseAddress, $"/workspaces/{member.Id}/mcp"),
            TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = $"Bearer {member.Token}" },
        }, factory.CreateClient(), loggerFactory: null, ownsHttpClient: true);
        return await McpClient.CreateAsync(transport).WaitAsync(TestTimeouts.Short);
    }

    private static async Task<string> CallAsync(McpClient client, string tool, params (string Key, string Value)[] arguments)
    {
        var result = await client.CallToolAsync(tool, arguments.ToDictionary(a => a.Key, a => (object?)a.Value)).AsTask().DefaultTimeout();
        return Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text;
    }
}
