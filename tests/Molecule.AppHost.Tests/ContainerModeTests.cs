using System.Net;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Molecule.AppHost.Tests;

/// <summary>
/// <c>--Molecule:WorkspaceMode=container</c>: the same graph with the workspace as the real image under Podman,
/// reaching the emulator on the host through the container network's gateway.
/// </summary>
[Trait("Category", "Container")]
public sealed class ContainerModeTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(90);

    /// <summary>
    /// The Dockerfile run's budget: the app's start also covers the workspace's self-contained publish and the image
    /// build, which took over three minutes on this 2-core machine kind while the other suites ran beside it.
    /// </summary>
    private static readonly TimeSpan DockerfileStartTimeout = AppHostFixture.StartTimeout + TimeSpan.FromMinutes(5);

    /// <summary>A fact that builds the image from the Dockerfile: podman and a base image already on this machine.</summary>
    [AttributeUsage(AttributeTargets.Method)]
    private sealed class ContainerBuildFactAttribute : FactAttribute
    {
        public ContainerBuildFactAttribute([CallerFilePath] string? sourceFilePath = null, [CallerLineNumber] int sourceLineNumber = -1)
            : base(sourceFilePath, sourceLineNumber)
        {
            Skip = Podman.UnavailableReason ?? (LocalBaseImage.Name is null
                ? "no base image on this machine (mcr.microsoft.com/dotnet/runtime-deps:10.0 or deploy/build-offline-base.sh's localhost/molecule-base:bookworm)"
                : null);
        }
    }

    /// <summary>A base image this machine holds, so the Dockerfile build needs no registry (offline CI builds one).</summary>
    private static class LocalBaseImage
    {
        public static readonly string? Name = new[] { "localhost/molecule-base:bookworm", "mcr.microsoft.com/dotnet/runtime-deps:10.0" }
            .FirstOrDefault(image => Podman.UnavailableReason is null &&
                                     Podman.RunAsync(TimeSpan.FromSeconds(30), "image", "exists", image).GetAwaiter().GetResult().ExitCode == 0);
    }

    [ContainerBuildFact]
    public Task The_workspace_image_built_from_its_Dockerfile_registers_turns_healthy_and_answers_through_the_proxy() =>
        RunAsync($"--Molecule:BaseImage={LocalBaseImage.Name}", DockerfileStartTimeout);

    [ContainerFact]
    public Task A_ready_workspace_image_registers_turns_healthy_and_answers_through_the_proxy() =>
        RunAsync($"--Molecule:WorkspaceImage={Podman.WorkspaceImage}", AppHostFixture.StartTimeout);

    private static async Task RunAsync(string imageArgument, TimeSpan startTimeout)
    {
        await Podman.EnsureImagesAsync();
        using var cts = new CancellationTokenSource(startTimeout);
        await using var app = await TestAppHost.StartAsync(
        [
            "--Molecule:WorkspaceMode=container",
            imageArgument,
            $"--Molecule:PlatformPort={TestPorts.FreeText(IPAddress.Any)}",
            "--Molecule:HeartbeatInterval=00:00:01",
            "--DcpPublisher:ContainerRuntime=podman",
            "--Molecule:DataDir=",
        ], cts.Token);
        var settings = MoleculeSettings.From(app.Services.GetRequiredService<IConfiguration>());
        try
        {
            var notifications = app.Services.GetRequiredService<ResourceNotificationService>();
            await notifications.WaitForResourceHealthyAsync(ResourceNames.Platform, cts.Token).WaitAsync(Wait, cts.Token);
            await notifications.WaitForResourceHealthyAsync(ResourceNames.WorkspaceAt(0), cts.Token).WaitAsync(Wait, cts.Token);
            Assert.IsType<ContainerResource>(app.Services.GetRequiredService<DistributedApplicationModel>().Resources.Single(r => r.Name == ResourceNames.WorkspaceAt(0)));

            using var platform = app.CreateHttpClient(ResourceNames.Platform, "http");
            var id = settings.WorkspaceIdAt(0);
            var deadline = TestDeadline.In(Wait);
            string row;
            do
            {
                row = await platform.GetStringAsync($"/workspaces/{id}").WaitAsync(Wait);
                if (JsonDocument.Parse(row).RootElement.GetProperty("status").GetString() == "online")
                {
                    break;
                }

                await Task.Delay(250, cts.Token);
            }
            while (!deadline.Passed);
            Assert.Equal("online", JsonDocument.Parse(row).RootElement.GetProperty("status").GetString());

            using var response = await platform.PostAsync($"/workspaces/{id}/a2a", new StringContent(
                """{"jsonrpc":"2.0","id":1,"method":"message/send","params":{"message":{"role":"user","parts":[{"kind":"text","text":"hello container"}]}}}""",
                Encoding.UTF8, "application/json")).WaitAsync(Wait);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, body);
            Assert.Equal("Echo: hello container", JsonDocument.Parse(body).RootElement.GetProperty("result").GetProperty("parts")[0].GetProperty("text").GetString());
        }
        finally
        {
            await app.StopAsync().WaitAsync(Wait);
        }
    }
}
