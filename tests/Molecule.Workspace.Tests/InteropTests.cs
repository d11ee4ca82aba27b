using System.Net;

namespace Molecule.Workspace.Tests;

/// <summary>
/// The official <c>@a2a-js/sdk</c> client (tests/interop) drives the built workspace as a real process on loopback:
/// card discovery, send (blocking and returnImmediately), stream, get, cancel, subscribe, list and the error
/// classes, in A2A 1.0 and through the SDK's v0.3 compatibility layer.
/// </summary>
[Trait("Category", "Interop")]
public sealed class InteropTests
{
    [InteropFact]
    public async Task The_a2a_js_sdk_client_passes_every_interop_check()
    {
        var port = TestPorts.FreeText();
        var configs = Directory.CreateTempSubdirectory("molecule-interop-").FullName;
        var workspace = ChildProcess.StartDotnet("Molecule.Workspace.dll", new Dictionary<string, string?>
        {
            ["WORKSPACE_ID"] = "2b4d6f8a-0c1e-4a3b-8d5f-7a9c1e3b5d7f",
            ["PORT"] = port,
            ["AGENT_URL"] = $"http://127.0.0.1:{port}",
            ["PLATFORM_URL"] = "http://127.0.0.1:9",   // nothing listens: the agent side needs no platform
            ["CONFIGS_DIR"] = configs,
            ["Logging__LogLevel__Default"] = "Warning",
        });
        try
        {
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            await TestTimeouts.Eventually(() => CardAnswersAsync(client), TestTimeouts.Start, "the workspace serving its card");

            await InteropFactAttribute.RunSuiteAsync($"http://127.0.0.1:{port}");
        }
        finally
        {
            await workspace.DisposeAsync();
            Directory.Delete(configs, recursive: true);
        }
    }

    private static async Task<bool> CardAnswersAsync(HttpClient client)
    {
        try
        {
            using var response = await client.GetAsync("/.well-known/agent-card.json").DefaultTimeout();
            return response.StatusCode == HttpStatusCode.OK;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }
}
