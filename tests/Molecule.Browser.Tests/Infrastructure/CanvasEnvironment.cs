using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using Microsoft.Playwright;

namespace Molecule.Browser.Tests.Infrastructure;

/// <summary>
/// A real emulator process (admin token, liveness shortened to 3 s) with one seeded workspace, the real workspace
/// process registered with it (1 s heartbeats), and Debian's Chromium driven by Playwright.
/// </summary>
public sealed class CanvasEnvironment : IAsyncDisposable
{
    public const string AdminToken = "canvas-tests-admin-token-0123456789";
    public const string WorkspaceName = "canvas-agent";

    private readonly string _configs = Directory.CreateTempSubdirectory("molecule-canvas-").FullName;
    private ChildProcess? _emulator;
    private ChildProcess? _workspace;
    private IPlaywright? _playwright;

    private CanvasEnvironment()
    {
    }

    public string WorkspaceId { get; } = Guid.NewGuid().ToString();

    public int EmulatorPort { get; } = TestPorts.Free();

    public int WorkspacePort { get; } = TestPorts.Free();

    public string EmulatorUrl => $"http://127.0.0.1:{EmulatorPort}";

    public IBrowser Browser { get; private set; } = null!;

    public IPage Page { get; private set; } = null!;

    public HttpClient Admin { get; } = new() { Timeout = TimeSpan.FromSeconds(10) };

    public static async Task<CanvasEnvironment> StartAsync()
    {
        var environment = new CanvasEnvironment();
        try
        {
            await environment.StartEmulatorAsync();
            await environment.StartWorkspaceAsync();
            environment._playwright = await Playwright.CreateAsync();
            environment.Browser = await environment._playwright.Chromium.LaunchAsync(new()
            {
                ExecutablePath = BrowserFactAttribute.Chromium,
                Headless = true,
                Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                        "--disable-component-update", "--disable-sync", "--no-first-run"],
            });
            environment.Page = await environment.Browser.NewPageAsync(new() { ViewportSize = new() { Width = 1280, Height = 900 } });
            environment.Page.SetDefaultTimeout(20_000);
            return environment;
        }
        catch
        {
            await environment.DisposeAsync();
            throw;
        }
    }

    /// <summary>Opens the canvas and answers the admin-token prompt the way a developer would.</summary>
    public async Task OpenCanvasAsync()
    {
        await Page.GotoAsync(EmulatorUrl);
        var dialog = Page.GetByRole(AriaRole.Dialog, new() { Name = "Admin token" });
        await Assertions.Expect(dialog).ToBeVisibleAsync();
        await dialog.GetByLabel("ADMIN_TOKEN").FillAsync(AdminToken);
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Continue" }).ClickAsync();
        await Assertions.Expect(dialog).ToBeHiddenAsync();
        await Assertions.Expect(Page.Locator("#connection")).ToHaveTextAsync("Live");   // subscribed to the live events
    }

    public ILocator Card => Page.Locator($"[data-workspace-id='{WorkspaceId}']");

    public async Task ScreenshotAsync(string scenario)
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "screenshots");
        Directory.CreateDirectory(folder);
        await Page.ScreenshotAsync(new() { Path = Path.Combine(folder, $"{scenario}.png"), FullPage = true });
    }

    /// <summary>Kills the emulator, as a crash or a host restart would.</summary>
    public async Task StopEmulatorAsync()
    {
        if (_emulator is not null)
        {
            await _emulator.DisposeAsync();
            _emulator = null;
        }
    }

    public async Task StartEmulatorAsync()
    {
        _emulator = ChildProcess.StartDotnet("Molecule.PlatformEmulator.dll", new Dictionary<string, string?>
        {
            ["Logging__LogLevel__Default"] = "Warning",
            ["PORT"] = EmulatorPort.ToString(CultureInfo.InvariantCulture),
            ["ADMIN_TOKEN"] = AdminToken,
            ["RATE_LIMIT"] = "0",
            ["Emulator__Liveness__TtlSeconds"] = "3",
            ["Emulator__Liveness__SweepIntervalSeconds"] = "1",
            ["REMOTE_LIVENESS_STALE_AFTER"] = "3",
            ["Emulator__Seeds__0__Id"] = WorkspaceId,
            ["Emulator__Seeds__0__Name"] = WorkspaceName,
        });
        Admin.BaseAddress ??= new Uri(EmulatorUrl);
        Admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken);
        await WaitUntilAsync(async () => await TryGetAsync($"{EmulatorUrl}/health"), "the emulator's /health");
    }

    /// <summary>SIGTERM to the workspace: it shuts down gracefully and stops heartbeating.</summary>
    public async Task StopWorkspaceAsync() => await _workspace!.TerminateAsync(TimeSpan.FromSeconds(30));

    private async Task StartWorkspaceAsync()
    {
        _workspace = ChildProcess.StartDotnet("Molecule.Workspace.dll", new Dictionary<string, string?>
        {
            ["Logging__LogLevel__Default"] = "Warning",
            ["WORKSPACE_ID"] = WorkspaceId,
            ["PORT"] = WorkspacePort.ToString(CultureInfo.InvariantCulture),
            ["AGENT_URL"] = $"http://127.0.0.1:{WorkspacePort}",
            ["PLATFORM_URL"] = EmulatorUrl,
            ["CONFIGS_DIR"] = _configs,
            ["HEARTBEAT_INTERVAL_SECONDS"] = "1",
            ["AGENT_NAME"] = WorkspaceName,
        });
        await WaitUntilAsync(async () => await TryGetAsync($"http://127.0.0.1:{WorkspacePort}/.well-known/agent-card.json"), "the workspace's card");
    }

    public string Log => $"emulator:\n{_emulator?.Output}\nworkspace:\n{_workspace?.Output}";

    public async ValueTask DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
        foreach (var process in new[] { _workspace, _emulator })
        {
            if (process is not null)
            {
                await process.DisposeAsync();
            }
        }

        Admin.Dispose();
        try
        {
            Directory.Delete(_configs, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static async Task<bool> TryGetAsync(string url)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        return await client.StatusAsync(url) == HttpStatusCode.OK;
    }

    private async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = TestDeadline.In(TimeSpan.FromSeconds(60));
        while (!await condition())
        {
            if (deadline.Passed)
            {
                throw new TimeoutException($"{what} did not answer within 60 s. Output:\n{Log}");
            }

            await Task.Delay(100);
        }
    }

}

/// <summary>A fact that needs Debian's Chromium; skipped with the reason where it is missing.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class BrowserFactAttribute : FactAttribute
{
    public static readonly string Chromium = Environment.GetEnvironmentVariable("CHROMIUM_PATH") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    public BrowserFactAttribute([CallerFilePath] string? sourceFilePath = null, [CallerLineNumber] int sourceLineNumber = -1)
        : base(sourceFilePath, sourceLineNumber)
    {
        if (!File.Exists(Chromium))
        {
            Skip = $"Chromium not found at {Chromium} (apt-get install chromium, or set CHROMIUM_PATH)";
        }
    }
}
