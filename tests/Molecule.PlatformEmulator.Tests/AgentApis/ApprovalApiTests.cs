using System.Net;

namespace Molecule.PlatformEmulator.Tests.AgentApis;

/// <summary>Supplement §5: an approval requested by an agent, escalated to its parent, decided by a person, expired if nobody does.</summary>
public sealed class ApprovalApiTests(EmulatorFactory factory) : IClassFixture<EmulatorFactory>
{
    private Team NewTeam() => new(factory.CreateClient(), factory.AdminToken);

    [Fact]
    public async Task An_approval_is_requested_escalated_decided_once_and_listed()
    {
        var team = NewTeam();
        var lead = await team.CreateAsync("approver-lead");
        var agent = await team.CreateAsync("asker", lead);

        var (created, body) = await team.AsAgentAsync(agent, HttpMethod.Post, "/workspaces/{id}/approvals", """{"action":"deploy","reason":"release 1.2","task_id":"t-9","context":{"env":"prod"}}""");
        Assert.Equal(HttpStatusCode.Created, created);
        var id = Team.Json(body).GetProperty("approval_id").GetString()!;
        Assert.Equal($$"""{"approval_id":"{{id}}","status":"pending"}""", body);

        var (_, pending) = await team.AsAdminAsync(HttpMethod.Get, "/approvals/pending");
        var waiting = Assert.Single(Team.Json(pending).EnumerateArray(), p => p.GetProperty("id").GetString() == id);
        Assert.Equal("asker", waiting.GetProperty("workspace_name").GetString());

        Assert.Equal((HttpStatusCode.OK, $$"""{"approval_id":"{{id}}","status":"approved"}"""),
            await team.AsAgentAsync(agent, HttpMethod.Post, $"/workspaces/{{id}}/approvals/{id}/decide", """{"decision":"approved","decided_by":"ana"}"""));
        Assert.Equal((HttpStatusCode.NotFound, """{"error":"approval not found or already decided"}"""),
            await team.AsAgentAsync(agent, HttpMethod.Post, $"/workspaces/{{id}}/approvals/{id}/decide", """{"decision":"denied"}"""));

        var (_, list) = await team.AsAgentAsync(agent, HttpMethod.Get, "/workspaces/{id}/approvals");
        var row = Assert.Single(Team.Json(list).EnumerateArray());
        Assert.Equal(("approved", "ana", "deploy", "t-9"), (row.GetProperty("status").GetString(), row.GetProperty("decided_by").GetString(),
            row.GetProperty("action").GetString(), row.GetProperty("task_id").GetString()));

        var (_, events) = await team.AsAdminAsync(HttpMethod.Get, $"/events/{agent.Id}");
        Assert.Contains("APPROVAL_REQUESTED", events, StringComparison.Ordinal);
        Assert.Contains("APPROVAL_APPROVED", events, StringComparison.Ordinal);
        Assert.Contains("APPROVAL_ESCALATED", (await team.AsAdminAsync(HttpMethod.Get, $"/events/{lead.Id}")).Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_pending_approval_nobody_decides_is_denied_after_ten_minutes_when_the_list_is_read()
    {
        var team = NewTeam();
        var agent = await team.CreateAsync("patient");
        var (_, body) = await team.AsAgentAsync(agent, HttpMethod.Post, "/workspaces/{id}/approvals", """{"action":"wait"}""");
        var id = Team.Json(body).GetProperty("approval_id").GetString();

        factory.Time.Advance(TimeSpan.FromMinutes(11));
        var (_, pending) = await team.AsAdminAsync(HttpMethod.Get, "/approvals/pending");

        Assert.DoesNotContain(id!, pending, StringComparison.Ordinal);
        var row = Assert.Single(Team.Json((await team.AsAgentAsync(agent, HttpMethod.Get, "/workspaces/{id}/approvals")).Body).EnumerateArray());
        Assert.Equal(("denied", "auto-expired"), (row.GetProperty("status").GetString(), row.GetProperty("decided_by").GetString()));
    }

    [Theory]
    [InlineData("/approvals", """{"reason":"r"}""", "invalid request body")]
    [InlineData("/approvals", """{"action":"a","context":"text"}""", "invalid request body")]
    [InlineData("/approvals/00000000-0000-4000-8000-000000000000/decide", """{"decision":"maybe"}""", "decision must be 'approved' or 'denied'")]
    [InlineData("/approvals/00000000-0000-4000-8000-000000000000/decide", """{"approved":true}""", "invalid request body")]
    public async Task Approvals_refuse_bad_input_with_the_platforms_texts(string path, string body, string error)
    {
        var team = NewTeam();
        var agent = await team.CreateAsync("approval-checks");

        var (status, text) = await team.AsAgentAsync(agent, HttpMethod.Post, "/workspaces/{id}" + path, body);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(error, Team.Error(text));
    }
}
