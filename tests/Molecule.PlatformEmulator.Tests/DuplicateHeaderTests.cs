using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Molecule.PlatformEmulator.Tests;

/// <summary>
/// A header sent on two lines (a default admin header plus a per-call one, as the real platform's own API test
/// script sends them) is read as Go's <c>Header.Get</c> reads it: the first value wins on every auth tier. Sent as raw
/// HTTP/1.1 over a socket, since HttpClient would fold the two lines into one.
/// </summary>
public sealed class DuplicateHeaderTests(FuzzEmulatorFactory factory) : IClassFixture<FuzzEmulatorFactory>
{
    private const string Admin = FuzzEmulatorFactory.Token;

    [Theory]
    [InlineData("GET", "/events", "Bearer " + Admin, "Bearer wrong", 200)]
    [InlineData("GET", "/events", "Bearer wrong", "Bearer " + Admin, 401)]
    [InlineData("GET", "/workspaces", "Bearer " + Admin, "Bearer wrong", 200)]
    public async Task Admin_routes_read_the_first_authorization_line(string method, string path, string first, string second, int expected)
    {
        var (status, body) = await RawAsync(method, path, [("Authorization", first), ("Authorization", second)]);

        Assert.True(status == expected, $"{status}: {body}");
    }

    [Fact]
    public async Task Workspace_and_registry_routes_read_the_first_authorization_line()
    {
        var (id, token) = await RegisterAsync();

        var (state, stateBody) = await RawAsync("GET", $"/workspaces/{id}/state", [("Authorization", "Bearer " + token), ("Authorization", "Bearer wrong")]);
        var (refused, _) = await RawAsync("GET", $"/workspaces/{id}/state", [("Authorization", "Bearer wrong"), ("Authorization", "Bearer " + token)]);
        var (beat, beatBody) = await RawAsync("POST", "/registry/heartbeat", [("Authorization", "Bearer " + token), ("Authorization", "Bearer wrong")],
            $$"""{"workspace_id":"{{id}}","error_rate":0,"sample_error":"","active_tasks":0,"current_task":"","uptime_seconds":1}""");

        Assert.True(state == 200, stateBody);
        Assert.Equal(401, refused);
        Assert.True(beat == 200, beatBody);
    }

    [Fact]
    public async Task X_Workspace_ID_is_read_from_its_first_line()
    {
        var (id, token) = await RegisterAsync();

        var (status, body) = await RawAsync("GET", $"/registry/discover/{id}",
            [("Authorization", "Bearer " + token), ("X-Workspace-ID", id), ("X-Workspace-ID", Guid.NewGuid().ToString())]);

        Assert.True(status == 200, body);
    }

    private async Task<(string Id, string Token)> RegisterAsync()
    {
        factory.StartServer();
        using var client = factory.CreateClient();
        var (_, created) = await client.SendJsonAsync(HttpMethod.Post, "/workspaces", """{"name":"duplicate-headers"}""", Admin);
        var id = JsonDocument.Parse(created).RootElement.GetProperty("id").GetString()!;
        var (_, registered) = await client.SendJsonAsync(HttpMethod.Post, "/registry/register",
            $$$"""{"id":"{{{id}}}","url":"http://127.0.0.1:1","agent_card":{"name":"d","skills":[]}}""");
        return (id, JsonDocument.Parse(registered).RootElement.GetProperty("auth_token").GetString()!);
    }

    /// <summary>One HTTP/1.1 request with the given header lines, exactly as written, and its status and body.</summary>
    private async Task<(int Status, string Body)> RawAsync(string method, string path, (string Name, string Value)[] headers, string? body = null)
    {
        factory.StartServer();
        using var client = factory.CreateClient();
        var address = client.BaseAddress!;
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(address.Host, address.Port).WaitAsync(EmulatorHttp.Timeout);
        await using var stream = tcp.GetStream();
        var request = new StringBuilder($"{method} {path} HTTP/1.1\r\nHost: {address.Authority}\r\nConnection: close\r\n");
        foreach (var (name, value) in headers)
        {
            request.Append(name).Append(": ").Append(value).Append("\r\n");
        }

        var content = body is null ? [] : Encoding.UTF8.GetBytes(body);
        request.Append("Content-Type: application/json\r\nContent-Length: ").Append(content.Length).Append("\r\n\r\n");
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request.ToString()));
        await stream.WriteAsync(content);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var response = await reader.ReadToEndAsync().WaitAsync(EmulatorHttp.Timeout);
        var status = int.Parse(response.Split(' ', 3)[1], System.Globalization.CultureInfo.InvariantCulture);
        return (status, response[(response.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..]);
    }
}
