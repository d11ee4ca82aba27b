using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Molecule.Workspace.AspNetCore.Tests.Infrastructure;

namespace Molecule.Workspace.AspNetCore.Tests;

/// <summary>The library as a user meets it: agents from DI, the card from code, the endpoints it maps, and its start-up errors.</summary>
public sealed class HostingTests
{
    [Fact]
    public async Task An_agent_is_built_from_DI_with_constructor_injection_and_the_card_set_in_code()
    {
        await using var host = await WorkspaceHost.StartAsync(workspace =>
        {
            workspace.Services.AddSingleton(new Greeting("Bonjour"));
            workspace.AddAgent<GreetingAgent>().ConfigureCard(card =>
            {
                card.Name = "Greeter";
                card.Skills.Add(new SkillOptions { Id = "greet", Name = "Greet", Description = "Greets you.", Examples = ["hi"] });
            });
        });

        var (_, body) = await Rpc.CallAsync(host.Client, "SendMessage", new { message = Rpc.Message10("Ada") }, "1.0");
        var card = JsonDocument.Parse(await host.Client.GetStringAsync("/.well-known/agent-card.json").DefaultTimeout()).RootElement;

        var task = body.GetProperty("result").GetProperty("task");
        Assert.Equal("TASK_STATE_COMPLETED", task.GetProperty("status").GetProperty("state").GetString());
        Assert.Equal("Bonjour, Ada", task.GetProperty("artifacts")[0].GetProperty("parts")[0].GetProperty("text").GetString());
        Assert.Equal("Greeter", card.GetProperty("name").GetString());
        Assert.Equal("greet", Assert.Single(card.GetProperty("skills").EnumerateArray()).GetProperty("id").GetString());
    }

    [Fact]
    public async Task A2A_is_served_on_the_root_and_on_slash_a2a()
    {
        await using var host = await WorkspaceHost.StartAsync(workspace => workspace.AddAgent(sp => new GreetingAgent(new Greeting("Hi"))));
        using var request = new HttpRequestMessage(HttpMethod.Post, "/a2a")
        {
            Content = new StringContent("""{"jsonrpc":"2.0","id":1,"method":"message/send","params":{"message":{"messageId":"m","role":"user","parts":[{"kind":"text","text":"Bob"}]}}}"""),
        };

        using var response = await host.Client.SendAsync(request).DefaultTimeout();
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal("Hi, Bob", body.GetProperty("result").GetProperty("parts")[0].GetProperty("text").GetString());
    }

    [Fact]
    public async Task Health_and_alive_are_mapped_and_readiness_names_the_platform_link()
    {
        await using var host = await WorkspaceHost.StartAsync(workspace => workspace.AddAgent(_ => new GreetingAgent(new Greeting("Hi"))));

        using var alive = await host.Client.GetAsync("/alive").DefaultTimeout();
        using var health = await host.Client.GetAsync("/health").DefaultTimeout();
        var report = JsonDocument.Parse(await health.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(200, (int)alive.StatusCode);
        Assert.Equal(503, (int)health.StatusCode);   // nothing listens at the platform address
        Assert.Contains("127.0.0.1:9", report.GetProperty("checks").GetProperty("platform").GetProperty("description").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_an_agent_the_start_stops_with_one_line_saying_how_to_add_one()
    {
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["WORKSPACE_ID"] = "0b5e9a4c-1f2d-4e3a-8b7c-6d5e4f3a2b1c",
            ["CONFIGS_DIR"] = Path.GetTempPath(),
        });
        builder.AddMoleculeWorkspace();
        await using var app = builder.Build();

        var error = Assert.Throws<MoleculeWorkspaceConfigurationException>(() => app.MapMoleculeWorkspace());

        Assert.Contains("AddAgent<TAgent>()", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_workspace_id_is_named_and_nothing_else_is_reported_first()
    {
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["WORKSPACE_ID"] = "" });
        builder.AddMoleculeWorkspace().AddAgent(_ => new GreetingAgent(new Greeting("Hi")));
        await using var app = builder.Build();

        var error = Assert.Throws<MoleculeWorkspaceConfigurationException>(() => app.MapMoleculeWorkspace());

        Assert.StartsWith("WORKSPACE_ID is required", error.Message, StringComparison.Ordinal);
    }

    internal sealed record Greeting(string Word);

    internal sealed class GreetingAgent(Greeting greeting) : IAgent
    {
        public async IAsyncEnumerable<AgentUpdate> RunAsync(AgentRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await Task.Yield();
            yield return new AgentText($"{greeting.Word}, {request.Message.Text}");
        }
    }
}
