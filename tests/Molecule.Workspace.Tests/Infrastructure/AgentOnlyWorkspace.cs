using System.Net;

namespace Molecule.Workspace.Tests.Infrastructure;

/// <summary>The built workspace as a real process serving A2A on a loopback port, with no platform behind it (the agent side needs none).</summary>
public static class AgentOnlyWorkspace
{
    public static ChildProcess Start(string workspaceId, string port, string configsDir, IReadOnlyDictionary<string, string?>? extra = null)
    {
        var environment = new Dictionary<string, string?>
        {
            ["WORKSPACE_ID"] = workspaceId,
            ["PORT"] = port,
            ["AGENT_URL"] = $"http://127.0.0.1:{port}",
            ["PLATFORM_URL"] = "http://127.0.0.1:9",   // nothing listens
            ["CONFIGS_DIR"] = configsDir,
            ["Logging__LogLevel__Default"] = "Warning",
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            environment[key] = value;
        }

        return ChildProcess.StartWorkspace(environment);
    }

    /// <summary>Waits until the process serves its card; fails with its output if it exits first.</summary>
    public static Task WaitServingAsync(ChildProcess workspace, HttpClient client) =>
        TestTimeouts.Eventually(async () => workspace.HasExited ? throw new InvalidOperationException(workspace.Output) : await CardAnswersAsync(client),
            TestTimeouts.Start, "the workspace serving its card");

    private static async Task<bool> CardAnswersAsync(HttpClient client) =>
        await client.StatusAsync("/.well-known/agent-card.json") == HttpStatusCode.OK;
}
