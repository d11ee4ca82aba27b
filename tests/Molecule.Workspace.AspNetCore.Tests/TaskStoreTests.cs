using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Molecule.Platform.Client;
using Molecule.Workspace.AspNetCore.Tests.Infrastructure;
using Molecule.Workspace.ControlPlane;
using Molecule.Workspace.Tasks;

namespace Molecule.Workspace.AspNetCore.Tests;

/// <summary>The task store, the snapshot and the settings, without a server.</summary>
public sealed class TaskStoreTests
{
    private static readonly DateTimeOffset Epoch = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    [Fact]
    public void WORKSPACE_AUTH_TOKEN_seeds_the_token_file_only_while_none_exists()
    {
        const string Seed = "SeedSeedSeedSeedSeedSeedSeedSeedSeedSeed123";
        var dir = Directory.CreateTempSubdirectory("molecule-seed-").FullName;
        try
        {
            var settings = WorkspaceSettings.Load(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["WORKSPACE_ID"] = "0b5e9a4c-1f2d-4e3a-8b7c-6d5e4f3a2b1c",
                ["CONFIGS_DIR"] = dir,
                ["WORKSPACE_AUTH_TOKEN"] = Seed,
            }).Build());

            Assert.Equal(Seed, ControlPlaneServices.OpenTokenStore(settings).Current);
            Assert.Equal(Seed, File.ReadAllText(Path.Combine(dir, TokenStore.FileName)));

            File.WriteAllText(Path.Combine(dir, TokenStore.FileName), "rotated-by-the-platform");
            Assert.Equal("rotated-by-the-platform", ControlPlaneServices.OpenTokenStore(settings).Current);
            Assert.Equal("rotated-by-the-platform", File.ReadAllText(Path.Combine(dir, TokenStore.FileName)));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static WebApplication AgentApp(string key, string value, bool chat = false)
    {
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["WORKSPACE_ID"] = "0b5e9a4c-1f2d-4e3a-8b7c-6d5e4f3a2b1c",
            ["CONFIGS_DIR"] = Path.GetTempPath(),
            [key] = value,
        });
        var workspace = builder.AddMoleculeWorkspace().AddAgent<WorkAgent>();
        if (chat)
        {
            workspace.AddChatAgent();
        }

        return builder.Build();
    }

    [Theory]
    [InlineData("Agent:MaxRequestBodyBytes", "10", "MaxRequestBodyBytes")]
    [InlineData("Agent:KeepAliveInterval", "00:30:00", "KeepAliveInterval")]
    [InlineData("Agent:Skills:0:Name", "no id", "Skills[0].Id")]
    [InlineData("Agent:Chat:HistoryMessages", "1", "HistoryMessages")]
    [InlineData("PORT", "99999", "PORT")]
    [InlineData("HEARTBEAT_INTERVAL_SECONDS", "0", "HEARTBEAT_INTERVAL_SECONDS")]
    public async Task Agent_settings_out_of_range_stop_the_start_with_a_message_naming_them(string key, string value, string named)
    {
        await using var app = AgentApp(key, value, chat: key.StartsWith("Agent:Chat", StringComparison.Ordinal));

        var error = Assert.Throws<MoleculeWorkspaceConfigurationException>(() => app.MapMoleculeWorkspace());

        Assert.Contains(named, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("\n", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Task_store_settings_are_validated_at_start()
    {
        await using var app = AgentApp("Agent:Tasks:CancelWait", "00:05:00");

        var error = Assert.Throws<OptionsValidationException>(() => app.Services.GetRequiredService<IOptions<TaskStoreOptions>>().Value);
        Assert.Contains("CancelWait", error.Message, StringComparison.Ordinal);
        Assert.Contains("00:01:00", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_malformed_WORKSPACE_AUTH_TOKEN_is_rejected_without_echoing_it()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["WORKSPACE_ID"] = "0b5e9a4c-1f2d-4e3a-8b7c-6d5e4f3a2b1c",
            ["CONFIGS_DIR"] = Path.GetTempPath(),
            ["WORKSPACE_AUTH_TOKEN"] = "secret-part other-part",
        }).Build();

        var error = Assert.Throws<MoleculeWorkspaceConfigurationException>(() => WorkspaceSettings.Load(configuration));
        Assert.Contains("WORKSPACE_AUTH_TOKEN", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-part", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Terminal_tasks_are_evicted_by_ttl_and_capacity_but_running_ones_stay()
    {
        var time = new FakeTimeProvider(Epoch);
        var manager = CreateManager(time, capacity: 10, ttl: TimeSpan.FromMinutes(5));
        var running = manager.Submit(Message("work 1m")).Task;
        var finished = new List<string>();
        for (var i = 0; i < 30; i++)
        {
            var (task, _) = manager.Submit(Message($"n{i}"));
            await manager.WaitForTurnAsync(task, CancellationToken.None).DefaultTimeout();
            finished.Add(task.Id);
            time.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.True(manager.Count <= 10, $"{manager.Count} tasks kept");
        Assert.Same(running, manager.Find(running.Id));
        Assert.Equal(finished[^1], manager.Find(finished[^1]).Id);                            // the newest stay,
        Assert.Throws<TaskStoreException>(() => manager.Find(finished[0]));                     // the oldest went first

        time.Advance(TimeSpan.FromMinutes(6));
        manager.Sweep();
        Assert.Equal(1, manager.Count);
        await manager.DisposeAsync();
    }

    [Fact]
    public async Task Snapshot_round_trip_restores_finished_tasks_and_fails_running_ones_with_a_reason()
    {
        var time = new FakeTimeProvider(Epoch);
        var dir = Directory.CreateTempSubdirectory("molecule-snap-").FullName;
        try
        {
            var settings = WorkspaceSettings.Load(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["WORKSPACE_ID"] = Guid.NewGuid().ToString(),
                ["CONFIGS_DIR"] = dir,
            }).Build());
            var manager = CreateManager(time);
            var (done, _) = manager.Submit(Message("secret OPENAI_API_KEY=sk-should-not-leak"));
            await manager.WaitForTurnAsync(done, CancellationToken.None).DefaultTimeout();
            var (working, _) = manager.Submit(Message("work 10m"));
            var store = new WorkspaceSnapshotStore(settings, time);

            store.Write(manager.List().Select(t => t.Snapshot()), "work 10m", 1, 42);

            var text = File.ReadAllText(store.Path);
            Assert.DoesNotContain("sk-should-not-leak", text, StringComparison.Ordinal);
            Assert.Contains("\"uptime_seconds\":42", text, StringComparison.Ordinal);
            var restored = CreateManager(time);
            Assert.Equal(2, restored.Restore(store.Read()!));
            Assert.Equal(TaskState.Completed, restored.Find(done.Id).State);
            var failed = restored.Find(working.Id).Snapshot();
            Assert.Equal(TaskState.Failed, failed.Status.State);
            Assert.Contains("restarted", failed.Status.Message!.Text, StringComparison.Ordinal);
            await manager.DisposeAsync();
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task A_finished_task_is_kept_frozen_and_reads_back_exactly_as_it_was()
    {
        var time = new FakeTimeProvider(Epoch);
        var manager = CreateManager(time);
        var sent = new AgentMessage(Guid.NewGuid().ToString(), MessageRole.User,
            [new TextPart("keep OPENAI_API_KEY=sk-in-memory-as-sent ünïcode"), new DataPart(new Dictionary<string, object?> { ["n"] = 1L, ["list"] = new List<object?> { "a", null } }),
             FilePart.FromBytes(new byte[] { 1, 2, 3 }, "application/octet-stream", "f.bin")])
        {
            Metadata = new Dictionary<string, object?> { ["k"] = "v" },
        };
        var (live, _) = manager.Submit(sent);
        await manager.WaitForTurnAsync(live, CancellationToken.None).DefaultTimeout();
        var expected = Wire(live.Snapshot());

        var stored = Assert.Single(manager.List());
        Assert.IsType<FrozenTask>(stored);
        Assert.Equal((TaskState.Completed, live.Snapshot().Status.Timestamp), stored.Summary());
        var found = manager.Find(live.Id, live.ContextId);
        Assert.NotSame(live, found);
        Assert.Equal(expected, Wire(found.Snapshot()));                 // secrets are scrubbed on disk, not in memory
        Assert.Contains("sk-in-memory-as-sent", expected, StringComparison.Ordinal);
        Assert.Equal(Wire(live.Snapshot(historyLength: 1)), Wire(found.Snapshot(historyLength: 1)));
        Assert.Equal(live.Snapshot().Status.Timestamp, found.Snapshot().Status.Timestamp);

        var cancel = await Assert.ThrowsAsync<TaskStoreException>(() => manager.CancelAsync(live.Id, null, "late", CancellationToken.None)).DefaultTimeout();
        Assert.Equal(TaskErrorKind.NotCancelable, cancel.Kind);
        var resume = Assert.Throws<TaskStoreException>(() => manager.Submit(new AgentMessage("m2", MessageRole.User, [new TextPart("again")], TaskId: live.Id)));
        Assert.Equal(TaskErrorKind.Terminal, resume.Kind);
        using (var subscription = manager.Subscribe(found, afterSequence: null))
        {
            Assert.Equal(expected, Wire(Assert.IsType<TaskSnapshotEvent>(Assert.Single(subscription.Initial)).Task));
        }

        Assert.Throws<TaskStoreException>(() => manager.Find(live.Id, "another-context"));
        Assert.Equal(1, manager.Count);
        await manager.DisposeAsync();
    }

    [Fact]
    public async Task A_streamed_task_stays_live_after_it_ends_so_its_events_can_be_replayed()
    {
        var manager = CreateManager(new FakeTimeProvider(Epoch));
        var (streamed, _) = manager.Submit(Message("hello"), streaming: true);
        await manager.WaitForTurnAsync(streamed, CancellationToken.None).DefaultTimeout();

        Assert.Same(streamed, Assert.Single(manager.List()));
        using var replay = manager.Subscribe(manager.Find(streamed.Id), afterSequence: 0);
        Assert.True(replay.Initial.Count > 1, "the finished stream's events are replayed after Last-Event-ID 0");
        await manager.DisposeAsync();
    }

    [Fact]
    public async Task Restored_finished_tasks_are_kept_frozen_and_evicted_in_the_order_they_ended()
    {
        var time = new FakeTimeProvider(Epoch);
        var source = CreateManager(time);
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            var (task, _) = source.Submit(Message($"n{i}"));
            await source.WaitForTurnAsync(task, CancellationToken.None).DefaultTimeout();
            ids.Add(task.Id);
            time.Advance(TimeSpan.FromSeconds(1));
        }

        var restored = CreateManager(time, capacity: 4);
        Assert.Equal(5, restored.Restore(source.List().Select(t => t.Snapshot()).Reverse().ToArray()));

        Assert.All(restored.List(), t => Assert.IsType<FrozenTask>(t));
        Assert.Throws<TaskStoreException>(() => restored.Find(ids[0]));   // the capacity took the first to end
        Assert.Equal(Wire(source.Find(ids[^1]).Snapshot()), Wire(restored.Find(ids[^1]).Snapshot()));
        await source.DisposeAsync();
        await restored.DisposeAsync();
    }

    private static string Wire(TaskSnapshot snapshot)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new System.Text.Json.Utf8JsonWriter(buffer))
        {
            Molecule.Workspace.A2A.WireWriter.WriteTask(writer, snapshot, Molecule.Workspace.A2A.A2AVersion.V10);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    [Fact]
    public async Task Drain_lets_short_tasks_finish_and_cancels_the_rest_with_reason_shutdown()
    {
        var manager = CreateManager(TimeProvider.System);
        var (quick, _) = manager.Submit(Message("work 200ms"));
        var (slow, _) = manager.Submit(Message("work 1m"));

        var (_, canceled) = await manager.DrainAsync(TimeSpan.FromSeconds(5), CancellationToken.None).DefaultTimeout();

        Assert.True(TaskState.Completed == quick.State, $"quick is {quick.State}: {quick.Snapshot().Status.Message?.Text}");
        Assert.Equal(1, canceled);
        Assert.Equal(TaskState.Canceled, slow.State);
        Assert.Equal("shutdown", slow.Snapshot().Status.Message!.Text);
        var refused = Assert.Throws<TaskStoreException>(() => manager.Submit(Message("late")));
        Assert.Equal(TaskErrorKind.ShuttingDown, refused.Kind);
        await manager.DisposeAsync();
    }

    private static TaskManager CreateManager(TimeProvider time, int capacity = 1000, TimeSpan? ttl = null) =>
        new(new WorkAgent(time), Options.Create(new TaskStoreOptions { Capacity = capacity, TerminalTtl = ttl ?? TimeSpan.FromHours(1) }),
            time, new RecordingSink(), NullLogger<TaskManager>.Instance);

    private static AgentMessage Message(string text) => new(Guid.NewGuid().ToString(), MessageRole.User, [new TextPart(text)]);

    private sealed class RecordingSink : IAgentActivitySink
    {
        public void ActiveTasksChanged(int activeTasks, string currentTask)
        {
        }

        public void UnitCompleted(string? error)
        {
        }
    }
}
