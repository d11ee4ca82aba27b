using System.Net;

namespace Molecule.PlatformEmulator.Tests.AgentApis;

/// <summary>
/// The requests the real Python runtime sends (supplement "py:" citations), replayed as it sends them, so Python agents
/// work against the emulator as they do against the platform — including the calls that fail there too.
/// </summary>
public sealed class PythonRuntimeShapesTests(EmulatorFactory factory) : IClassFixture<EmulatorFactory>
{
    private Team NewTeam() => new(factory.CreateClient(), factory.AdminToken);

    [Fact]
    public async Task The_runtimes_own_calls_with_its_bearer_answer_as_on_the_platform()
    {
        var team = NewTeam();
        var agent = await team.CreateAsync("python-agent");

        // py:heartbeat.py on every task start/finish, then its delegation poll
        Assert.Equal((HttpStatusCode.OK, """{"status":"ok"}"""), await team.AsAgentAsync(agent, HttpMethod.Post, "/registry/heartbeat",
            $$"""{"workspace_id":"{{agent.Id}}","current_task":"summarise","active_tasks":1,"error_rate":0,"sample_error":"","uptime_seconds":0}"""));
        Assert.Equal((HttpStatusCode.OK, "[]"), await team.AsAgentAsync(agent, HttpMethod.Get, "/workspaces/{id}/delegations"));

        // py:a2a_tools.py commit_memory sends its own id along; unknown keys are ignored
        Assert.Equal(HttpStatusCode.Created, (await team.AsAgentAsync(agent, HttpMethod.Post, "/workspaces/{id}/memories",
            $$"""{"content":"noted","scope":"LOCAL","workspace_id":"{{agent.Id}}"}""")).Status);

        // py:heartbeat.py's delegation-result notify works; py:builtin_tools/delegation.py's _notify_completion sends no message
        Assert.Equal((HttpStatusCode.OK, """{"status":"sent"}"""), await team.AsAgentAsync(agent, HttpMethod.Post, "/workspaces/{id}/notify",
            """{"message":"Delegation finished","type":"delegation_result"}"""));
        Assert.Equal((HttpStatusCode.BadRequest, """{"error":"message is required"}"""), await team.AsAgentAsync(agent, HttpMethod.Post, "/workspaces/{id}/notify",
            """{"type":"delegation_complete","task_id":"t"}"""));
    }

    [Theory]
    [InlineData("GET", "/workspaces/{id}/instructions/resolve", null)]                     // py:prompt.py: MOLECULE_WORKSPACE_TOKEN is never set
    [InlineData("POST", "/workspaces/{id}/approvals", """{"action":"deploy"}""")]           // py:builtin_tools/approval.py
    [InlineData("GET", "/workspaces/{id}/approvals", null)]                                // its polling fallback
    [InlineData("POST", "/workspaces/{id}/delegations/record", """{"target_id":"7a1c2e3d-4b5f-4a6e-9d8c-1b2a3c4d5e6f","task":"t","delegation_id":"d"}""")]
    public async Task The_runtimes_tokenless_calls_are_refused_outside_dev_mode_as_on_the_platform(string method, string path, string? body)
    {
        var team = NewTeam();
        var agent = await team.CreateAsync("python-tokenless");

        var (status, text) = await team.Client.SendJsonAsync(new HttpMethod(method), path.Replace("{id}", agent.Id, StringComparison.Ordinal), body, workspaceId: agent.Id);

        Assert.Equal((HttpStatusCode.Unauthorized, "missing workspace auth token"), (status, Team.Error(text)));
    }
}
