using System.Net;
using System.Text.Json;

namespace Molecule.PlatformEmulator.Tests;

/// <summary><c>POST /workspaces/{id}/activity</c> answers as the real handler does (supplement §11): binding first, then the type, then the source.</summary>
public sealed class ActivityTests(EmulatorFactory factory) : IClassFixture<EmulatorFactory>
{
    [Theory]
    [InlineData("""{"summary":"no type"}""", 400, """{"error":"invalid request body"}""")]
    [InlineData("""{"activity_type":null}""", 400, """{"error":"invalid request body"}""")]
    [InlineData("""{"activity_type":""}""", 400, """{"error":"invalid request body"}""")]
    [InlineData("""{"activity_type":"agent_log","duration_ms":1.5}""", 400, """{"error":"invalid request body"}""")]
    [InlineData("""{"activity_type":"agent_log","summary":7}""", 400, """{"error":"invalid request body"}""")]
    [InlineData("""{"activity_type":"dance"}""", 400, """{"error":"invalid activity_type, must be one of: a2a_send, a2a_receive, task_update, agent_log, skill_promotion, memory_write, error"}""")]
    [InlineData("""{"activity_type":"agent_log","source_id":"7a1c2e3d-4b5f-4a6e-9d8c-1b2a3c4d5e6f"}""", 403, """{"error":"source_id must match authenticated workspace"}""")]
    [InlineData("""{"activity_type":"agent_log","summary":"fine","duration_ms":12}""", 200, """{"status":"logged"}""")]
    public async Task Each_check_answers_with_the_platforms_text(string body, int status, string expected)
    {
        using var client = factory.CreateClient();
        var (_, created) = await client.SendJsonAsync(HttpMethod.Post, "/workspaces", """{"name":"activity"}""", factory.AdminToken);
        var id = JsonDocument.Parse(created).RootElement.GetProperty("id").GetString();

        var (code, text) = await client.SendJsonAsync(HttpMethod.Post, $"/workspaces/{id}/activity", body, factory.AdminToken);

        Assert.Equal((HttpStatusCode)status, code);
        Assert.Equal(expected, text);
    }
}
