using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Molecule.Workspace.AspNetCore.Tests.Infrastructure;
using Molecule.Workspace.Tasks;
using Molecule.Workspace.Tasks.Journal;

namespace Molecule.Workspace.AspNetCore.Tests;

/// <summary>The default task store: a journal that keeps every part, survives a torn write, compacts, and keeps secrets out.</summary>
public sealed class TaskJournalTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("molecule-journal-").FullName;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero));

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private TaskJournal Open() => new(_dir, _time, NullLogger<TaskJournal>.Instance);

    private static PersistedTask Task(string id, TaskState state, string text = "done") => new(
        id, "ctx-" + id, state,
        new AgentMessage("s-" + id, MessageRole.Agent, [new TextPart(text)], "ctx-" + id, id),
        new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero),
        [new PersistedArtifact("a-" + id, "response", [new TextPart(text), FilePart.FromBytes(new byte[] { 1, 2, 3 }, "application/octet-stream", "b.bin"),
            FilePart.FromUri(new Uri("https://files.invalid/x"), "text/plain"), new DataPart(new Dictionary<string, object?> { ["n"] = 2L, ["list"] = new object?[] { "a", null } })])],
        [new AgentMessage("m-" + id, MessageRole.User, [new TextPart("hi")], "ctx-" + id, id, ["ref-1"], new Dictionary<string, object?> { ["k"] = "v" })]);

    private static async Task<List<PersistedTask>> LoadAsync(TaskJournal journal)
    {
        var tasks = new List<PersistedTask>();
        await foreach (var task in journal.LoadAsync(CancellationToken.None))
        {
            tasks.Add(task);
        }

        return tasks;
    }

    [Fact]
    public async Task Saved_tasks_come_back_whole_the_last_state_wins_and_deleted_ones_stay_gone()
    {
        var journal = Open();
        await journal.SaveAsync(Task("t1", TaskState.Working));
        await journal.SaveAsync(Task("t1", TaskState.Completed, "final answer"));
        await journal.SaveAsync(Task("t2", TaskState.Completed));
        await journal.DeleteAsync("t2");
        // No dispose: the process dies here.

        var loaded = await LoadAsync(Open());

        var task = Assert.Single(loaded);
        Assert.Equal(TaskState.Completed, task.State);
        Assert.Equal("final answer", task.StatusMessage!.Text);
        var parts = Assert.Single(task.Artifacts).Parts;
        Assert.Equal("final answer", ((TextPart)parts[0]).Text);
        Assert.Equal(new byte[] { 1, 2, 3 }, ((FilePart)parts[1]).Bytes!.Value.ToArray());
        Assert.Equal(new Uri("https://files.invalid/x"), ((FilePart)parts[2]).Uri);
        Assert.Equal(2L, ((DataPart)parts[3]).Data["n"]);
        var message = Assert.Single(task.History);
        Assert.Equal(["ref-1"], message.ReferenceTaskIds!);
        Assert.Equal("v", message.Metadata!["k"]);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_dir, TaskJournal.FileName)));
        }
    }

    [Theory]
    [InlineData(3)]      // the header cut short
    [InlineData(20)]     // the payload cut short
    [InlineData(-1)]     // the whole record, but one byte of it flipped
    public async Task A_record_torn_by_a_crash_is_cut_off_and_everything_before_it_is_kept(int keep)
    {
        var journal = Open();
        await journal.SaveAsync(Task("kept", TaskState.Completed));
        await journal.SaveAsync(Task("torn", TaskState.Completed));
        var path = Path.Combine(_dir, TaskJournal.FileName);
        await journal.DisposeAsync();
        var bytes = await File.ReadAllBytesAsync(path);
        var second = FirstRecordLength(bytes);
        var damaged = keep >= 0 ? bytes[..(second + keep)] : bytes.ToArray();
        if (keep < 0)
        {
            damaged[second + 20] ^= 0xFF;
        }

        await File.WriteAllBytesAsync(path, damaged);

        var reopened = Open();
        var loaded = await LoadAsync(reopened);
        await reopened.SaveAsync(Task("after", TaskState.Completed));
        await reopened.DisposeAsync();

        Assert.Equal("kept", Assert.Single(loaded).Id);
        Assert.Equal(["after", "kept"], (await LoadAsync(Open())).Select(t => t.Id).Order());   // appends continue after the cut
    }

    [Fact]
    public async Task Secrets_never_reach_the_file()
    {
        var journal = Open();
        await journal.SaveAsync(Task("s", TaskState.Completed, "use OPENAI_API_KEY=sk-live-abcdefghijklmnop please"));
        await journal.DisposeAsync();

        var text = Encoding.UTF8.GetString(await File.ReadAllBytesAsync(Path.Combine(_dir, TaskJournal.FileName)));

        Assert.DoesNotContain("sk-live-abcdefghijklmnop", text, StringComparison.Ordinal);
        Assert.Contains("[REDACTED", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_journal_mostly_of_old_states_is_compacted_to_the_live_tasks()
    {
        var journal = new TaskJournal(_dir, _time, NullLogger<TaskJournal>.Instance) { CompactAbove = 1024 * 1024 };
        var big = string.Join(' ', Enumerable.Repeat("words of an answer", 500));
        for (var i = 0; i < 300; i++)
        {
            await journal.SaveAsync(Task("t" + (i % 5), TaskState.Completed, big + i));
        }

        await journal.DisposeAsync();   // waits for a compaction in progress
        var size = new FileInfo(Path.Combine(_dir, TaskJournal.FileName)).Length;

        var loaded = await LoadAsync(Open());
        Assert.Equal(5, loaded.Count);
        Assert.True(size < 2 * 1024 * 1024 + (5 * 40_000), $"journal is {size} bytes for 5 live tasks ({300 * 19_000} written)");
        Assert.EndsWith("299", loaded.Single(t => t.Id == "t4").StatusMessage!.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_batch_of_deletes_is_one_write_of_whole_records_that_a_reload_reads_back()
    {
        var journal = Open();
        for (var i = 0; i < 50; i++)
        {
            await journal.SaveAsync(Task("t" + i, TaskState.Completed, "answer " + i));
        }

        var before = new FileInfo(journal.Path).Length;
        await journal.DeleteManyAsync([.. Enumerable.Range(0, 40).Select(i => "t" + i)]);
        await journal.DeleteManyAsync([]);
        await journal.SaveAsync(Task("after", TaskState.Completed, "written after the batch"));
        await journal.DisposeAsync();

        var loaded = (await LoadAsync(Open())).ToDictionary(t => t.Id);
        Assert.Equal(Enumerable.Range(40, 10).Select(i => "t" + i).Append("after").Order(StringComparer.Ordinal), loaded.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("answer 45", loaded["t45"].StatusMessage!.Text);
        Assert.Equal("written after the batch", loaded["after"].StatusMessage!.Text);
        Assert.True(new FileInfo(journal.Path).Length > before, "the deletes and the last put were appended");
    }

    [Fact]
    public async Task The_default_batch_delete_of_a_custom_persistence_deletes_each_task()
    {
        var custom = new CountingPersistence();
        await ((ITaskPersistence)custom).DeleteManyAsync(["a", "b", "c"]);
        Assert.Equal(["a", "b", "c"], custom.Deleted);
    }

    private sealed class CountingPersistence : ITaskPersistence
    {
        public List<string> Deleted { get; } = [];

        public IAsyncEnumerable<PersistedTask> LoadAsync(CancellationToken cancellationToken) => AsyncEnumerable.Empty<PersistedTask>();

        public ValueTask SaveAsync(PersistedTask task) => ValueTask.CompletedTask;

        public ValueTask DeleteAsync(string taskId)
        {
            Deleted.Add(taskId);
            return ValueTask.CompletedTask;
        }
    }

    [Fact]
    public async Task Compaction_copies_runs_of_records_and_records_larger_than_its_block_whole()
    {
        var journal = new TaskJournal(_dir, _time, NullLogger<TaskJournal>.Instance) { CompactAbove = 2 * 1024 * 1024 };
        var huge = string.Join(' ', Enumerable.Repeat("words of an answer", 85_000));   // one record over the 1 MB copy block
        await journal.SaveAsync(Task("huge", TaskState.Completed, huge));
        for (var i = 0; i < 400; i++)
        {
            await journal.SaveAsync(Task("keep" + i, TaskState.Completed, "kept " + i));   // adjacent: copied as one run
        }

        for (var i = 0; i < 60; i++)
        {
            await journal.SaveAsync(Task("churn", TaskState.Completed, huge[..(64 * 1024)] + i));   // dead weight to compact away
            if (i % 3 == 0)
            {
                await journal.DeleteAsync("keep" + i);   // holes between the runs
            }
        }

        await journal.DisposeAsync();
        var loaded = (await LoadAsync(Open())).ToDictionary(t => t.Id);

        Assert.Equal(huge, loaded["huge"].StatusMessage!.Text);
        Assert.EndsWith("59", loaded["churn"].StatusMessage!.Text, StringComparison.Ordinal);
        for (var i = 0; i < 400; i++)
        {
            Assert.Equal(!(i < 60 && i % 3 == 0), loaded.TryGetValue("keep" + i, out var kept));
            Assert.True(kept is null || kept.StatusMessage!.Text == "kept " + i, $"keep{i} came back as {kept?.StatusMessage!.Text}");
        }

        var size = new FileInfo(Path.Combine(_dir, TaskJournal.FileName)).Length;
        Assert.True(size < 4 * 1024 * 1024, $"journal is {size} bytes after compaction ({60 * 64 * 1024} of old states written)");
    }

    [Fact]
    public async Task A_store_restored_after_a_crash_has_its_finished_tasks_and_fails_the_running_ones_with_the_reason()
    {
        var journal = Open();
        var manager = new TaskManager(new WorkAgent(_time), Options.Create(new TaskStoreOptions()), _time, NullSink.Instance, NullLogger<TaskManager>.Instance, journal);
        var (done, _) = manager.Submit(new AgentMessage("m1", MessageRole.User, [new TextPart("finished")]));
        await manager.WaitForTurnAsync(done, CancellationToken.None).DefaultTimeout();
        await manager.WhenStoredAsync(done).DefaultTimeout();
        var (running, _) = manager.Submit(new AgentMessage("m2", MessageRole.User, [new TextPart("work 10m")]));
        await manager.WhenStoredAsync(running).DefaultTimeout();
        // The process is killed: neither the manager nor the journal is disposed.

        var restarted = new TaskManager(new WorkAgent(_time), Options.Create(new TaskStoreOptions()), _time, NullSink.Instance, NullLogger<TaskManager>.Instance, Open());
        Assert.Equal(2, await restarted.RestoreStoredAsync(CancellationToken.None).DefaultTimeout());

        var finished = restarted.Find(done.Id).Snapshot();
        Assert.Equal(TaskState.Completed, finished.Status.State);
        Assert.Equal("Echo: finished", finished.Status.Message!.Text);
        Assert.Equal(2, finished.History.Count);
        var failed = restarted.Find(running.Id).Snapshot();
        Assert.Equal(TaskState.Failed, failed.Status.State);
        Assert.Contains("restarted", failed.Status.Message!.Text, StringComparison.Ordinal);
        await manager.DisposeAsync();
        await restarted.DisposeAsync();
    }

    private static int FirstRecordLength(byte[] journal) => 8 + BitConverter.ToInt32(journal, 0);

    private sealed class NullSink : IAgentActivitySink
    {
        public static readonly NullSink Instance = new();

        public void ActiveTasksChanged(int activeTasks, string currentTask)
        {
        }

        public void UnitCompleted(string? error)
        {
        }
    }
}
