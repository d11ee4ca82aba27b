using System.Net;
using System.Text.Json;
using Molecule.Deployment.Tests.Infrastructure;

namespace Molecule.Deployment.Tests;

/// <summary>
/// The deployment guide's <c>docker run</c> walked with the real image under podman, against the real emulator
/// on the host: healthy, registered, online, reachable through the platform's A2A proxy, and stopped gracefully.
/// </summary>
[Trait("Category", "Container")]
public sealed class ContainerTests(EmulatorProcess platform) : IClassFixture<EmulatorProcess>
{
    [ContainerFact]
    public async Task The_image_declares_the_guides_healthcheck_a_non_root_user_port_8000_and_sigterm()
    {
        await Podman.EnsureImagesAsync();
        using var doc = JsonDocument.Parse(await Podman.CheckedAsync(TestTimeouts.Short, "image", "inspect", Podman.WorkspaceImage));
        var image = doc.RootElement[0];
        var config = image.GetProperty("Config");
        var health = image.GetProperty("Healthcheck");   // the Docker-format HEALTHCHECK (kept by --format docker)
        Assert.Equal(["CMD", "/app/Molecule.Workspace", "probe"], health.GetProperty("Test").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(TimeSpan.FromSeconds(30), TimeSpan.FromTicks(health.GetProperty("Interval").GetInt64() / 100));
        Assert.Equal(TimeSpan.FromSeconds(5), TimeSpan.FromTicks(health.GetProperty("Timeout").GetInt64() / 100));
        Assert.Equal(TimeSpan.FromSeconds(30), TimeSpan.FromTicks(health.GetProperty("StartPeriod").GetInt64() / 100));
        Assert.Equal(3, health.GetProperty("Retries").GetInt32());

        Assert.Equal("10001:10001", config.GetProperty("User").GetString());
        Assert.True(config.GetProperty("ExposedPorts").TryGetProperty("8000/tcp", out _));
        Assert.Equal("SIGTERM", config.GetProperty("StopSignal").GetString());
        Assert.Equal(["/app/Molecule.Workspace"], config.GetProperty("Entrypoint").EnumerateArray().Select(e => e.GetString()));
        Assert.Contains("PORT=8000", config.GetProperty("Env").EnumerateArray().Select(e => e.GetString()));
        Assert.True(config.GetProperty("Volumes").TryGetProperty("/configs", out _));
    }

    [ContainerFact]
    public async Task Docker_run_turns_healthy_registers_goes_online_answers_through_the_proxy_and_stops_gracefully()
    {
        var (id, token) = await platform.CreateExternalWorkspaceAsync("container-guide");
        await using var container = await WorkspaceContainer.StartAsync(platform.Port,
            new Dictionary<string, string> { ["WORKSPACE_ID"] = id, ["WORKSPACE_AUTH_TOKEN"] = token },
            readOnlyRoot: true);

        await container.WaitHealthyAsync();
        Assert.Equal("healthy", await container.HealthStatusAsync());

        // The guide's Compose healthcheck command works inside the image too.
        var curl = await Podman.RunAsync(TestTimeouts.Short, "exec", container.Name, "curl", "-f", "http://localhost:8000/.well-known/agent-card.json");
        Assert.True(curl.ExitCode == 0, curl.Output);

        await TestTimeouts.Eventually(async () => await platform.StatusOfAsync(id) == "online", TestTimeouts.Start, "workspace online on the platform");

        using var reply = await platform.Client.PostAsync($"/workspaces/{id}/a2a", EmulatorProcess.Json("""
            {"jsonrpc":"2.0","id":1,"method":"message/send","params":{"message":{"role":"user","messageId":"m-1","parts":[{"kind":"text","text":"hello from the proxy"}]}}}
            """));
        var body = await reply.Content.ReadAsStringAsync();
        Assert.True(reply.StatusCode == HttpStatusCode.OK, body);
        Assert.Contains("hello from the proxy", body, StringComparison.Ordinal);

        var exitCode = await container.StopAsync();
        var logs = await container.LogsAsync();
        Assert.True(exitCode == 0, logs);
        Assert.Contains("Shutdown step 1/5", logs, StringComparison.Ordinal);
        Assert.Contains("Shutdown step 2/5: heartbeat loop stopped; final heartbeat", logs, StringComparison.Ordinal);
        Assert.Contains("Shutdown step 4/5: snapshot written to /configs/.agent_snapshot.json", logs, StringComparison.Ordinal);
        Assert.Contains("Shutdown step 5/5", logs, StringComparison.Ordinal);
        Assert.DoesNotContain(token, logs, StringComparison.Ordinal);
    }

    [ContainerFact]
    public async Task PORT_9000_moves_the_server_and_the_healthcheck_follows()
    {
        var id = await platform.CreateWorkspaceAsync("container-port");
        await using var container = await WorkspaceContainer.StartAsync(platform.Port,
            new Dictionary<string, string> { ["WORKSPACE_ID"] = id, ["PORT"] = "9000" }, containerPort: 9000);

        await container.WaitHealthyAsync();
        using var card = await container.Client.GetAsync("/.well-known/agent-card.json");
        Assert.Equal(HttpStatusCode.OK, card.StatusCode);
        var listening8000 = await Podman.RunAsync(TestTimeouts.Short, "exec", container.Name, "curl", "-fsS", "-o", "/dev/null", "http://localhost:8000/.well-known/agent-card.json");
        Assert.NotEqual(0, listening8000.ExitCode);
    }

    [ContainerFact]
    public async Task A_missing_WORKSPACE_ID_exits_non_zero_with_the_message()
    {
        await Podman.EnsureImagesAsync();
        var run = await Podman.RunAsync(TestTimeouts.Start, "run", "--rm", "-e", "PLATFORM_URL=http://host.docker.internal:8080", Podman.WorkspaceImage);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("WORKSPACE_ID", run.StdErr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Output, StringComparison.Ordinal);   // one line, no stack trace
    }

    [ContainerFact]
    public async Task The_token_survives_a_container_restart_with_the_same_volume()
    {
        var id = await platform.CreateWorkspaceAsync("container-restart");
        var volume = $"molecule-test-{Guid.NewGuid():N}"[..26];
        var environment = new Dictionary<string, string> { ["WORKSPACE_ID"] = id, ["HEARTBEAT_INTERVAL_SECONDS"] = "1" };
        try
        {
            string firstToken;
            await using (var first = await WorkspaceContainer.StartAsync(platform.Port, environment, volume: volume))
            {
                await TestTimeouts.Eventually(async () => await platform.StatusOfAsync(id) == "online", TestTimeouts.Start, "first run online");
                Assert.Equal(0, await first.StopAsync());
                firstToken = await ReadTokenAsync(volume);
                Assert.Equal(43, firstToken.Length);
            }

            // The first registration minted the workspace's token, so only a workspace that kept it can come back:
            // a tokenless registration would now be refused (401).
            await platform.SetStatusAsync(id, "offline");
            await using var second = await WorkspaceContainer.StartAsync(platform.Port, environment, volume: volume);
            await TestTimeouts.Eventually(async () => await platform.StatusOfAsync(id) == "online", TestTimeouts.Start, "second run online");

            Assert.Equal(firstToken, await ReadTokenAsync(volume));
            var logs = await second.LogsAsync();
            Assert.DoesNotContain("Token refused", logs, StringComparison.Ordinal);
            Assert.DoesNotContain(firstToken, logs, StringComparison.Ordinal);
        }
        finally
        {
            await Podman.RunAsync(TestTimeouts.Short, "volume", "rm", "-f", volume);
        }
    }

    /// <summary>The token file as the volume holds it, read from the volume's export (the image has no shell or cat).</summary>
    private static async Task<string> ReadTokenAsync(string volume)
    {
        var archive = Path.Combine(Path.GetTempPath(), $"{volume}.tar");
        try
        {
            await Podman.CheckedAsync(TestTimeouts.Short, "volume", "export", "--output", archive, volume);
            await using var tar = new System.Formats.Tar.TarReader(File.OpenRead(archive));
            while (await tar.GetNextEntryAsync() is { } entry)
            {
                if (Path.GetFileName(entry.Name) == ".auth_token" && entry.DataStream is { } data)
                {
                    using var reader = new StreamReader(data);
                    return (await reader.ReadToEndAsync()).Trim();
                }
            }

            throw new InvalidOperationException($"volume {volume} holds no .auth_token");
        }
        finally
        {
            File.Delete(archive);
        }
    }
}
