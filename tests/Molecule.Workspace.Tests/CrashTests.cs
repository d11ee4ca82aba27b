using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Molecule.Workspace.Tests.Infrastructure;

namespace Molecule.Workspace.Tests;

/// <summary>
/// The platform stops, pauses and restarts workspaces by killing the container, and OOM kills do the same: the built
/// workspace, killed with SIGKILL at a random moment under load, again and again, loses no task whose answer a client
/// received, and the ones that were running come back FAILED saying why.
/// </summary>
[Trait("Category", "Integration")]
public sealed class CrashTests : IDisposable
{
    private const int Rounds = 4;
    private readonly string _configs = Directory.CreateTempSubdirectory("molecule-crash-").FullName;

    public void Dispose() => Directory.Delete(_configs, recursive: true);

    [Fact]
    public async Task Killed_in_a_loop_under_load_it_loses_no_acknowledged_task()
    {
        var random = new Random(20261201);
        var answered = new ConcurrentDictionary<string, string>();   // completed task id → the text it was sent
        var running = new ConcurrentDictionary<string, bool>();       // acknowledged while still running
        var port = TestPorts.FreeText();
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(10) };

        for (var round = 0; round <= Rounds; round++)
        {
            // Room for every task the load makes (the native build answers >10,000, the default capacity, in four rounds):
            // a task evicted at capacity is forgotten by design, not lost.
            await using var workspace = AgentOnlyWorkspace.Start("3c5e7a9b-1d2f-4b6a-8c0e-2f4a6c8e0b1d", port, _configs,
                new Dictionary<string, string?> { ["Agent__Tasks__Capacity"] = "1000000" });
            await AgentOnlyWorkspace.WaitServingAsync(workspace, client);
            await VerifyAsync(client, answered, running);
            if (round == Rounds)
            {
                break;
            }

            using var stop = new CancellationTokenSource();
            var load = Enumerable.Range(0, 4).Select(worker => LoadAsync(client, $"{round}-{worker}", answered, running, stop.Token)).ToArray();
            await Task.Delay(TimeSpan.FromMilliseconds(random.Next(300, 1200)));
            workspace.Process.Kill();   // SIGKILL: no drain, no snapshot, no final heartbeat
            await workspace.WaitForExitAsync(TestTimeouts.Short);
            await stop.CancelAsync();
            await Task.WhenAll(load).DefaultTimeout();
        }

        Assert.True(answered.Count > 50, $"only {answered.Count} answered tasks: the load did not run");
        Assert.NotEmpty(running);
    }

    /// <summary>Blocking sends (every sixth one a long task started with returnImmediately), recording each answer as it arrives.</summary>
    private static async Task LoadAsync(HttpClient client, string name, ConcurrentDictionary<string, string> answered, ConcurrentDictionary<string, bool> running, CancellationToken stop)
    {
        for (var i = 0; !stop.IsCancellationRequested; i++)
        {
            var longTask = i % 6 == 5;
            var text = longTask ? "work 30s" : $"hello {name}-{i.ToString(CultureInfo.InvariantCulture)}";
            var body = JsonSerializer.Serialize(new
            {
                jsonrpc = "2.0", id = i, method = "SendMessage",
                @params = new { message = Rpc.Message10(text), configuration = new { returnImmediately = longTask } },
            });
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, "/") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
                request.Headers.Add("A2A-Version", "1.0");
                using var response = await client.SendAsync(request, stop);
                var task = JsonDocument.Parse(await response.Content.ReadAsStringAsync(stop)).RootElement.GetProperty("result").GetProperty("task");
                var id = task.GetProperty("id").GetString()!;
                if (longTask)
                {
                    running[id] = true;
                }
                else
                {
                    answered[id] = text;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or IOException or JsonException or KeyNotFoundException)
            {
                return;   // the workspace was killed mid-request: that answer never reached this client
            }
        }
    }

    private static async Task VerifyAsync(HttpClient client, ConcurrentDictionary<string, string> answered, ConcurrentDictionary<string, bool> running)
    {
        foreach (var (id, text) in answered)
        {
            var task = await GetTaskAsync(client, id);
            Assert.Equal("TASK_STATE_COMPLETED", task.GetProperty("status").GetProperty("state").GetString());
            Assert.Equal("Echo: " + text, string.Concat(task.GetProperty("artifacts")[0].GetProperty("parts").EnumerateArray().Select(p => p.GetProperty("text").GetString())));
            Assert.Equal(text, task.GetProperty("history")[0].GetProperty("parts")[0].GetProperty("text").GetString());
        }

        foreach (var id in running.Keys)
        {
            var task = await GetTaskAsync(client, id);
            Assert.Equal("TASK_STATE_FAILED", task.GetProperty("status").GetProperty("state").GetString());
            Assert.Contains("restarted", task.GetProperty("status").GetProperty("message").GetProperty("parts")[0].GetProperty("text").GetString(), StringComparison.Ordinal);
        }
    }

    private static async Task<JsonElement> GetTaskAsync(HttpClient client, string id)
    {
        var (_, body) = await Rpc.CallAsync(client, "GetTask", new { id }, "1.0");
        Assert.True(body.TryGetProperty("result", out var task), $"task {id} is lost: {body}");
        return task;
    }
}
