using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace Molecule.Workspace.Tests;

/// <summary>The built workspace as a real process, against a real platform stub on loopback Kestrel.</summary>
[Trait("Category", "Integration")]
public sealed class ProcessTests : IAsyncLifetime
{
    private const string Token = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-abcde";
    private readonly List<(string Path, string Body)> _received = [];
    private WebApplication? _platform;
    private string _platformUrl = "";
    private readonly string _configs = Directory.CreateTempSubdirectory("molecule-process-").FullName;

    public async ValueTask InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _platform = builder.Build();
        _platform.MapPost("/registry/{action}", async (string action, HttpContext context) =>
        {
            var body = await new StreamReader(context.Request.Body).ReadToEndAsync();
            lock (_received)
            {
                _received.Add(("/registry/" + action, body));
            }

            return action == "register" ? Results.Text($$"""{"status":"registered","auth_token":"{{Token}}"}""", "application/json") : Results.Text("""{"status":"ok"}""", "application/json");
        });
        _platform.MapGet("/workspaces/{id}/state", (string id) => Results.Text($$"""{"workspace_id":"{{id}}","status":"online","paused":false,"deleted":false}""", "application/json"));
        await _platform.StartAsync();
        _platformUrl = _platform.Urls.First();
    }

    public async ValueTask DisposeAsync()
    {
        if (_platform is not null)
        {
            await _platform.DisposeAsync();
        }

        Directory.Delete(_configs, recursive: true);
    }


    private const string HealthProbeCommand = "probe";

    /// <summary>The built workspace; <c>WORKSPACE_ID</c> is unset unless <paramref name="environment"/> gives it.</summary>
    private static ChildProcess Start(Dictionary<string, string?> environment, string? command = null)
    {
        environment.TryAdd("WORKSPACE_ID", null);
        return ChildProcess.StartWorkspace(environment, command is null ? [] : [command]);
    }

    [Fact]
    public async Task A_missing_workspace_id_exits_non_zero_with_one_line_naming_it()
    {
        await using var process = Start(new() { ["PORT"] = TestPorts.FreeText(), ["CONFIGS_DIR"] = _configs });

        await process.WaitForExitAsync(TestTimeouts.Start);
        var stderr = process.Errors;

        Assert.Equal(1, process.ExitCode);
        Assert.Contains("WORKSPACE_ID is required", stderr, StringComparison.Ordinal);
        Assert.Single(stderr.Trim().Split('\n'));
    }

    [Fact]
    public async Task The_probe_command_exits_0_against_a_serving_workspace_and_1_with_a_reason_when_nothing_answers()
    {
        var port = TestPorts.Free().ToString(System.Globalization.CultureInfo.InvariantCulture);
        await using var closed = Start(new() { ["PORT"] = port }, HealthProbeCommand);
        await closed.WaitForExitAsync(TestTimeouts.Start);
        Assert.Equal(1, closed.ExitCode);
        Assert.Contains($"http://127.0.0.1:{port}/.well-known/agent-card.json unreachable", closed.Errors, StringComparison.Ordinal);

        await using var workspace = Start(new()
        {
            ["WORKSPACE_ID"] = "6d2a8e4c-0b1f-4a3e-9c5d-7e9f1a3b5c7d",
            ["PORT"] = port,
            ["PLATFORM_URL"] = _platformUrl,
            ["CONFIGS_DIR"] = _configs,
        });
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        await WaitUntilAsync(async () => await client.StatusAsync("/.well-known/agent-card.json") == HttpStatusCode.OK);

        await using var probe = Start(new() { ["PORT"] = port }, HealthProbeCommand);
        await probe.WaitForExitAsync(TestTimeouts.Start);
        Assert.Equal(0, probe.ExitCode);
    }

    [Fact]
    public async Task Sigterm_drains_a_running_task_sends_a_final_heartbeat_writes_a_scrubbed_snapshot_and_exits_0()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var port = TestPorts.Free();
        await using var process = Start(new()
        {
            ["WORKSPACE_ID"] = "3c6f9b2a-8d1e-4f7a-9b0c-2e4d6f8a1c3e",
            ["PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["AGENT_URL"] = $"http://127.0.0.1:{port}",
            ["PLATFORM_URL"] = _platformUrl,
            ["CONFIGS_DIR"] = _configs,
            ["SHUTDOWN_GRACE_SECONDS"] = "5",
            ["HEARTBEAT_INTERVAL_SECONDS"] = "1",
        });
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        await WaitUntilAsync(async () => await client.StatusAsync("/.well-known/agent-card.json") == HttpStatusCode.OK);
        await WaitUntilAsync(() => Task.FromResult(File.Exists(Path.Combine(_configs, ".auth_token"))));

        var send = """{"jsonrpc":"2.0","id":1,"method":"message/send","params":{"configuration":{"blocking":false},"message":{"messageId":"m","role":"user","parts":[{"kind":"text","text":"work 1m"}]}}}""";
        using var sent = await client.PostAsync("/", new StringContent(send, Encoding.UTF8, "application/json")).DefaultTimeout();
        Assert.Equal(HttpStatusCode.OK, sent.StatusCode);
        int beatsBefore;
        lock (_received)
        {
            beatsBefore = _received.Count(r => r.Path == "/registry/heartbeat");
        }

        await process.TerminateAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(0, process.ExitCode);
        var log = process.Output;

        for (var step = 1; step <= 5; step++)
        {
            Assert.Contains($"Shutdown step {step}/5", log, StringComparison.Ordinal);
        }

        Assert.Contains("1 canceled (reason: shutdown)", log, StringComparison.Ordinal);
        lock (_received)
        {
            Assert.True(_received.Count(r => r.Path == "/registry/heartbeat") > beatsBefore, "no final heartbeat");
        }

        var snapshot = File.ReadAllText(Path.Combine(_configs, ".agent_snapshot.json"));
        Assert.DoesNotContain(Token, snapshot, StringComparison.Ordinal);
        using var document = JsonDocument.Parse(snapshot);
        var task = document.RootElement.GetProperty("adapter").GetProperty("tasks")[0];
        Assert.Equal("TASK_STATE_CANCELED", task.GetProperty("status").GetProperty("state").GetString());
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_configs, ".agent_snapshot.json")));
    }

    [Fact]
    public async Task Started_with_the_platform_down_it_registers_within_one_backoff_step_once_the_platform_is_up()
    {
        var port = TestPorts.Free();
        var platformPort = TestPorts.Free();
        await using var process = Start(new()
        {
            ["WORKSPACE_ID"] = "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b",
            ["PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["AGENT_URL"] = $"http://127.0.0.1:{port}",
            ["PLATFORM_URL"] = $"http://127.0.0.1:{platformPort}",
            ["CONFIGS_DIR"] = _configs,
        });
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        await WaitUntilAsync(async () => await client.StatusAsync("/.well-known/agent-card.json") == HttpStatusCode.OK);
        await Task.Delay(TimeSpan.FromSeconds(3));   // a few failed attempts: the backoff has grown to a few seconds

        var registered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{platformPort}");
        await using var platform = builder.Build();
        platform.MapPost("/registry/register", () =>
        {
            registered.TrySetResult();
            return Results.Text("""{"status":"registered"}""", "application/json");
        });
        platform.MapPost("/registry/heartbeat", () => Results.Text("""{"status":"ok"}""", "application/json"));
        await platform.StartAsync();

        // The schedule itself is pinned by the fake-time tests; here the real process must simply recover on its
        // own, without a restart, within one full backoff cap (60 s) plus slack.
        await registered.Task.WaitAsync(TimeSpan.FromSeconds(75));
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = TestDeadline.In(TestTimeouts.Start);
        while (!await condition())
        {
            if (deadline.Passed)
            {
                throw new TimeoutException("condition not met in time");
            }

            await Task.Delay(100);
        }
    }
}
