using System.Globalization;
using System.Net;
using System.Text.Json;

namespace Molecule.Deployment.Tests;

/// <summary><c>compose up</c> on deploy/docker-compose.yml gives a working pair: emulator and workspace, A2A through the proxy.</summary>
[Trait("Category", "Container")]
public sealed class ComposeTests
{
    [ComposeFact]
    public async Task Compose_up_gives_a_registered_healthy_workspace_behind_the_emulator_and_down_stops_it_gracefully()
    {
        var project = $"moleculetest{Guid.NewGuid():N}"[..20];
        var workspaceId = Guid.NewGuid().ToString();
        var platformPort = TestPorts.Free(IPAddress.Any);
        var environment = new Dictionary<string, string>
        {
            ["ADMIN_TOKEN"] = "compose-test-admin-token-0123456789",
            ["WORKSPACE_ID"] = workspaceId,
            ["PLATFORM_PORT"] = platformPort.ToString(CultureInfo.InvariantCulture),
            ["WORKSPACE_PORT"] = TestPorts.Free(IPAddress.Any).ToString(CultureInfo.InvariantCulture),
            ["WORKSPACE_IMAGE"] = Podman.WorkspaceImage,
            ["EMULATOR_IMAGE"] = Podman.EmulatorImage,
        };
        var file = Repo.PathOf("deploy", "docker-compose.yml");
        await Podman.EnsureImagesAsync();
        using var platform = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{platformPort}"), Timeout = TimeSpan.FromSeconds(5) };
        try
        {
            var up = await Compose(environment, "-p", project, "-f", file, "up", "-d");
            Assert.True(up.ExitCode == 0, up.Output);

            await TestTimeouts.Eventually(async () =>
            {
                try
                {
                    using var response = await platform.GetAsync($"/workspaces/{workspaceId}");
                    using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                    return response.StatusCode == HttpStatusCode.OK && doc.RootElement.GetProperty("status").GetString() == "online";
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException)
                {
                    return false;
                }
            }, TestTimeouts.Start, "the Compose workspace online on the Compose emulator");

            var workspace = await Podman.CheckedAsync(TestTimeouts.Short, "ps", "-q",
                "--filter", $"label=com.docker.compose.project={project}", "--filter", "label=com.docker.compose.service=workspace");
            var health = await Podman.RunAsync(TestTimeouts.Short, "healthcheck", "run", workspace);
            Assert.True(health.ExitCode == 0, health.Output);

            using var reply = await platform.PostAsync($"/workspaces/{workspaceId}/a2a", EmulatorProcess.Json("""
                {"jsonrpc":"2.0","id":1,"method":"message/send","params":{"message":{"role":"user","messageId":"m-1","parts":[{"kind":"text","text":"hello compose"}]}}}
                """));
            var body = await reply.Content.ReadAsStringAsync();
            Assert.True(reply.StatusCode == HttpStatusCode.OK, body);
            Assert.Contains("hello compose", body, StringComparison.Ordinal);

            var stop = await Compose(environment, "-p", project, "-f", file, "stop");
            Assert.True(stop.ExitCode == 0, stop.Output);
            Assert.Equal("0", await Podman.CheckedAsync(TestTimeouts.Short, "inspect", workspace, "--format", "{{.State.ExitCode}}"));
            Assert.Contains("Shutdown step 5/5", (await Podman.RunAsync(TestTimeouts.Short, "logs", workspace)).Output, StringComparison.Ordinal);
        }
        finally
        {
            await Compose(environment, "-p", project, "-f", file, "down", "-v");
            await Podman.RunAsync(TestTimeouts.Short, "network", "rm", "-f", $"{project}_default");   // podman-compose 1.0 leaves it
        }
    }

    private static Task<ProcessResult> Compose(IReadOnlyDictionary<string, string> environment, params string[] args) =>
        Podman.RunToolAsync("podman-compose", environment, TimeSpan.FromMinutes(2), args);
}
