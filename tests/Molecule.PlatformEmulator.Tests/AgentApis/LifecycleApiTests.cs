using System.Net;

namespace Molecule.PlatformEmulator.Tests.AgentApis;

/// <summary>Supplement §9 and §10: lifecycle buttons as an external workspace sees them, the config blob, viewport, templates, bundles.</summary>
public sealed class LifecycleApiTests(EmulatorFactory factory) : IClassFixture<EmulatorFactory>
{
    private Team NewTeam() => new(factory.CreateClient(), factory.AdminToken);

    [Fact]
    public async Task Pause_cascades_blocks_a_child_restart_and_the_agent_sees_it_on_state_until_it_registers_again()
    {
        var team = NewTeam();
        var lead = await team.CreateAsync("pausable");
        var child = await team.CreateAsync("pausable-child", lead);
        await RegisterAsync(team, lead);

        Assert.Equal((HttpStatusCode.OK, """{"paused_count":2,"status":"paused"}"""), await team.AsAdminAsync(HttpMethod.Post, $"/workspaces/{lead.Id}/pause"));
        Assert.Equal((HttpStatusCode.NotFound, """{"error":"workspace not found or already paused"}"""), await team.AsAdminAsync(HttpMethod.Post, $"/workspaces/{lead.Id}/pause"));
        var (_, state) = await team.AsAgentAsync(lead, HttpMethod.Get, "/workspaces/{id}/state");
        Assert.Equal($$"""{"workspace_id":"{{lead.Id}}","status":"paused","paused":true,"deleted":false}""", state);
        var (conflict, text) = await team.AsAdminAsync(HttpMethod.Post, $"/workspaces/{child.Id}/restart");
        Assert.Equal(HttpStatusCode.Conflict, conflict);
        Assert.Equal("parent workspace \"pausable\" is paused — resume it first", Team.Error(text));

        var (resumed, body) = await team.AsAdminAsync(HttpMethod.Post, $"/workspaces/{lead.Id}/resume");
        if (Fidelity.Strict)
        {
            Assert.Equal((HttpStatusCode.ServiceUnavailable, "provisioner not available"), (resumed, Team.Error(body)));
            return;
        }

        Assert.Equal((HttpStatusCode.OK, """{"resumed_count":2,"status":"provisioning"}"""), (resumed, body));
        Assert.Equal("provisioning", Team.Json((await team.AsAgentAsync(lead, HttpMethod.Get, "/workspaces/{id}/state")).Body).GetProperty("status").GetString());
        var (noUrl, why) = await team.AsAdminAsync(HttpMethod.Post, $"/workspaces/{lead.Id}/a2a", """{"jsonrpc":"2.0","id":1,"method":"message/send","params":{"message":{"messageId":"m","role":"user","parts":[{"kind":"text","text":"x"}]}}}""");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, noUrl);
        Assert.Equal("workspace has no URL", Team.Error(why));
        await RegisterAsync(team, lead);
        Assert.Equal("online", Team.Json((await team.AsAgentAsync(lead, HttpMethod.Get, "/workspaces/{id}/state")).Body).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Hibernate_needs_an_online_idle_workspace_and_clears_its_url()
    {
        var team = NewTeam();
        var agent = await team.CreateAsync("sleepy");

        Assert.Equal((HttpStatusCode.NotFound, "workspace not found or not in a hibernatable state (must be online or degraded)"),
            Error(await team.AsAdminAsync(HttpMethod.Post, $"/workspaces/{agent.Id}/hibernate")));
        await RegisterAsync(team, agent);
        await team.AsAgentAsync(agent, HttpMethod.Post, "/registry/heartbeat", $$"""{"workspace_id":"{{agent.Id}}","active_tasks":2}""");
        Assert.Equal((HttpStatusCode.Conflict, """{"active_tasks":2,"error":"workspace has active tasks; use ?force=true to terminate them"}"""),
            await team.AsAdminAsync(HttpMethod.Post, $"/workspaces/{agent.Id}/hibernate"));
        Assert.Equal((HttpStatusCode.OK, """{"status":"hibernated"}"""), await team.AsAdminAsync(HttpMethod.Post, $"/workspaces/{agent.Id}/hibernate?force=true"));
        var status = Team.Json((await team.AsAgentAsync(agent, HttpMethod.Get, "/workspaces/{id}/state")).Body).GetProperty("status").GetString();
        Assert.Equal(Fidelity.Strict ? "online" : "hibernated", status);   // the real platform's hibernate does nothing
    }

    [Fact]
    public async Task The_config_blob_merges_top_level_keys()
    {
        var team = NewTeam();
        var agent = await team.CreateAsync("configured");

        Assert.Equal("""{"data":{}}""", (await team.AsAgentAsync(agent, HttpMethod.Get, "/workspaces/{id}/config")).Body);
        await team.AsAgentAsync(agent, HttpMethod.Patch, "/workspaces/{id}/config", """{"a":1,"b":{"c":2}}""");
        await team.AsAgentAsync(agent, HttpMethod.Patch, "/workspaces/{id}/config", """{"b":{"d":3},"e":null}""");
        Assert.Equal("""{"data":{"a":1,"b":{"d":3},"e":null}}""", (await team.AsAgentAsync(agent, HttpMethod.Get, "/workspaces/{id}/config")).Body);
        Assert.Equal((HttpStatusCode.BadRequest, """{"error":"invalid JSON"}"""), await team.AsAgentAsync(agent, HttpMethod.Patch, "/workspaces/{id}/config", "[1]"));
    }

    [Fact]
    public async Task The_viewport_is_read_by_anyone_and_saved_by_canvas_or_bearer()
    {
        var team = NewTeam();
        var agent = await team.CreateAsync("viewer");   // a live token exists, so CanvasOrBearer checks

        Assert.Equal((HttpStatusCode.Unauthorized, """{"error":"admin auth required"}"""), await team.Client.SendJsonAsync(HttpMethod.Put, "/canvas/viewport", """{"x":1}"""));
        Assert.Equal((HttpStatusCode.Unauthorized, """{"error":"invalid admin auth token"}"""), await team.Client.SendJsonAsync(HttpMethod.Put, "/canvas/viewport", """{"x":1}""", "nope"));
        Assert.Equal((HttpStatusCode.BadRequest, """{"error":"invalid viewport data"}"""), await team.Client.SendJsonAsync(HttpMethod.Put, "/canvas/viewport", """{"x":"left"}""", agent.Token));
        Assert.Equal((HttpStatusCode.OK, """{"status":"saved"}"""), await team.Client.SendJsonAsync(HttpMethod.Put, "/canvas/viewport", """{"x":50,"y":-2.5,"zoom":1.5}""", agent.Token));
        Assert.Equal((HttpStatusCode.OK, """{"x":50,"y":-2.5,"zoom":1.5}"""), await team.Client.SendJsonAsync(HttpMethod.Get, "/canvas/viewport"));
    }

    [Fact]
    public async Task A_bundle_exports_a_tree_and_imports_it_as_new_provisioning_workspaces()
    {
        var team = NewTeam();
        var lead = await team.CreateAsync("bundled-lead");
        await team.CreateAsync("bundled-child", lead);

        var (status, bundle) = await team.AsAdminAsync(HttpMethod.Get, $"/bundles/export/{lead.Id}");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.StartsWith($$"""{"schema":"1.0","id":"{{lead.Id}}","name":"bundled-lead","description":"","tier":3,"model":"","system_prompt":"","skills":[],"tools":[],"prompts":{},"sub_workspaces":[{""", bundle, StringComparison.Ordinal);
        Assert.Equal((HttpStatusCode.NotFound, """{"error":"bundle not found"}"""), await team.AsAdminAsync(HttpMethod.Get, $"/bundles/export/{Guid.NewGuid()}"));

        var (created, imported) = await team.AsAdminAsync(HttpMethod.Post, "/bundles/import", bundle);
        Assert.Equal(HttpStatusCode.Created, created);
        var root = Team.Json(imported);
        Assert.Equal("provisioning", root.GetProperty("status").GetString());
        var child = Assert.Single(root.GetProperty("children").EnumerateArray());
        var (_, row) = await team.AsAdminAsync(HttpMethod.Get, $"/workspaces/{child.GetProperty("workspace_id").GetString()}");
        Assert.Equal(root.GetProperty("workspace_id").GetString(), Team.Json(row).GetProperty("parent_id").GetString());
        Assert.Equal((HttpStatusCode.BadRequest, """{"error":"invalid bundle"}"""), await team.AsAdminAsync(HttpMethod.Post, "/bundles/import", """{"tier":"high"}"""));
    }

    [Fact]
    public async Task Templates_list_the_built_in_agents_for_the_canvas()
    {
        var (_, templates) = await NewTeam().AsAdminAsync(HttpMethod.Get, "/templates");
        var (_, orgs) = await NewTeam().AsAdminAsync(HttpMethod.Get, "/org/templates");

        if (Fidelity.Strict)
        {
            Assert.Equal(("[]", "[]"), (templates, orgs));   // a platform built from source has none
            return;
        }

        Assert.Equal(["echo", "chat", "summarizer"], Team.Json(templates).EnumerateArray().Select(t => t.GetProperty("id").GetString()));
        Assert.Equal("research-team", Team.Json(orgs)[0].GetProperty("dir").GetString());
    }

    private static (HttpStatusCode, string?) Error((HttpStatusCode Status, string Body) answer) => (answer.Status, Team.Error(answer.Body));

    private static async Task RegisterAsync(Team team, Member member)
    {
        var (status, _) = await team.AsAgentAsync(member, HttpMethod.Post, "/registry/register",
            $$$"""{"id":"{{{member.Id}}}","url":"http://127.0.0.1:9","agent_card":{"name":"x"}}""");
        Assert.Equal(HttpStatusCode.OK, status);
    }
}
