using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Molecule.PlatformEmulator.Approvals;
using Molecule.PlatformEmulator.Canvas;
using Molecule.PlatformEmulator.Events;
using Molecule.PlatformEmulator.Instructions;
using Molecule.PlatformEmulator.Lifecycle;
using Molecule.PlatformEmulator.Memories;
using Molecule.PlatformEmulator.Secrets;
using Molecule.PlatformEmulator.State;
using Molecule.PlatformEmulator.Workspaces;

namespace Molecule.PlatformEmulator.Persistence;

/// <summary>
/// State that survives a restart (<c>Emulator:DataDir</c>), as Azurite and LocalStack keep theirs: loaded once before
/// anything serves, saved off the request path every <see cref="EmulatorOptions.SnapshotInterval"/> when it changed and
/// once more on a graceful stop, each save written whole to a temporary file and renamed over the last (a crash leaves
/// the previous save, never half a file). A file that cannot be read is kept aside, not overwritten.
/// </summary>
public sealed partial class StateFolder(EmulatorOptions options, PlatformState state, MemoryStore memories, KeyValueMemory keyValues,
    SecretStore secrets, ApprovalStore approvals, InstructionStore instructions, ActivityLog activity, EventBus events,
    WorkspaceConfigStore configs, ViewportStore viewport, TimeProvider time, ILogger<StateFolder> logger) : BackgroundService
{
    public const string FileName = "emulator-state.json";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { TypeInfoResolver = new DefaultJsonTypeInfoResolver() };
    private readonly Lock _saving = new();
    private byte[] _lastSaved = [];

    private string? FilePath => options.DataDir is { } dir ? Path.Combine(dir, FileName) : null;

    /// <summary>Reads the saved state, if any, into the stores; called before the seeds are applied and before anything serves.</summary>
    public void Load()
    {
        if (FilePath is not { } path || !File.Exists(path))
        {
            return;
        }

        StateSnapshot? snapshot;
        try
        {
            snapshot = JsonSerializer.Deserialize<StateSnapshot>(File.ReadAllBytes(path), Json);
            if (snapshot?.Version != StateSnapshot.CurrentVersion)
            {
                throw new JsonException($"unknown state version {snapshot?.Version}");
            }
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or InvalidOperationException)
        {
            var aside = $"{path}.unreadable-{time.GetUtcNow():yyyyMMddHHmmss}";
            File.Move(path, aside);
            LogUnreadable(logger, path, aside, ex.Message);
            return;
        }

        var now = time.GetUtcNow();
        foreach (var row in snapshot.Workspaces.Where(r => r.Status is WorkspaceStatus.Online or WorkspaceStatus.Degraded))
        {
            row.LivenessDeadline = now + options.LivenessTtl;   // back online through their own heartbeats, or offline after the TTL
        }

        state.Restore(snapshot.Workspaces);
        state.Tokens.Restore(snapshot.Tokens);
        memories.Restore(snapshot.Memories);
        keyValues.Restore(snapshot.KeyValues.Select(k => (k.WorkspaceId, k.Entry)));
        secrets.Restore(snapshot.Secrets.Select(s => (s.WorkspaceId, s.Entry)));
        approvals.Restore(snapshot.Approvals);
        instructions.Restore(snapshot.Instructions);
        activity.Restore(snapshot.Activity);
        events.Restore(snapshot.Events);
        configs.Restore(snapshot.Configs);
        viewport.Current = snapshot.Viewport ?? Viewport.Default;
        _lastSaved = SHA256.HashData(Serialize(snapshot));
        LogLoaded(logger, snapshot.Workspaces.Count, path);
    }

    /// <summary>Writes the state when it changed since the last save; returns whether it wrote.</summary>
    public bool Save()
    {
        if (FilePath is not { } path)
        {
            return false;
        }

        lock (_saving)
        {
            var bytes = Serialize(Capture());
            var hash = SHA256.HashData(bytes);
            if (hash.AsSpan().SequenceEqual(_lastSaved))
            {
                return false;
            }

            Directory.CreateDirectory(options.DataDir!);
            var temporary = path + ".tmp";
            var file = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Options = FileOptions.None };
            if (!OperatingSystem.IsWindows())
            {
                file.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;   // it holds secrets' values
            }

            using (var stream = new FileStream(temporary, file))
            {
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: true);
            _lastSaved = hash;
            return true;
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (FilePath is null)
        {
            return;
        }

        using var timer = new PeriodicTimer(options.SnapshotInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                SaveLogged();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        SaveLogged();
    }

    private void SaveLogged()
    {
        try
        {
            Save();
        }
        catch (IOException ex)
        {
            LogSaveFailed(logger, FilePath!, ex.Message);
        }
        catch (UnauthorizedAccessException ex)
        {
            LogSaveFailed(logger, FilePath!, ex.Message);
        }
    }

    private StateSnapshot Capture()
    {
        var rows = state.All.ToList();
        var copies = new List<WorkspaceRow>(rows.Count);
        foreach (var row in rows)
        {
            lock (row.Gate)
            {
                copies.Add(JsonSerializer.Deserialize<WorkspaceRow>(JsonSerializer.SerializeToUtf8Bytes(row, Json), Json)!);   // a consistent copy
            }
        }

        return new StateSnapshot
        {
            Workspaces = copies,
            Tokens = [.. state.Tokens.All()],
            Memories = [.. memories.All()],
            KeyValues = [.. keyValues.All().Select(k => new OwnedKeyValue(k.WorkspaceId, k.Entry))],
            Secrets = [.. secrets.All().Select(s => new OwnedSecret(s.WorkspaceId, s.Entry))],
            Approvals = [.. approvals.All()],
            Instructions = [.. instructions.Snapshot()],
            Activity = [.. activity.All()],
            Events = [.. events.Persisted()],
            Configs = configs.All().ToDictionary(),
            Viewport = viewport.Current,
        };
    }

    private static byte[] Serialize(StateSnapshot snapshot) => JsonSerializer.SerializeToUtf8Bytes(snapshot, Json);

    [LoggerMessage(EventId = 950, Level = LogLevel.Information, Message = "Restored {Workspaces} workspace(s) and their state from {Path}")]
    private static partial void LogLoaded(ILogger logger, int workspaces, string path);

    [LoggerMessage(EventId = 951, Level = LogLevel.Warning, Message = "The saved state {Path} cannot be read ({Problem}); it was moved to {Aside} and the emulator starts empty")]
    private static partial void LogUnreadable(ILogger logger, string path, string aside, string problem);

    [LoggerMessage(EventId = 952, Level = LogLevel.Warning, Message = "Saving the state to {Path} failed: {Problem}; the next save retries")]
    private static partial void LogSaveFailed(ILogger logger, string path, string problem);
}
