using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Molecule.Workspace.AspNetCore.Tests.Infrastructure;
using Molecule.Workspace.Runtime;

namespace Molecule.Workspace.AspNetCore.Tests;

/// <summary>
/// The agent built from <c>CONFIGS_DIR</c> as the Molecule runtime builds it: the system prompt's parts in the runtime's
/// order (against an in-process platform stub that follows the contract), and the config.yaml keys that change behaviour.
/// </summary>
public sealed class WorkspaceConfigTests : IAsyncLifetime
{
    private const string Self = "0b5e9a4c-1f2d-4e3a-8b7c-6d5e4f3a2b1c";
    private const string Parent = "9d3a2c1b-0f4e-4d5c-8b7a-6e5f4d3c2b1a";
    private const string Peer = "5f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";

    private readonly string _configs = Directory.CreateTempSubdirectory("molecule-config-").FullName;
    private readonly ConcurrentQueue<string> _platformCalls = new();
    private WebApplication _platform = null!;

    public async ValueTask InitializeAsync()
    {
        // The routes the prompt reads, answering as §7 and the registry do.
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _platform = builder.Build();
        _platform.Use(async (context, next) =>
        {
            _platformCalls.Enqueue($"{context.Request.Method} {context.Request.Path} {context.Request.Headers.Authorization}");
            await next(context);
        });
        _platform.MapGet($"/workspaces/{Self}/instructions/resolve", () =>
            Results.Json(new { instructions = "\n## Platform-Wide Rules\n\n### Be kind\nAlways be kind.\n\n", workspace_id = Self }));
        _platform.MapGet($"/workspaces/{Self}", () => Results.Json(new { id = Self, name = "writer", role = "Writes", status = "online", tier = 1, parent_id = Parent }));
        _platform.MapGet($"/workspaces/{Parent}/shared-context", () => Results.Json(new[] { new { path = "style.md", content = "Use British spelling.\n" } }));
        _platform.MapGet($"/registry/{Self}/peers", () => Results.Json(new[]
        {
            new { id = Peer, name = "Summarizer", role = "Summarises", status = "online", tier = 1, parent_id = Parent,
                  agent_card = new { skills = new[] { new { id = "summarize", name = "Summarize" } } } },
        }));
        _platform.MapPost("/registry/register", () => Results.Json(new { status = "registered" }));
        _platform.MapPost("/registry/heartbeat", () => Results.Json(new { status = "ok" }));
        await _platform.StartAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _platform.DisposeAsync();
        Directory.Delete(_configs, recursive: true);
    }

    [Fact]
    public async Task The_system_prompt_has_every_part_in_the_runtimes_order()
    {
        await Write("config.yaml", "name: writer\nprompt_files: [role.md, missing.md, tone.md]\nskills: [edit]\n");
        await Write("role.md", "You write the quarterly report.\n");
        await Write("tone.md", "Keep it short.");
        await Write("MEMORY.md", "Last quarter was a good one.");
        await Write("skills/edit/SKILL.md", "---\nname: Edit\ndescription: Edits drafts.\n---\nFix grammar first, then style.\n");
        await using var host = await StartAsync();

        var prompt = await host.Services.GetRequiredService<WorkspacePrompt>().GetAsync("the agent's own text, unused: prompt files exist").DefaultTimeout();

        Assert.Equal(
            "# Platform Instructions\n## Platform-Wide Rules\n\n### Be kind\nAlways be kind.\n\n" +
            "You write the quarterly report.\n\nKeep it short.\n\nLast quarter was a good one.\n\n" +
            "## Parent Context\nYour parent workspace shared these files with you.\n\n### style.md\nUse British spelling.\n\n" +
            "## Your Skills\n\n### Edit\nEdits drafts.\n\nFix grammar first, then style.\n\n" +
            $"## Your Peers (workspaces you can delegate to)\n- **Summarizer** (id: `{Peer}`, status: online) — Summarises\n  Skills: Summarize\n" +
            "Delegate only to the peers listed above, with delegate_task (wait for the answer) or delegate_task_async (check on it with check_task_status).\n\n" +
            WorkspacePrompt.DelegationFailures,
            prompt);
        Assert.Contains(_platformCalls, c => c.StartsWith($"GET /workspaces/{Self}/instructions/resolve Bearer platform-token", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Without_prompt_files_the_agents_own_text_is_the_base_and_the_prompt_is_reused()
    {
        await using var host = await StartAsync();
        var prompts = host.Services.GetRequiredService<WorkspacePrompt>();

        var prompt = await prompts.GetAsync("You are terse.").DefaultTimeout();
        Assert.StartsWith("# Platform Instructions\n## Platform-Wide Rules\n\n### Be kind\nAlways be kind.\n\nYou are terse.\n\n## Parent Context", prompt, StringComparison.Ordinal);

        var reads = _platformCalls.Count(c => c.Contains("/instructions/resolve", StringComparison.Ordinal));
        await prompts.GetAsync("You are terse.").DefaultTimeout();
        Assert.Equal(reads, _platformCalls.Count(c => c.Contains("/instructions/resolve", StringComparison.Ordinal)));   // cached, not rebuilt per model call
    }

    [Fact]
    public void Config_yaml_reports_what_it_ignores_and_reads_the_keys_that_change_behaviour()
    {
        File.WriteAllText(Path.Combine(_configs, "config.yaml"), """
            name: writer
            tier: 2
            model: llama3.1
            plugins: [browser]
            initial_prompt_file: hello.md
            idle_prompt: Anything new?
            idle_interval_seconds: 90
            runtime_config:
              required_env: [OPENAI_API_KEY]
              timeout: 30
            a2a:
              port: 9001
              streaming: true
            """);
        File.WriteAllText(Path.Combine(_configs, "hello.md"), "Say hello to the team.\n");

        var config = RuntimeConfig.Read(_configs);

        Assert.Equal(["plugins", "runtime_config.timeout", "a2a.streaming"], config.IgnoredKeys);   // tier is the platform's
        Assert.Equal("Say hello to the team.", config.InitialPrompt);
        Assert.Equal("Anything new?", config.IdlePrompt);
        Assert.Equal(TimeSpan.FromSeconds(90), config.IdleInterval);
        Assert.Equal(["OPENAI_API_KEY"], config.RequiredEnv);
        Assert.Equal(9001, config.A2APort);
        Assert.Contains(new KeyValuePair<string, string?>("Agent:Chat:Model", "llama3.1"), config.ConfigurationValues());
    }

    [Theory]
    [InlineData("a2a:\n  port: 70000\n", "a2a.port must be a TCP port between 1 and 65535; got '70000'.")]
    [InlineData("idle_interval_seconds: soon\n", "idle_interval_seconds must be a whole number of seconds ≥ 1; got 'soon'.")]
    [InlineData("name: [unclosed\n", "is not valid YAML")]
    public void A_config_yaml_value_that_cannot_work_stops_the_start_with_one_line_naming_it(string yaml, string expected)
    {
        File.WriteAllText(Path.Combine(_configs, "config.yaml"), yaml);

        var error = Assert.Throws<MoleculeWorkspaceConfigurationException>(() => RuntimeConfig.Read(_configs));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public async Task A_required_variable_that_is_not_set_stops_the_start_naming_it()
    {
        await Write("config.yaml", "runtime_config:\n  required_env: [OPENAI_API_KEY, SERPER_API_KEY]\n");

        var error = await Assert.ThrowsAsync<MoleculeWorkspaceConfigurationException>(() => StartAsync(new() { ["SERPER_API_KEY"] = "set" }));

        Assert.Equal("config.yaml runtime_config.required_env names OPENAI_API_KEY, which is not set: set them in the environment or as the workspace's secrets on the platform.",
            error.Message);
    }

    private async Task<WorkspaceHost> StartAsync(Dictionary<string, string?>? extra = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["PLATFORM_URL"] = _platform.Urls.First(),
            ["WORKSPACE_AUTH_TOKEN"] = "platform-token",
            ["LOAD_PLATFORM_SECRETS"] = "false",
        };
        foreach (var (key, value) in extra ?? [])
        {
            settings[key] = value;
        }

        return await WorkspaceHost.StartAsync(workspace => workspace.AddAgent(_ => new WorkAgent(TimeProvider.System)), settings, configsDir: _configs);
    }

    private async Task Write(string relative, string text)
    {
        var path = Path.Combine(_configs, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllTextAsync(path, text);
    }
}
