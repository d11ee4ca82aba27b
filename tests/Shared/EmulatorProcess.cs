using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Molecule.Testing;

/// <summary>
/// The built platform emulator as a real process listening on every interface, so containers reach it through the
/// host gateway exactly as the deployment guide's <c>PLATFORM_URL=http://host.docker.internal:8080</c> does.
/// </summary>
public sealed class EmulatorProcess : IAsyncLifetime
{
    public const string AdminToken = "deployment-tests-admin-token-0123456789";

    private ChildProcess? _process;

    /// <summary>Emulator settings on top of the defaults (e.g. <c>Emulator__Fidelity=Strict</c>); xUnit fixtures take none.</summary>
    public IReadOnlyDictionary<string, string?> Settings { get; init; } = new Dictionary<string, string?>();

    public int Port { get; } = TestPorts.Free(IPAddress.Any);

    public HttpClient Client { get; } = new() { Timeout = TimeSpan.FromSeconds(10) };

    public string Log => _process?.Output ?? "";

    public async ValueTask InitializeAsync()
    {
        _process = ChildProcess.StartDotnet("Molecule.PlatformEmulator.dll", new Dictionary<string, string?>
        {
            ["PORT"] = Port.ToString(CultureInfo.InvariantCulture),
            ["ADMIN_TOKEN"] = AdminToken,
            ["RATE_LIMIT"] = "0",
            ["DOTNET_ENVIRONMENT"] = "Production",
        }.Concat(Settings).GroupBy(p => p.Key).ToDictionary(g => g.Key, g => g.Last().Value));

        Client.BaseAddress = new Uri($"http://127.0.0.1:{Port}");
        Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken);
        await TestTimeouts.Eventually(async () => await Client.StatusAsync("/health") is { } status
                ? status == HttpStatusCode.OK
                : !_process.HasExited ? false : throw new InvalidOperationException($"the emulator exited {_process.ExitCode}: {Log}"),
            TestTimeouts.Start, "emulator /health");
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        if (_process is not null)
        {
            await _process.DisposeAsync();
        }
    }

    /// <summary>The guide's first step: create an external workspace and receive its id and token.</summary>
    public async Task<(string Id, string Token)> CreateExternalWorkspaceAsync(string name)
    {
        using var response = await Client.PostAsync("/workspaces", Json($$"""{"name":"{{name}}","external":true}"""));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, body);
        using var doc = JsonDocument.Parse(body);
        return (doc.RootElement.GetProperty("id").GetString()!, doc.RootElement.GetProperty("connection").GetProperty("auth_token").GetString()!);
    }

    /// <summary>A workspace row with no token yet: the agent's first registration mints one.</summary>
    public async Task<string> CreateWorkspaceAsync(string name)
    {
        using var response = await Client.PostAsync("/workspaces", Json($$"""{"name":"{{name}}"}"""));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, body);
        using var doc = JsonDocument.Parse(body);
        return doc.RootElement.GetProperty("id").GetString()!;
    }

    public async Task<string?> StatusOfAsync(string id)
    {
        using var response = await Client.GetAsync($"/workspaces/{id}");
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return doc.RootElement.TryGetProperty("status", out var status) ? status.GetString() : null;
    }

    public async Task SetStatusAsync(string id, string status)
    {
        using var response = await Client.PostAsync($"/_emulator/workspaces/{id}/status", Json($$"""{"status":"{{status}}"}"""));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    public static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");
}
