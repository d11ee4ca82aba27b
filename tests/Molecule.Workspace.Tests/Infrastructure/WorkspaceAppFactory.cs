using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Molecule.Workspace.Tests.Infrastructure;

/// <summary>The workspace in-process, against a platform address where nothing listens (the agent side does not need one).</summary>
public sealed class WorkspaceAppFactory : WebApplicationFactory<Program>
{
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

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("CONFIGS_DIR", ConfigsDir);
        foreach (var (key, value) in Settings)
        {
            builder.UseSetting(key, value);
        }
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        try
        {
            Directory.Delete(ConfigsDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
