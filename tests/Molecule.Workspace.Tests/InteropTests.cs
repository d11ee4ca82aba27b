using Molecule.Workspace.Tests.Infrastructure;
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
        var workspace = AgentOnlyWorkspace.Start("2b4d6f8a-0c1e-4a3b-8d5f-7a9c1e3b5d7f", port, configs);
        try
        {
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            await AgentOnlyWorkspace.WaitServingAsync(workspace, client);

            await InteropFactAttribute.RunSuiteAsync($"http://127.0.0.1:{port}");
        }
        finally
        {
            await workspace.DisposeAsync();
            Directory.Delete(configs, recursive: true);
        }
    }
}
