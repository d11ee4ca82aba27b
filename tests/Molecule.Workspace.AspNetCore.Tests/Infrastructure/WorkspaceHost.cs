using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Molecule.Workspace.AspNetCore.Tests.Infrastructure;

/// <summary>
/// A workspace built from the library exactly as a user's Program.cs builds it, on the in-memory test server, against
/// a platform address where nothing listens (the agent side does not need one).
/// </summary>
internal sealed class WorkspaceHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly string? _configs;

    private WorkspaceHost(WebApplication app, string? configs, string? url)
    {
        _app = app;
        _configs = configs;
        Url = url;
        Client = url is null ? app.GetTestClient() : new HttpClient { BaseAddress = new Uri(url) };
    }

    /// <summary>The loopback URL when the host runs on real Kestrel; null on the in-memory test server.</summary>
    public string? Url { get; }

    public HttpClient Client { get; }

    public IServiceProvider Services => _app.Services;

    /// <param name="addAgent">Adds the agent, as a user's Program.cs does.</param>
    /// <param name="settings">Configuration on top of the defaults.</param>
    /// <param name="kestrel">Serve on a loopback port with real Kestrel (for clients outside the process) instead of the test server.</param>
    /// <param name="configsDir">A <c>CONFIGS_DIR</c> the test prepared (and keeps across restarts); a fresh one, deleted afterwards, when null.</param>
    public static async Task<WorkspaceHost> StartAsync(Action<MoleculeWorkspaceBuilder> addAgent, IDictionary<string, string?>? settings = null, bool kestrel = false,
        string? configsDir = null)
    {
        var configs = configsDir ?? Directory.CreateTempSubdirectory("molecule-lib-tests-").FullName;
        var builder = WebApplication.CreateBuilder();
        string? url = null;
        if (kestrel)
        {
            url = $"http://127.0.0.1:{TestPorts.Free()}";
            builder.WebHost.UseUrls(url);
        }
        else
        {
            builder.WebHost.UseTestServer();
        }

        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["WORKSPACE_ID"] = "0b5e9a4c-1f2d-4e3a-8b7c-6d5e4f3a2b1c",
            ["PLATFORM_URL"] = "http://127.0.0.1:9",
            ["AGENT_URL"] = url ?? "http://agent.test:8000",
            ["CONFIGS_DIR"] = configs,
            ["HostOptions:ShutdownTimeout"] = "00:00:05",
        });
        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }

        addAgent(builder.AddMoleculeWorkspace());
        var app = builder.Build();
        app.MapMoleculeWorkspace();
        await app.StartAsync().DefaultTimeout();
        return new WorkspaceHost(app, configsDir is null ? configs : null, url);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync().DefaultTimeout();
        await _app.DisposeAsync();
        if (_configs is null)
        {
            return;
        }

        try
        {
            Directory.Delete(_configs, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
