using System.Net;
using System.Text.Json;

namespace Molecule.PlatformEmulator.Tests.AgentApis;

/// <summary>A workspace as an agent holds it: its id and its own bearer.</summary>
internal sealed record Member(string Id, string Token);

/// <summary>Builds teams on an in-process emulator and calls it as their agents and as an admin.</summary>
internal sealed class Team(HttpClient client, string adminToken)
{
    public HttpClient Client => client;

    /// <summary>An external workspace awaiting its agent, with the token its connection block hands out.</summary>
    public async Task<Member> CreateAsync(string name, Member? parent = null)
    {
        var parentField = parent is null ? "" : $",\"parent_id\":\"{parent.Id}\"";
        var (status, body) = await client.SendJsonAsync(HttpMethod.Post, "/workspaces", $$"""{"name":"{{name}}","runtime":"external"{{parentField}}}""", adminToken);
        Assert.Equal(HttpStatusCode.Created, status);
        var root = JsonDocument.Parse(body).RootElement;
        return new Member(root.GetProperty("id").GetString()!, root.GetProperty("connection").GetProperty("auth_token").GetString()!);
    }

    public Task<(HttpStatusCode Status, string Body)> AsAgentAsync(Member member, HttpMethod method, string path, string? body = null) =>
        client.SendJsonAsync(method, path.Replace("{id}", member.Id, StringComparison.Ordinal), body, member.Token, member.Id);

    public Task<(HttpStatusCode Status, string Body)> AsAdminAsync(HttpMethod method, string path, string? body = null) =>
        client.SendJsonAsync(method, path, body, adminToken);

    public static JsonElement Json(string body) => JsonDocument.Parse(body).RootElement.Clone();

    /// <summary>The <c>error</c> text of an error body, decoded (the wire may escape <c>&lt;</c> as Go does).</summary>
    public static string? Error(string body) => Json(body).TryGetProperty("error", out var error) ? error.GetString() : null;
}
