using System.Globalization;

namespace Molecule.Deployment.Tests.Infrastructure;

/// <summary>One run of the workspace image under podman, published on a loopback port of the host.</summary>
public sealed class WorkspaceContainer : IAsyncDisposable
{
    private static readonly Lazy<Task<string>> HostGateway = new(() => Podman.CheckedAsync(TestTimeouts.Short,
        "network", "inspect", "podman", "--format", "{{range .Subnets}}{{.Gateway}}{{end}}"));

    private WorkspaceContainer(string name, int hostPort)
    {
        Name = name;
        HostPort = hostPort;
        Client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{hostPort}"), Timeout = TimeSpan.FromSeconds(5) };
    }

    public string Name { get; }

    public int HostPort { get; }

    public HttpClient Client { get; }

    /// <summary>
    /// <c>podman run -d</c> with the guide's flags: <c>-p</c>, <c>PLATFORM_URL</c> through
    /// <c>host.docker.internal</c> (mapped to the host gateway), <c>WORKSPACE_ID</c>, <c>PORT</c>.
    /// </summary>
    public static async Task<WorkspaceContainer> StartAsync(int platformPort, IReadOnlyDictionary<string, string> environment,
        int containerPort = 8000, string? volume = null, bool readOnlyRoot = false, IReadOnlyList<string>? mounts = null)
    {
        var container = new WorkspaceContainer($"molecule-test-{Guid.NewGuid():N}"[..28], TestPorts.Free());
        var args = new List<string>
        {
            "run", "-d", "--name", container.Name,
            "-p", $"127.0.0.1:{container.HostPort}:{containerPort}",
            "--add-host", $"host.docker.internal:{await HostGateway.Value}",
            "-e", $"PLATFORM_URL=http://host.docker.internal:{platformPort}",
            "-e", $"AGENT_URL=http://127.0.0.1:{container.HostPort}",
        };
        foreach (var (key, value) in environment)
        {
            args.AddRange(["-e", $"{key}={value}"]);
        }

        if (volume is not null)
        {
            args.AddRange(["-v", $"{volume}:/configs"]);
        }

        foreach (var mount in mounts ?? [])
        {
            args.AddRange(["-v", mount]);
        }

        if (readOnlyRoot)
        {
            args.AddRange(["--read-only", "--tmpfs", "/tmp"]);   // the Kubernetes securityContext's read-only root
        }

        args.Add(Podman.WorkspaceImage);
        await Podman.EnsureImagesAsync();
        await Podman.CheckedAsync(TestTimeouts.Start, [.. args]);
        return container;
    }

    /// <summary>Runs the image's HEALTHCHECK command now (no systemd timer drives it here) until it reports healthy.</summary>
    public Task WaitHealthyAsync() => TestTimeouts.Eventually(async () =>
    {
        var run = await Podman.RunAsync(TestTimeouts.Short, "healthcheck", "run", Name);
        return run.ExitCode == 0;
    }, TestTimeouts.Start, $"{Name} HEALTHCHECK");

    public async Task<string> HealthStatusAsync() => await Podman.CheckedAsync(TestTimeouts.Short, "inspect", Name, "--format", "{{.State.Health.Status}}");

    /// <summary><c>podman stop -t 10</c>: SIGTERM, then SIGKILL after 10 s. Returns the exit code.</summary>
    public async Task<int> StopAsync()
    {
        await Podman.CheckedAsync(TimeSpan.FromSeconds(30), "stop", "-t", "10", Name);
        return int.Parse(await Podman.CheckedAsync(TestTimeouts.Short, "inspect", Name, "--format", "{{.State.ExitCode}}"), CultureInfo.InvariantCulture);
    }

    public async Task<string> LogsAsync() => (await Podman.RunAsync(TestTimeouts.Short, "logs", Name)).Output;

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Podman.RunAsync(TimeSpan.FromSeconds(30), "rm", "-f", "-v", "-t", "0", Name);
    }
}
