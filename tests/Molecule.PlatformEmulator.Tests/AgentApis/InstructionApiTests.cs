using System.Net;

namespace Molecule.PlatformEmulator.Tests.AgentApis;

/// <summary>Supplement §7: instructions CRUD with the platform's texts, what they resolve to, the parent's shared context.</summary>
public sealed class InstructionApiTests(EmulatorFactory factory) : IClassFixture<EmulatorFactory>
{
    private Team NewTeam() => new(factory.CreateClient(), factory.AdminToken);

    [Fact]
    public async Task Resolve_builds_global_then_role_rules_by_priority_and_skips_disabled_ones()
    {
        var team = NewTeam();
        var agent = await team.CreateAsync("instructed");
        var other = await team.CreateAsync("not-instructed");
        var tag = Guid.NewGuid().ToString("N");
        await team.AsAdminAsync(HttpMethod.Post, "/instructions", $$"""{"scope":"workspace","scope_target":"{{agent.Id}}","title":"Role {{tag}}","content":"Summarise briefly.","priority":1}""");
        await team.AsAdminAsync(HttpMethod.Post, "/instructions", $$"""{"scope":"global","title":"Low {{tag}}","content":"Be kind.","priority":1}""");
        var (created, body) = await team.AsAdminAsync(HttpMethod.Post, "/instructions", $$"""{"scope":"global","title":"High {{tag}}","content":"Never leak secrets.","priority":9}""");
        Assert.Equal(HttpStatusCode.Created, created);
        var (_, disabled) = await team.AsAdminAsync(HttpMethod.Post, "/instructions", $$"""{"scope":"global","title":"Off {{tag}}","content":"x"}""");
        Assert.Equal((HttpStatusCode.OK, """{"status":"updated"}"""),
            await team.AsAdminAsync(HttpMethod.Put, $"/instructions/{Team.Json(disabled).GetProperty("id").GetString()}", """{"enabled":false}"""));

        var (status, resolved) = await team.AsAgentAsync(agent, HttpMethod.Get, "/workspaces/{id}/instructions/resolve");

        Assert.Equal(HttpStatusCode.OK, status);
        var text = Team.Json(resolved).GetProperty("instructions").GetString()!;
        Assert.Equal(agent.Id, Team.Json(resolved).GetProperty("workspace_id").GetString());
        var mine = string.Join("", text.Split("### ").Where(p => p.Contains(tag, StringComparison.Ordinal) || p.Contains("##", StringComparison.Ordinal)).Select(p => "### " + p));
        Assert.Contains($"## Platform-Wide Rules\n\n", text, StringComparison.Ordinal);
        Assert.True(text.IndexOf($"### High {tag}\nNever leak secrets.\n\n", StringComparison.Ordinal) < text.IndexOf($"### Low {tag}\nBe kind.\n\n", StringComparison.Ordinal), mine);
        Assert.True(text.IndexOf("\n## Role-Specific Rules\n\n", StringComparison.Ordinal) < text.IndexOf($"### Role {tag}\nSummarise briefly.\n\n", StringComparison.Ordinal), text);
        Assert.DoesNotContain($"Off {tag}", text, StringComparison.Ordinal);
        Assert.DoesNotContain($"Role {tag}", Team.Json((await team.AsAgentAsync(other, HttpMethod.Get, "/workspaces/{id}/instructions/resolve")).Body).GetProperty("instructions").GetString(), StringComparison.Ordinal);
        Assert.Contains($"Off {tag}", (await team.AsAdminAsync(HttpMethod.Get, "/instructions")).Body, StringComparison.Ordinal);
        Assert.DoesNotContain($"Off {tag}", (await team.AsAdminAsync(HttpMethod.Get, $"/instructions?workspace_id={agent.Id}")).Body, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Created, created);
        Assert.Equal((HttpStatusCode.OK, """{"status":"deleted"}"""), await team.AsAdminAsync(HttpMethod.Delete, $"/instructions/{Team.Json(body).GetProperty("id").GetString()}"));
    }

    [Theory]
    [InlineData("""{"scope":"global","title":"t"}""", "scope, title, and content are required")]
    [InlineData("""{"scope":"team","title":"t","content":"c"}""", "scope must be global or workspace (team scope not yet supported)")]
    [InlineData("""{"scope":"workspace","title":"t","content":"c"}""", "scope_target required for workspace scope")]
    [InlineData("""{"scope":"global","title":"t","content":"c","priority":1.5}""", "scope, title, and content are required")]
    public async Task Create_refuses_bad_input_with_the_platforms_texts(string body, string error)
    {
        var (status, text) = await NewTeam().AsAdminAsync(HttpMethod.Post, "/instructions", body);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(error, Team.Error(text));
    }

    [Fact]
    public async Task Lengths_are_counted_in_bytes_and_missing_rows_are_404()
    {
        var team = NewTeam();
        var (_, content) = await team.AsAdminAsync(HttpMethod.Post, "/instructions", $$"""{"scope":"global","title":"t","content":"{{new string('é', 4097)}}"}""");
        Assert.Equal("content exceeds 8192 chars", Team.Error(content));
        var (_, title) = await team.AsAdminAsync(HttpMethod.Post, "/instructions", $$"""{"scope":"global","title":"{{new string('x', 201)}}","content":"c"}""");
        Assert.Equal("title exceeds 200 chars", Team.Error(title));
        Assert.Equal((HttpStatusCode.NotFound, """{"error":"instruction not found"}"""), await team.AsAdminAsync(HttpMethod.Put, $"/instructions/{Guid.NewGuid()}", "{}"));
        Assert.Equal((HttpStatusCode.BadRequest, """{"error":"invalid request"}"""), await team.AsAdminAsync(HttpMethod.Put, $"/instructions/{Guid.NewGuid()}", """{"priority":"high"}"""));
        Assert.Equal((HttpStatusCode.NotFound, """{"error":"instruction not found"}"""), await team.AsAdminAsync(HttpMethod.Delete, $"/instructions/{Guid.NewGuid()}"));
    }

    [Fact]
    public async Task Instructions_need_the_admin_token_and_shared_context_a_known_workspace()
    {
        var team = NewTeam();
        var agent = await team.CreateAsync("context-reader");

        Assert.Equal(HttpStatusCode.Unauthorized, (await team.AsAgentAsync(agent, HttpMethod.Post, "/instructions", """{"scope":"global","title":"t","content":"c"}""")).Status);
        Assert.Equal((HttpStatusCode.OK, "[]"), await team.AsAgentAsync(agent, HttpMethod.Get, "/workspaces/{id}/shared-context"));
        Assert.Equal((HttpStatusCode.NotFound, """{"error":"workspace not found"}"""), await team.AsAdminAsync(HttpMethod.Get, $"/workspaces/{Guid.NewGuid()}/shared-context"));
    }
}
