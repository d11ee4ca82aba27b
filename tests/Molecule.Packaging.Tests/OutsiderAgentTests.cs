using System.Globalization;
using System.Net;
using System.Text.Json;
using Molecule.Packaging.Tests.Infrastructure;

namespace Molecule.Packaging.Tests;

/// <summary>
/// The proof that an outsider needs nothing but the packages: the README's snippet with a custom agent, in a new web
/// project outside the solution that references only the packed packages, built and run against a real emulator
/// process: it registers, comes online, answers message/send through the emulator's proxy, and stops gracefully.
/// </summary>
[Trait("Category", "Integration")]
[Collection(PackageFeed.Collection)]
public sealed class OutsiderAgentTests(PackageFeed feed) : IAsyncLifetime
{
    private const string Program = """
        using System.Runtime.CompilerServices;
        using Molecule.Workspace;

        if (WorkspaceProbe.IsProbe(args))
        {
            return await WorkspaceProbe.RunAsync();
        }

        var builder = WebApplication.CreateBuilder(args);
        builder.AddMoleculeWorkspace()
               .AddAgent<ReverseAgent>()
               .ConfigureCard(card =>
               {
                   card.Name = "Reverser";
                   card.Skills.Add(new SkillOptions { Id = "reverse", Name = "Reverse", Description = "Reverses text." });
               });
        var app = builder.Build();
        app.MapMoleculeWorkspace();
        app.Run();
        return 0;

        sealed class ReverseAgent(TimeProvider time) : IAgent
        {
            public async IAsyncEnumerable<AgentUpdate> RunAsync(AgentRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
            {
                yield return new AgentProgress("reversing");
                await Task.Delay(TimeSpan.FromMilliseconds(10), time, cancellationToken);
                yield return new AgentText(new string(request.Message.Text.Reverse().ToArray()));
            }
        }
        """;

    private readonly EmulatorProcess _emulator = new();
    private OutsiderProject? _project;

    public ValueTask InitializeAsync() => _emulator.InitializeAsync();

    public async ValueTask DisposeAsync()
    {
        _project?.Dispose();
        await _emulator.DisposeAsync();
    }

    [Fact]
    public async Task A_custom_agent_from_the_packages_alone_registers_answers_through_the_proxy_and_stops_gracefully()
    {
        _project = OutsiderProject.Create("ReverseAgent", feed, "Microsoft.NET.Sdk.Web", ["Molecule.Workspace.AspNetCore"],
            new Dictionary<string, string> { ["Program.cs"] = Program });
        await _project.BuildAsync();
        var (agent, id, port, configs) = await StartOnlineAsync(_project);
        await using var running = agent;

        using var card = JsonDocument.Parse(await _emulator.Client.GetStringAsync($"http://127.0.0.1:{port}/.well-known/agent-card.json"));
        var (status, answer) = await SendThroughProxyAsync(id, "stressed");
        await agent.TerminateAsync(TestTimeouts.Short);

        Assert.Equal("Reverser", card.RootElement.GetProperty("name").GetString());
        Assert.Equal("reverse", card.RootElement.GetProperty("skills")[0].GetProperty("id").GetString());
        Assert.True(status == HttpStatusCode.OK, answer);
        Assert.Equal("desserts", Text(answer));
        Assert.Equal(0, agent.ExitCode);
        Assert.Contains("Shutdown step 5/5", agent.Output, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(configs, ".auth_token")), "the token the platform issued is kept");
        Directory.Delete(configs, recursive: true);
    }

    [Fact]
    public async Task The_summarizer_sample_copied_out_of_the_repository_builds_on_the_packages_and_answers_through_the_proxy()
    {
        _project = OutsiderProject.CopyOf(Repo.PathOf("samples", "Summarizer"), feed);
        await _project.BuildAsync();
        var (agent, id, _, configs) = await StartOnlineAsync(_project);
        await using var running = agent;

        var (reverseStatus, reversed) = await SendThroughProxyAsync(id, "reverse: stressed");
        var (summaryStatus, summary) = await SendThroughProxyAsync(id,
            "Agents find their peers. Agents delegate work to their peers and agents remember things. The weather was nice.");
        await agent.TerminateAsync(TestTimeouts.Short);

        Assert.True(reverseStatus == HttpStatusCode.OK, reversed);
        Assert.Equal("desserts", Text(reversed));
        Assert.True(summaryStatus == HttpStatusCode.OK, summary);
        Assert.Equal("Agents find their peers. Agents delegate work to their peers and agents remember things.", Text(summary));
        Assert.Equal(0, agent.ExitCode);
        Directory.Delete(configs, recursive: true);
    }

    [Fact]
    public async Task A_missing_setting_stops_the_outsider_app_with_one_line_naming_it()
    {
        _project = OutsiderProject.Create("ReverseAgent", feed, "Microsoft.NET.Sdk.Web", ["Molecule.Workspace.AspNetCore"],
            new Dictionary<string, string> { ["Program.cs"] = Program });
        await _project.BuildAsync();

        await using var agent = ChildProcess.Start("dotnet", [_project.Assembly], new Dictionary<string, string?> { ["WORKSPACE_ID"] = null });
        await agent.WaitForExitAsync(TestTimeouts.Start);

        Assert.Equal(1, agent.ExitCode);
        var line = Assert.Single(agent.Errors.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("WORKSPACE_ID is required", line, StringComparison.Ordinal);
    }

    /// <summary>Starts the built project against the emulator as a workspace the emulator knows, and waits until it is online.</summary>
    private async Task<(ChildProcess Agent, string Id, int Port, string Configs)> StartOnlineAsync(OutsiderProject project)
    {
        var id = await _emulator.CreateWorkspaceAsync(project.Name.ToLowerInvariant());
        var port = TestPorts.Free();
        var configs = Directory.CreateTempSubdirectory("molecule-outsider-configs-").FullName;
        var agent = ChildProcess.Start("dotnet", [project.Assembly], new Dictionary<string, string?>
        {
            ["WORKSPACE_ID"] = id,
            ["PLATFORM_URL"] = $"http://127.0.0.1:{_emulator.Port}",
            ["PORT"] = port.ToString(CultureInfo.InvariantCulture),
            ["AGENT_URL"] = $"http://127.0.0.1:{port}",
            ["CONFIGS_DIR"] = configs,
            ["HEARTBEAT_INTERVAL_SECONDS"] = "1",
        }, project.Folder);
        await TestTimeouts.Eventually(async () => agent.HasExited ? throw new InvalidOperationException(agent.Output) : await _emulator.StatusOfAsync(id) == "online",
            TestTimeouts.Start, $"{project.Name} online on the emulator");
        return (agent, id, port, configs);
    }

    private async Task<(HttpStatusCode Status, string Body)> SendThroughProxyAsync(string id, string text)
    {
        var body = JsonSerializer.Serialize(new
        {
            jsonrpc = "2.0", id = 1, method = "message/send",
            @params = new { message = new { role = "user", messageId = Guid.NewGuid().ToString(), parts = new[] { new { kind = "text", text } } } },
        });
        using var response = await _emulator.Client.PostAsync($"/workspaces/{id}/a2a", EmulatorProcess.Json(body));
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>The text of a 0.3 blocking send's answer (the agent's message).</summary>
    private static string? Text(string answer) =>
        string.Concat(JsonDocument.Parse(answer).RootElement.GetProperty("result").GetProperty("parts").EnumerateArray()
            .Where(p => p.TryGetProperty("text", out _)).Select(p => p.GetProperty("text").GetString()));
}
