using System.Collections.Concurrent;
using System.Net;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Molecule.Platform.Client;
using Molecule.Workspace.AspNetCore.Tests.Infrastructure;

namespace Molecule.Workspace.AspNetCore.Tests;

/// <summary>
/// The asynchronous side of a workspace on a team, against the real emulator as a process: delegation results coming
/// back as turns, the initial prompt, platform secrets in configuration, the card following config.yaml, and wedged.
/// </summary>
public sealed class MeshRuntimeTests : IAsyncLifetime
{
    private readonly EmulatorProcess _emulator = new();
    private readonly string _configs = Directory.CreateTempSubdirectory("molecule-mesh-").FullName;
    private WebApplication? _summarizer;
    private string _leadId = "";
    private string _leadToken = "";
    private string _summarizerId = "";

    public async ValueTask InitializeAsync()
    {
        await _emulator.InitializeAsync();
        (_leadId, _leadToken) = await _emulator.CreateExternalWorkspaceAsync("lead");
        using var child = await _emulator.Client.PostAsync("/workspaces", EmulatorProcess.Json($$"""{"name":"Summarizer","runtime":"external","parent_id":"{{_leadId}}"}"""));
        var created = JsonDocument.Parse(await child.Content.ReadAsStringAsync()).RootElement;
        _summarizerId = created.GetProperty("id").GetString()!;
        var summarizerToken = created.GetProperty("connection").GetProperty("auth_token").GetString()!;

        // The Summarizer: a loopback A2A agent that answers every message at once.
        _summarizer = await LoopbackPeer.StartAsync(text => new
        {
            kind = "message", messageId = "m1", role = "agent", parts = new[] { new { kind = "text", text = $"Summary of '{text}': all good." } },
        });
        using var registration = new HttpRequestMessage(HttpMethod.Post, "/registry/register")
        {
            Content = EmulatorProcess.Json($$$"""{"id":"{{{_summarizerId}}}","url":"{{{_summarizer.Urls.First()}}}","agent_card":{"name":"Summarizer"}}"""),
        };
        registration.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", summarizerToken);
        using var registered = await _emulator.Client.SendAsync(registration);
        Assert.Equal(HttpStatusCode.OK, registered.StatusCode);
    }

    public async ValueTask DisposeAsync()
    {
        if (_summarizer is not null)
        {
            await _summarizer.DisposeAsync();
        }

        await _emulator.DisposeAsync();
        Directory.Delete(_configs, recursive: true);
    }

    [Fact]
    public async Task A_delegation_result_comes_back_to_the_conversation_that_delegated_to_the_user_and_to_code_awaiting_it()
    {
        var agent = new RecordingAgent();
        await using var lead = await StartLeadAsync(agent, new() { ["Agent:DelegationResults:WakeInterval"] = "00:00:01" });
        var results = lead.Services.GetRequiredService<DelegationResults>();
        using var reading = new CancellationTokenSource(TestTimeouts.Start);
        var first = ReadFirstAsync(results, reading.Token);

        // A turn of conversation "ctx-report" delegates in the background with the platform tool, and ends at once.
        var (status, _) = await Rpc.CallAsync(lead.Client, "SendMessage",
            new { message = Rpc.Message10($"delegate {_summarizerId} the Q3 report", contextId: "ctx-report") }, "1.0").DefaultTimeout();
        Assert.Equal(200, status);

        var result = await first.WaitAsync(TestTimeouts.Start);
        Assert.True(result.Succeeded, result.Error);
        Assert.Equal(_summarizerId, result.TargetId);
        Assert.Equal("ctx-report", result.ContextId);
        Assert.Contains("Summary of 'the Q3 report': all good.", result.Response, StringComparison.Ordinal);
        Assert.Same(result, await results.WaitForAsync(result.DelegationId).DefaultTimeout());   // delivered once, kept for late waiters

        // The agent is woken through the platform with a new turn of the same conversation, naming the peer.
        await TestTimeouts.Eventually(() => Task.FromResult(agent.Turns.Any(t => t.ContextId == "ctx-report" && t.Text.StartsWith("Results of tasks you delegated", StringComparison.Ordinal))),
            TestTimeouts.Start, "the wake-up turn");
        var wake = agent.Turns.Single(t => t.Text.StartsWith("Results of tasks you delegated", StringComparison.Ordinal));
        Assert.Contains($"- Summarizer completed (delegation {result.DelegationId}): Summary of 'the Q3 report'", wake.Text, StringComparison.Ordinal);

        // And the user was told in the canvas chat.
        await TestTimeouts.Eventually(async () => (await _emulator.Client.GetStringAsync($"/workspaces/{_leadId}/activity?type=a2a_receive"))
            .Contains("Delegation to Summarizer completed", StringComparison.Ordinal), TestTimeouts.Short, "the user's message");

        // Later heartbeats deliver nothing twice.
        var loop = lead.Services.GetRequiredService<HeartbeatLoop>();
        await WaitForHeartbeatsAsync(loop, 2);
        Assert.Single(agent.Turns, t => t.Text.StartsWith("Results of tasks you delegated", StringComparison.Ordinal));
        Assert.Contains(result.DelegationId, await File.ReadAllTextAsync(Path.Combine(_configs, ".delegation_results")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_initial_prompt_is_sent_once_through_the_platform_and_a_restart_does_not_repeat_it()
    {
        await File.WriteAllTextAsync(Path.Combine(_configs, "config.yaml"), "name: lead\ninitial_prompt: Introduce yourself to the team\n");
        var agent = new RecordingAgent();
        await using (var lead = await StartLeadAsync(agent))
        {
            await TestTimeouts.Eventually(() => Task.FromResult(agent.Turns.Any(t => t.Text == "Introduce yourself to the team")), TestTimeouts.Start, "the initial prompt");
            Assert.True(File.Exists(Path.Combine(_configs, ".initial_prompt_done")));

            // Through the platform, as this workspace: the platform's activity log has it once the call is answered.
            // Stopping before that would abort the call in flight, which the platform queues to deliver again.
            await TestTimeouts.Eventually(async () => (await _emulator.Client.GetStringAsync($"/workspaces/{_leadId}/activity?type=a2a_receive"))
                .Contains("Introduce yourself to the team", StringComparison.Ordinal), TestTimeouts.Short, "the prompt in the platform's activity log");
        }

        var restarted = new RecordingAgent();
        await using (var lead = await StartLeadAsync(restarted))
        {
            await WaitForHeartbeatsAsync(lead.Services.GetRequiredService<HeartbeatLoop>(), 3);
        }

        Assert.Empty(restarted.Turns);
        Assert.Single(agent.Turns, t => t.Text == "Introduce yourself to the team");
    }

    [Fact]
    public async Task The_idle_prompt_is_sent_every_interval_while_the_workspace_has_no_task()
    {
        await File.WriteAllTextAsync(Path.Combine(_configs, "config.yaml"), "name: lead\nidle_prompt: Anything new on the team?\nidle_interval_seconds: 1\n");
        var agent = new RecordingAgent();
        await using var lead = await StartLeadAsync(agent);

        await TestTimeouts.Eventually(() => Task.FromResult(agent.Turns.Count(t => t.Text == "Anything new on the team?") >= 2), TestTimeouts.Start, "two idle prompts");
        Assert.False(File.Exists(Path.Combine(_configs, ".initial_prompt_done")));   // no initial prompt configured, none sent
    }

    [Fact]
    public async Task Secrets_set_on_the_platform_configure_the_workspace_and_explicit_settings_win()
    {
        await SetSecretAsync("OPENAI_API_KEY", "sk-from-the-platform");
        await SetSecretAsync("Agent__Chat__HistoryMessages", "12");
        await SetSecretAsync("REGION", "from-the-platform");
        await using var model = await OpenAICompatibleServer.StartAsync();

        await using var lead = await StartLeadAsync(null, new() { ["REGION"] = "from-the-environment" }, workspace =>
        {
            // A chat agent whose model key comes from configuration, as a user's Program.cs reads it.
            workspace.Services.AddChatClient(sp => new OpenAI.OpenAIClient(
                    new System.ClientModel.ApiKeyCredential(sp.GetRequiredService<IConfiguration>()["OPENAI_API_KEY"] ?? "unset"),
                    new OpenAI.OpenAIClientOptions { Endpoint = new Uri(model.BaseUrl) })
                .GetChatClient("test-model").AsIChatClient());
            workspace.AddChatAgent(chat => chat.PlatformTools = false);
        });

        var configuration = lead.Services.GetRequiredService<IConfiguration>();
        Assert.Equal("sk-from-the-platform", configuration["OPENAI_API_KEY"]);
        Assert.Equal("from-the-environment", configuration["REGION"]);
        Assert.Equal(12, lead.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<ChatAgentOptions>>().Value.HistoryMessages);

        var (status, _) = await Rpc.CallAsync(lead.Client, "SendMessage", new { message = Rpc.Message10("hello") }, "1.0").DefaultTimeout();
        Assert.Equal(200, status);
        Assert.Equal("Bearer sk-from-the-platform", Assert.Single(model.Authorizations));
    }

    [Fact]
    public async Task The_card_follows_config_yaml_and_its_skills_and_the_platform_gets_each_change()
    {
        await WriteSkillAsync("summarize", "name: Summarize\ndescription: Summarises long documents.\ntags: [text]\n", "Summarise in three bullet points.");
        await File.WriteAllTextAsync(Path.Combine(_configs, "config.yaml"), "name: Lead\nrole: Leads the writers\nskills: [summarize]\n");
        await using var lead = await StartLeadAsync(new RecordingAgent());
        await TestTimeouts.Eventually(async () => (await PlatformCardAsync())?.Contains("\"Summarises long documents.\"", StringComparison.Ordinal) == true,
            TestTimeouts.Start, "the registered card");
        var card = JsonDocument.Parse((await PlatformCardAsync())!).RootElement;
        Assert.Equal("Lead", card.GetProperty("name").GetString());
        Assert.Equal("Leads the writers", card.GetProperty("description").GetString());   // role stands in for a missing description

        await WriteSkillAsync("translate", "name: Translate\ndescription: Translates text.\nruntime: [dotnet]\n", "Translate faithfully.");
        await WriteSkillAsync("deploy", "name: Deploy\nruntime: [claude-code]\n", "Only for another runtime.");
        await File.WriteAllTextAsync(Path.Combine(_configs, "config.yaml"), "name: Lead\nrole: Leads the writers\nskills: [summarize, translate, deploy]\n");

        await TestTimeouts.Eventually(async () => (await PlatformCardAsync())?.Contains("\"Translates text.\"", StringComparison.Ordinal) == true,
            TestTimeouts.Start, "the updated card on the platform");
        var served = await lead.Client.GetStringAsync("/.well-known/agent-card.json").DefaultTimeout();
        Assert.Contains("\"translate\"", served, StringComparison.Ordinal);
        Assert.DoesNotContain("\"deploy\"", served, StringComparison.Ordinal);   // its runtime list excludes this one
    }

    [Fact]
    public async Task A_wedged_agent_is_degraded_on_the_platform_with_its_reason_and_heartbeats_declare_the_runtimes_capabilities()
    {
        await using var lead = await StartLeadAsync(new RecordingAgent(), new() { ["A2A_IDLE_TIMEOUT_SECONDS"] = "900" });
        var loop = lead.Services.GetRequiredService<HeartbeatLoop>();
        await TestTimeouts.Eventually(async () => await _emulator.StatusOfAsync(_leadId) == "online", TestTimeouts.Start, "online");

        loop.ReportWedged("the model call has not returned for 10 minutes");
        await TestTimeouts.Eventually(async () => await _emulator.StatusOfAsync(_leadId) == "degraded", TestTimeouts.Short, "degraded");
        var row = JsonDocument.Parse(await _emulator.Client.GetStringAsync("/workspaces")).RootElement.EnumerateArray().Single(w => w.GetProperty("id").GetString() == _leadId);
        Assert.Equal("the model call has not returned for 10 minutes", row.GetProperty("last_sample_error").GetString());

        loop.ClearWedged();
        await TestTimeouts.Eventually(async () => await _emulator.StatusOfAsync(_leadId) == "online", TestTimeouts.Short, "online again");
        var payload = loop.CreatePayload();
        Assert.Null(payload.RuntimeState);
        Assert.Equal(RuntimeMetadata.CapabilityNames, payload.RuntimeMetadata!.Capabilities.Keys);
        Assert.Equal(["heartbeat"], payload.RuntimeMetadata.Capabilities.Where(c => c.Value).Select(c => c.Key));
        Assert.Equal(900, payload.RuntimeMetadata.IdleTimeoutSeconds);   // the platform's idle timer for this workspace
    }

    private async Task<WorkspaceHost> StartLeadAsync(RecordingAgent? agent, Dictionary<string, string?>? settings = null, Action<MoleculeWorkspaceBuilder>? addAgent = null)
    {
        var all = new Dictionary<string, string?>
        {
            ["PLATFORM_URL"] = $"http://127.0.0.1:{_emulator.Port}",
            ["WORKSPACE_ID"] = _leadId,
            ["WORKSPACE_AUTH_TOKEN"] = _leadToken,
            ["HEARTBEAT_INTERVAL_SECONDS"] = "1",
        };
        foreach (var (key, value) in settings ?? [])
        {
            all[key] = value;
        }

        return await WorkspaceHost.StartAsync(addAgent ?? (workspace => workspace.AddAgent(sp => agent!.Attach(sp))), all, kestrel: true, configsDir: _configs);
    }

    private async Task SetSecretAsync(string key, string value)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/workspaces/{_leadId}/secrets") { Content = EmulatorProcess.Json(JsonSerializer.Serialize(new { key, value })) };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", _leadToken);
        using var response = await _emulator.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private async Task WriteSkillAsync(string id, string frontMatter, string body)
    {
        var folder = Directory.CreateDirectory(Path.Combine(_configs, "skills", id)).FullName;
        await File.WriteAllTextAsync(Path.Combine(folder, "SKILL.md"), $"---\n{frontMatter}---\n{body}\n");
    }

    private async Task<string?> PlatformCardAsync()
    {
        var row = JsonDocument.Parse(await _emulator.Client.GetStringAsync($"/workspaces/{_leadId}")).RootElement;
        return row.TryGetProperty("agent_card", out var card) && card.ValueKind == JsonValueKind.Object ? card.GetRawText() : null;
    }

    private static async Task WaitForHeartbeatsAsync(HeartbeatLoop loop, int count)
    {
        var seen = 0;
        var beats = new SemaphoreSlim(0);
        void OnBeat(object? sender, EventArgs e) => beats.Release();
        loop.HeartbeatSucceeded += OnBeat;
        try
        {
            while (seen++ < count)
            {
                Assert.True(await beats.WaitAsync(TestTimeouts.Short), "no heartbeat");
            }
        }
        finally
        {
            loop.HeartbeatSucceeded -= OnBeat;
        }
    }

    private static async Task<DelegationResult> ReadFirstAsync(DelegationResults results, CancellationToken cancellationToken)
    {
        await foreach (var result in results.ReadAllAsync(cancellationToken))
        {
            return result;
        }

        throw new InvalidOperationException("no result");
    }

    /// <summary>Records every turn; "delegate &lt;id&gt; &lt;task&gt;" calls the platform's delegate_task_async tool, as an LLM would.</summary>
    private sealed class RecordingAgent : IAgent
    {
        private IReadOnlyDictionary<string, AIFunction> _tools = new Dictionary<string, AIFunction>();

        public ConcurrentQueue<(string ContextId, string Text)> Turns { get; } = new();

        public IAgent Attach(IServiceProvider services)
        {
            _tools = PlatformTools.Create(services.GetRequiredService<MoleculePlatform>(), results: services.GetRequiredService<DelegationResults>())
                .ToDictionary(t => t.Name);
            return this;
        }

        public async IAsyncEnumerable<AgentUpdate> RunAsync(AgentRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            var text = request.Message.Text;
            Turns.Enqueue((request.ContextId, text));
            if (text.StartsWith("delegate ", StringComparison.Ordinal))
            {
                var words = text.Split(' ', 3);
                var ticket = await _tools["delegate_task_async"].InvokeAsync(new AIFunctionArguments(new Dictionary<string, object?>
                {
                    ["workspace_id"] = words[1],
                    ["task"] = words[2],
                }), cancellationToken);
                yield return new AgentText($"Delegated: {ticket}");
                yield break;
            }

            yield return new AgentText("ok");
        }
    }
}
