using System.Net;
using System.Text.Json;

namespace Molecule.PlatformEmulator.Tests.AgentApis;

/// <summary>Supplement §4: delegations through the platform, their two-row model, events and the agent-reported kind.</summary>
public sealed class DelegationApiTests(EmulatorFactory factory) : IClassFixture<EmulatorFactory>, IAsyncLifetime
{
    private LoopbackAgent? _agent;
    private string _agentUrl = "";

    private Team NewTeam() => new(factory.CreateClient(), factory.AdminToken);

    public async ValueTask InitializeAsync()
    {
        _agent = await LoopbackAgent.StartAsync(task => $"summary of: {task}");
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
    public async Task A_delegation_reaches_the_peer_through_the_platform_and_its_result_comes_back_in_two_rows()
    {
        var team = NewTeam();
        var lead = await team.CreateAsync("lead");
        var summarizer = await OnlineAsync(team, "Summarizer", lead);

        var (status, body) = await team.AsAgentAsync(lead, HttpMethod.Post, "/workspaces/{id}/delegate",
            $$"""{"target_id":"{{summarizer.Id}}","task":"the quarterly report","idempotency_key":"k1"}""");

        Assert.Equal(HttpStatusCode.Accepted, status);
        var answer = Team.Json(body);
        var delegationId = answer.GetProperty("delegation_id").GetString()!;
        Assert.Equal("delegated", answer.GetProperty("status").GetString());
        Assert.Equal(summarizer.Id, answer.GetProperty("target_id").GetString());

        var rows = await WaitForAsync(team, lead, rows => rows.Any(r => r.GetProperty("summary").GetString()!.StartsWith("Delegation completed", StringComparison.Ordinal)));
        var result = rows[0];   // newest first
        Assert.Equal("completed", result.GetProperty("status").GetString());
        Assert.Equal("Delegation completed (summary of: the quarterly report)", result.GetProperty("summary").GetString());
        Assert.Equal("summary of: the quarterly report", result.GetProperty("response_preview").GetString());
        Assert.Equal(delegationId, result.GetProperty("delegation_id").GetString());
        Assert.Equal("delegation", result.GetProperty("type").GetString());
        var request = rows[1];
        Assert.Equal($"Delegating to {summarizer.Id}", request.GetProperty("summary").GetString());
        Assert.Equal("completed", request.GetProperty("status").GetString());
        Assert.Equal(lead.Id, request.GetProperty("source_id").GetString());

        var (hit, again) = await team.AsAgentAsync(lead, HttpMethod.Post, "/workspaces/{id}/delegate",
            $$"""{"target_id":"{{summarizer.Id}}","task":"the quarterly report","idempotency_key":"k1"}""");
        Assert.Equal(HttpStatusCode.OK, hit);
        Assert.Equal($$"""{"delegation_id":"{{delegationId}}","idempotent_hit":true,"status":"completed","target_id":"{{summarizer.Id}}"}""", again);

        var (_, received) = await team.AsAgentAsync(summarizer, HttpMethod.Get, "/workspaces/{id}/activity?type=a2a_receive&source=agent");
        var row = Assert.Single(Team.Json(received).EnumerateArray());
        Assert.Equal(lead.Id, row.GetProperty("source_id").GetString());
        Assert.Equal(delegationId, row.GetProperty("request_body").GetProperty("params").GetProperty("message").GetProperty("metadata").GetProperty("delegation_id").GetString());

        var (_, events) = await team.AsAdminAsync(HttpMethod.Get, $"/events/{lead.Id}");
        var types = Team.Json(events).EnumerateArray().Select(e => e.GetProperty("event_type").GetString()).ToArray();
        Assert.Contains("DELEGATION_SENT", types);
        Assert.Contains("DELEGATION_STATUS", types);
        Assert.Contains("DELEGATION_COMPLETE", types);
    }

    [Fact]
    public async Task A_delegation_the_hierarchy_forbids_fails_with_the_proxys_text()
    {
        var team = NewTeam();
        var first = await team.CreateAsync("team-a");
        var second = await team.CreateAsync("team-b");
        var a = await team.CreateAsync("member-a", first);
        var b = await OnlineAsync(team, "member-b", second);

        await team.AsAgentAsync(a, HttpMethod.Post, "/workspaces/{id}/delegate", $$"""{"target_id":"{{b.Id}}","task":"t"}""");

        var rows = await WaitForAsync(team, a, rows => rows.Any(r => r.GetProperty("status").GetString() == "failed" && r.GetProperty("summary").GetString() == "Delegation failed"));
        Assert.Equal("access denied: workspaces cannot communicate per hierarchy rules", rows[0].GetProperty("error").GetString());
        Assert.False(rows[0].TryGetProperty("delegation_id", out _));   // the outcome row of a failure carries no id
        Assert.Equal("failed", rows[1].GetProperty("status").GetString());
    }

    [Theory]
    [InlineData("""{"task":"t"}""", "invalid delegation request")]
    [InlineData("""{"target_id":"x","task":""}""", "invalid delegation request")]
    [InlineData("""{"target_id":"not-a-uuid","task":"t"}""", "target_id must be a valid UUID")]
    [InlineData("""{"target_id":"SELF","task":"t"}""", "self-delegation not permitted")]
    public async Task Delegate_refuses_bad_input_with_the_platforms_texts(string body, string error)
    {
        var team = NewTeam();
        var agent = await team.CreateAsync("delegate-checks");

        var (status, text) = await team.AsAgentAsync(agent, HttpMethod.Post, "/workspaces/{id}/delegate", body.Replace("SELF", agent.Id, StringComparison.Ordinal));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(error, Team.Error(text));
    }

    [Fact]
    public async Task A_delegation_the_agent_made_itself_is_recorded_and_updated()
    {
        var team = NewTeam();
        var agent = await team.CreateAsync("self-sender");
        var target = Guid.NewGuid().ToString();

        Assert.Equal((HttpStatusCode.Accepted, """{"delegation_id":"d-1","status":"recorded"}"""),
            await team.AsAgentAsync(agent, HttpMethod.Post, "/workspaces/{id}/delegations/record", $$"""{"target_id":"{{target}}","task":"t","delegation_id":"d-1"}"""));
        Assert.Equal("status must be 'completed' or 'failed'",
            Team.Error((await team.AsAgentAsync(agent, HttpMethod.Post, "/workspaces/{id}/delegations/d-1/update", """{"status":"done"}""")).Body));
        Assert.Equal((HttpStatusCode.OK, """{"delegation_id":"d-1","status":"completed"}"""),
            await team.AsAgentAsync(agent, HttpMethod.Post, "/workspaces/{id}/delegations/d-1/update", """{"status":"completed","response_preview":"all done"}"""));

        var (_, list) = await team.AsAgentAsync(agent, HttpMethod.Get, "/workspaces/{id}/delegations");
        var rows = Team.Json(list).EnumerateArray().ToArray();
        Assert.Equal(2, rows.Length);
        Assert.Equal("", rows[0].GetProperty("target_id").GetString());   // the result row of /update has no target
        Assert.Equal("all done", rows[0].GetProperty("response_preview").GetString());
        Assert.Equal("completed", rows[1].GetProperty("status").GetString());
        Assert.Equal(target, rows[1].GetProperty("target_id").GetString());
    }

    /// <summary>A workspace whose agent (the loopback A2A server) has registered.</summary>
    private async Task<Member> OnlineAsync(Team team, string name, Member parent)
    {
        var member = await team.CreateAsync(name, parent);
        var (status, _) = await team.AsAgentAsync(member, HttpMethod.Post, "/registry/register",
            $$$"""{"id":"{{{member.Id}}}","url":"{{{_agentUrl}}}","agent_card":{"name":"{{{name}}}"}}""");
        Assert.Equal(HttpStatusCode.OK, status);
        return member;
    }

    private static async Task<JsonElement[]> WaitForAsync(Team team, Member member, Func<JsonElement[], bool> done)
    {
        var deadline = TestDeadline.In(TestTimeouts.Short);
        while (true)
        {
            var (_, body) = await team.AsAgentAsync(member, HttpMethod.Get, "/workspaces/{id}/delegations");
            var rows = Team.Json(body).EnumerateArray().ToArray();
            if (done(rows))
            {
                return rows;
            }

            Assert.False(deadline.Passed, $"delegations never got there: {body}");
            await Task.Delay(TimeSpan.FromMilliseconds(50));
        }
    }
}
