using System.Net;

namespace Molecule.PlatformEmulator.Tests.AgentApis;

/// <summary>Supplement §3: workspace and global secrets, values only to the workspace's own token, the model override.</summary>
public sealed class SecretApiTests(EmulatorFactory factory) : IClassFixture<EmulatorFactory>
{
    private Team NewTeam() => new(factory.CreateClient(), factory.AdminToken);

    [Fact]
    public async Task Values_merge_globals_under_the_workspaces_own_and_only_its_own_token_reads_them()
    {
        var team = NewTeam();
        var (_, created) = await team.AsAdminAsync(HttpMethod.Post, "/workspaces", """{"name":"with-secrets","runtime":"external","secrets":{"OPENAI_API_KEY":"sk-own"}}""");
        var json = Team.Json(created);
        var agent = new Member(json.GetProperty("id").GetString()!, json.GetProperty("connection").GetProperty("auth_token").GetString()!);
        var key = $"GLOBAL_{Guid.NewGuid():N}";
        Assert.Equal((HttpStatusCode.OK, $$"""{"key":"{{key}}","scope":"global","status":"saved"}"""),
            await team.AsAdminAsync(HttpMethod.Put, "/settings/secrets", $$"""{"key":"{{key}}","value":"g1"}"""));
        await team.AsAdminAsync(HttpMethod.Post, "/admin/secrets", """{"key":"OPENAI_API_KEY","value":"sk-global"}""");
        Assert.Equal((HttpStatusCode.OK, """{"key":"EXTRA","status":"saved"}"""), await team.AsAgentAsync(agent, HttpMethod.Post, "/workspaces/{id}/secrets", """{"key":"EXTRA","value":"e"}"""));

        var (status, values) = await team.AsAgentAsync(agent, HttpMethod.Get, "/workspaces/{id}/secrets/values");
        Assert.Equal(HttpStatusCode.OK, status);
        var map = Team.Json(values);
        Assert.Equal("sk-own", map.GetProperty("OPENAI_API_KEY").GetString());   // the workspace's own wins
        Assert.Equal("g1", map.GetProperty(key).GetString());
        Assert.Equal("e", map.GetProperty("EXTRA").GetString());

        var (refused, error) = await team.AsAdminAsync(HttpMethod.Get, $"/workspaces/{agent.Id}/secrets/values");
        Assert.Equal(HttpStatusCode.Unauthorized, refused);   // the admin token does not read an agent's values
        Assert.Equal("invalid workspace auth token", Team.Error(error));

        var (_, list) = await team.AsAgentAsync(agent, HttpMethod.Get, "/workspaces/{id}/secrets");
        Assert.DoesNotContain("sk-own", list, StringComparison.Ordinal);
        Assert.DoesNotContain("g1", list, StringComparison.Ordinal);
        var rows = Team.Json(list).EnumerateArray().Select(r => (r.GetProperty("key").GetString(), r.GetProperty("scope").GetString(), r.GetProperty("has_value").GetBoolean())).ToArray();
        Assert.Equal(("EXTRA", "workspace", true), rows[0]);
        Assert.Equal(("OPENAI_API_KEY", "workspace", true), rows[1]);
        Assert.Contains((key, "global", true), rows);
        Assert.DoesNotContain(("OPENAI_API_KEY", "global", true), rows);   // overridden globals are not listed
    }

    [Theory]
    [InlineData("""{"key":"K"}""")]
    [InlineData("""{"key":"K","value":""}""")]
    [InlineData("""{"value":"v"}""")]
    [InlineData("""[]""")]
    public async Task A_secret_without_a_key_or_a_value_is_invalid_request_body(string body)
    {
        var team = NewTeam();
        var agent = await team.CreateAsync("secret-checks");

        Assert.Equal((HttpStatusCode.BadRequest, """{"error":"invalid request body"}"""), await team.AsAgentAsync(agent, HttpMethod.Put, "/workspaces/{id}/secrets", body));
        Assert.Equal((HttpStatusCode.BadRequest, """{"error":"invalid request body"}"""), await team.AsAdminAsync(HttpMethod.Post, "/settings/secrets", body));
    }

    [Fact]
    public async Task Deleting_secrets_answers_404_for_a_missing_key()
    {
        var team = NewTeam();
        var agent = await team.CreateAsync("secret-delete");
        await team.AsAgentAsync(agent, HttpMethod.Post, "/workspaces/{id}/secrets", """{"key":"K","value":"v"}""");

        Assert.Equal((HttpStatusCode.OK, """{"key":"K","status":"deleted"}"""), await team.AsAgentAsync(agent, HttpMethod.Delete, "/workspaces/{id}/secrets/K"));
        Assert.Equal((HttpStatusCode.NotFound, """{"error":"secret not found"}"""), await team.AsAgentAsync(agent, HttpMethod.Delete, "/workspaces/{id}/secrets/K"));
        Assert.Equal((HttpStatusCode.NotFound, """{"error":"secret not found"}"""), await team.AsAdminAsync(HttpMethod.Delete, $"/admin/secrets/none-{Guid.NewGuid():N}"));
    }

    [Fact]
    public async Task The_model_override_is_the_MODEL_PROVIDER_secret()
    {
        var team = NewTeam();
        var agent = await team.CreateAsync("model");

        Assert.Equal("""{"model":"","source":"default"}""", (await team.AsAgentAsync(agent, HttpMethod.Get, "/workspaces/{id}/model")).Body);
        Assert.Equal("""{"model":"openai:gpt-4o","status":"saved"}""", (await team.AsAgentAsync(agent, HttpMethod.Put, "/workspaces/{id}/model", """{"model":"openai:gpt-4o"}""")).Body);
        Assert.Equal("""{"model":"openai:gpt-4o","source":"workspace_secrets"}""", (await team.AsAgentAsync(agent, HttpMethod.Get, "/workspaces/{id}/model")).Body);
        Assert.Contains("MODEL_PROVIDER", (await team.AsAgentAsync(agent, HttpMethod.Get, "/workspaces/{id}/secrets/values")).Body, StringComparison.Ordinal);
        Assert.Equal("""{"status":"cleared"}""", (await team.AsAgentAsync(agent, HttpMethod.Put, "/workspaces/{id}/model", "{}")).Body);
        Assert.Equal("""{"model":"","source":"default"}""", (await team.AsAgentAsync(agent, HttpMethod.Get, "/workspaces/{id}/model")).Body);
    }
}
