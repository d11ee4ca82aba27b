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
            var deadline = DateTime.UtcNow + TestTimeouts.Start;
            while (!await CardAnswersAsync(client))
            {
                Assert.True(DateTime.UtcNow < deadline, "the workspace did not serve its card in time");
                await Task.Delay(100);
            }

            await using var node = ChildProcess.Start("node", [Path.Combine(InteropFactAttribute.Folder, "interop.mjs"), $"http://127.0.0.1:{port}"]);
            await node.WaitForExitAsync(TimeSpan.FromMinutes(3));
            var report = node.Output;

            Assert.True(node.ExitCode == 0, report);
            Assert.Matches(@"(?m)^\d+ passed, 0 failed$", report);
            Assert.DoesNotContain("not ok", report, StringComparison.Ordinal);
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

/// <summary>Runs when Node.js and tests/interop's npm dependencies are installed; skipped with the reason otherwise.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class InteropFactAttribute : FactAttribute
{
    public static readonly string Folder = FindFolder();

    public InteropFactAttribute()
    {
        if (!ChildProcess.IsOnPath("node"))
        {
            Skip = "Node.js not found on PATH";
        }
        else if (!File.Exists(Path.Combine(Folder, "node_modules", "@a2a-js", "sdk", "package.json")))
        {
            Skip = $"@a2a-js/sdk not installed: run 'npm ci' in {Folder}";
        }
    }

    private static string FindFolder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Molecule.Aspire.sln")))
            {
                return Path.Combine(dir.FullName, "tests", "interop");
            }
        }

        return Path.Combine(AppContext.BaseDirectory, "interop");
    }
}
