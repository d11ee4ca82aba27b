using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Molecule.Workspace.Tests.Infrastructure;

/// <summary>
/// The workspace under test, against a platform address where nothing listens (the agent side does not need one):
/// in-process by default, or the native binary on a loopback port when <c>MOLECULE_WORKSPACE_BINARY</c> names one, so
/// the same tests prove the NativeAOT build. Started by the first <see cref="CreateClient"/>, after
/// <see cref="Settings"/> are final.
/// </summary>
public sealed class WorkspaceAppFactory : IDisposable, IAsyncDisposable
{
    private InProcess? _inProcess;
    private ChildProcess? _native;
    private Uri? _nativeAddress;

    public string ConfigsDir { get; } = Directory.CreateTempSubdirectory("molecule-ws-tests-").FullName;

    public Dictionary<string, string?> Settings { get; } = new()
    {
        ["WORKSPACE_ID"] = "0b5e9a4c-1f2d-4e3a-8b7c-6d5e4f3a2b1c",
        ["PLATFORM_URL"] = "http://127.0.0.1:9",
        ["AGENT_URL"] = "http://agent.test:8000",
        ["HEARTBEAT_INTERVAL_SECONDS"] = "60",
        ["HostOptions:ShutdownTimeout"] = "00:00:05",
        ["Agent:Tasks:CancelWait"] = "00:00:02",
        ["Logging:LogLevel:Default"] = "Warning",
    };

    public HttpClient CreateClient()
    {
        if (ChildProcess.NativeWorkspace is null)
        {
            _inProcess ??= new InProcess(this);
            return _inProcess.CreateClient();
        }

        if (_native is null)
        {
            var port = TestPorts.FreeText();
            var environment = Settings.ToDictionary(s => s.Key.Replace(":", "__", StringComparison.Ordinal), s => s.Value);
            environment["PORT"] = port;
            environment["CONFIGS_DIR"] = ConfigsDir;
            _nativeAddress = new Uri($"http://127.0.0.1:{port}");
            _native = ChildProcess.StartWorkspace(environment);
            using var probe = new HttpClient { BaseAddress = _nativeAddress };
            AgentOnlyWorkspace.WaitServingAsync(_native, probe).GetAwaiter().GetResult();
        }

        return new HttpClient { BaseAddress = _nativeAddress, Timeout = TestTimeouts.Start };
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    public async ValueTask DisposeAsync()
    {
        if (_inProcess is not null)
        {
            await _inProcess.DisposeAsync();
        }

        if (_native is not null)
        {
            await _native.TerminateAsync(TestTimeouts.Short);
            await _native.DisposeAsync();
        }

        try
        {
            Directory.Delete(ConfigsDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private sealed class InProcess(WorkspaceAppFactory owner) : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseSetting("CONFIGS_DIR", owner.ConfigsDir);
            foreach (var (key, value) in owner.Settings)
            {
                builder.UseSetting(key, value);
            }
        }
    }
}
