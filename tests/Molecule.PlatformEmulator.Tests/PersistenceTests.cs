using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Molecule.PlatformEmulator.Tests;

/// <summary>
/// <c>Emulator:DataDir</c> with the built emulator as a real process: what agents and people stored survives a restart
/// (tokens as hashes: the old bearer still works), a reset clears it, and a file that cannot be read is kept aside.
/// </summary>
public sealed class PersistenceTests : IDisposable
{
    private const string Admin = "persistence-admin-token-0123456789";
    private readonly string _dataDir = Directory.CreateTempSubdirectory("molecule-emulator-state-").FullName;

    public void Dispose() => Directory.Delete(_dataDir, recursive: true);

    [Fact]
    public async Task What_a_team_stored_survives_a_restart_and_a_reset_clears_it()
    {
        string id, token, approvalId;
        await using (var first = await StartAsync())
        {
            var created = await SendAsync(first, HttpMethod.Post, "/workspaces", """{"name":"durable","runtime":"external","secrets":{"OPENAI_API_KEY":"sk-kept"}}""", Admin);
            id = created.GetProperty("id").GetString()!;
            token = created.GetProperty("connection").GetProperty("auth_token").GetString()!;
            await SendAsync(first, HttpMethod.Post, "/registry/register", $$$"""{"id":"{{{id}}}","url":"http://127.0.0.1:9","agent_card":{"name":"durable"}}""", token);
            await SendAsync(first, HttpMethod.Post, $"/workspaces/{id}/memories", """{"content":"remember this","scope":"TEAM"}""", token);
            await SendAsync(first, HttpMethod.Post, $"/workspaces/{id}/memory", """{"key":"plan","value":{"step":3}}""", token);
            approvalId = (await SendAsync(first, HttpMethod.Post, $"/workspaces/{id}/approvals", """{"action":"deploy"}""", token)).GetProperty("approval_id").GetString()!;
            await SendAsync(first, HttpMethod.Post, "/instructions", """{"scope":"global","title":"Rule","content":"Be brief."}""", Admin);
            await first.TerminateAsync(TestTimeouts.Short);   // SIGTERM: the final save
        }

        Assert.True(File.Exists(Path.Combine(_dataDir, "emulator-state.json")));
        Assert.DoesNotContain(token, await File.ReadAllTextAsync(Path.Combine(_dataDir, "emulator-state.json")), StringComparison.Ordinal);

        await using (var second = await StartAsync())
        {
            Assert.Equal("online", (await SendAsync(second, HttpMethod.Get, $"/workspaces/{id}/state", null, token)).GetProperty("status").GetString());
            Assert.Equal("remember this", (await SendAsync(second, HttpMethod.Get, $"/workspaces/{id}/memories?scope=TEAM", null, token))[0].GetProperty("content").GetString());
            Assert.Equal(3, (await SendAsync(second, HttpMethod.Get, $"/workspaces/{id}/memory/plan", null, token)).GetProperty("value").GetProperty("step").GetInt32());
            Assert.Equal("sk-kept", (await SendAsync(second, HttpMethod.Get, $"/workspaces/{id}/secrets/values", null, token)).GetProperty("OPENAI_API_KEY").GetString());
            Assert.Equal(approvalId, (await SendAsync(second, HttpMethod.Get, "/approvals/pending", null, Admin))[0].GetProperty("id").GetString());
            Assert.Contains("Be brief.", (await SendAsync(second, HttpMethod.Get, $"/workspaces/{id}/instructions/resolve", null, token)).GetProperty("instructions").GetString(), StringComparison.Ordinal);
            Assert.Contains((await SendAsync(second, HttpMethod.Get, $"/events/{id}", null, Admin)).EnumerateArray(), e => e.GetProperty("event_type").GetString() == "APPROVAL_REQUESTED");

            await SendAsync(second, HttpMethod.Post, "/_emulator/reset", null, Admin);
            await second.TerminateAsync(TestTimeouts.Short);
        }

        await using var third = await StartAsync();
        using var client = Client(third);
        using var gone = await client.GetAsync($"/workspaces/{id}").DefaultTimeout();
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    [Fact]
    public async Task A_state_file_that_cannot_be_read_is_kept_aside_and_the_emulator_starts_empty()
    {
        await File.WriteAllTextAsync(Path.Combine(_dataDir, "emulator-state.json"), """{"version":1,"workspaces":[{"id":""" );

        await using var emulator = await StartAsync();

        Assert.Single(Directory.GetFiles(_dataDir, "emulator-state.json.unreadable-*"));
        Assert.Equal(0, (await SendAsync(emulator, HttpMethod.Get, "/workspaces", null, Admin)).GetArrayLength());
    }

    private async Task<Running> StartAsync()
    {
        var port = TestPorts.FreeText();
        var process = ChildProcess.StartDotnet("Molecule.PlatformEmulator.dll", new Dictionary<string, string?>
        {
            ["PORT"] = port,
            ["ADMIN_TOKEN"] = Admin,
            ["RATE_LIMIT"] = "0",
            ["Emulator__DataDir"] = _dataDir,
        });
        var running = new Running(process, $"http://127.0.0.1:{port}");
        using var client = Client(running);
        await TestTimeouts.Eventually(async () => await client.StatusAsync("/health") is { } status
                ? (int)status is >= 200 and <= 299
                : process.HasExited ? throw new InvalidOperationException($"the emulator exited: {process.Errors}") : false,
            TestTimeouts.Start, "emulator /health");
        return running;
    }

    private static HttpClient Client(Running running) => new() { BaseAddress = new Uri(running.Url), Timeout = TestTimeouts.Short };

    private static async Task<JsonElement> SendAsync(Running running, HttpMethod method, string path, string? body, string bearer)
    {
        using var client = Client(running);
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        using var response = await client.SendAsync(request).DefaultTimeout();
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{method} {path}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private sealed record Running(ChildProcess Process, string Url) : IAsyncDisposable
    {
        public Task TerminateAsync(TimeSpan timeout) => Process.TerminateAsync(timeout);

        public ValueTask DisposeAsync() => Process.DisposeAsync();
    }
}
