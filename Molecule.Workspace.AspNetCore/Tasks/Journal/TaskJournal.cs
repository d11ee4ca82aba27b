using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;
using Molecule.Workspace.Infrastructure;

namespace Molecule.Workspace.Tasks.Journal;

/// <summary>
/// The default <see cref="ITaskPersistence"/>: an append-only journal (<c>CONFIGS_DIR/.tasks.journal</c>, 0600) of
/// framed records (<c>[length][CRC-32][JSON]</c>). A save is encoded on the caller's thread and appended with one
/// <c>write</c> before it returns, so when an answer leaves the workspace the state it reports is in the kernel and
/// survives the process being killed (SIGKILL, OOM); a timer fsyncs once a second for crashes of the machine itself.
/// At start a torn or corrupt tail is cut off. When the file holds more than twice the live data it is compacted on a
/// background thread while appends go on, then swapped in atomically.
/// </summary>
internal sealed partial class TaskJournal : ITaskPersistence, IAsyncDisposable
{
    public const string FileName = ".tasks.journal";
    private const int HeaderSize = JournalCodec.HeaderSize;

    private static readonly TimeSpan FsyncInterval = TimeSpan.FromSeconds(1);

    private readonly Lock _gate = new();
    private Dictionary<string, (long Offset, int Length)> _live = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private FileStream? _file;
    private SafeFileHandle? _handle;   // _file's, read once and used for every read, write and fsync: each read of FileStream.SafeFileHandle re-seeks the file
    private ITimer? _fsync;
    private long _end;
    private long _liveBytes;
    private bool _unflushed;
    private bool _disposed;
    private Task? _compaction;
    private List<(string Id, bool Delete, long Offset, int Length)>? _appendedDuringCompaction;

    public TaskJournal(string directory, TimeProvider time, ILogger<TaskJournal> logger)
    {
        Path = System.IO.Path.Combine(directory, FileName);
        _time = time;
        _logger = logger;
    }

    public string Path { get; }

    /// <summary>Compaction starts once the file is larger than this and than twice the live data.</summary>
    public long CompactAbove { get; init; } = 16 * 1024 * 1024;

    public ValueTask SaveAsync(PersistedTask task)
    {
        using var record = new PooledBufferWriter();
        JournalCodec.EncodePut(task, record);   // encoded outside the lock
        Append(task.Id, record.WrittenSpan, delete: false);
        return ValueTask.CompletedTask;
    }

    public ValueTask DeleteAsync(string taskId)
    {
        using var record = new PooledBufferWriter(128);
        JournalCodec.EncodeDelete(taskId, record);
        Append(taskId, record.WrittenSpan, delete: true);
        return ValueTask.CompletedTask;
    }

    /// <summary>The delete records of a batch (an eviction) written with one call instead of one each.</summary>
    public ValueTask DeleteManyAsync(IReadOnlyList<string> taskIds)
    {
        if (taskIds.Count == 0)
        {
            return ValueTask.CompletedTask;
        }

        using var records = new PooledBufferWriter(taskIds.Count * 80 + 1);
        var lengths = new int[taskIds.Count];
        for (var i = 0; i < taskIds.Count; i++)
        {
            var before = records.WrittenCount;
            JournalCodec.EncodeDelete(taskIds[i], records);
            lengths[i] = records.WrittenCount - before;
        }

        lock (_gate)
        {
            if (!WriteLocked(records.WrittenSpan))
            {
                return ValueTask.CompletedTask;
            }

            for (var i = 0; i < taskIds.Count; i++)
            {
                Appended(taskIds[i], delete: true, lengths[i]);
            }

            CompactIfDueLocked();
        }

        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        Task? compaction;
        lock (_gate)
        {
            _disposed = true;
            compaction = _compaction;
        }

        while (compaction is not null)   // a compaction may start one more for what was appended while it ran
        {
            await compaction.ConfigureAwait(false);
            lock (_gate)
            {
                compaction = _compaction;
            }
        }

        lock (_gate)
        {
            _fsync?.Dispose();
            Flush();
            _file?.Dispose();
            _file = null;
            _handle = null;
        }
    }

    /// <summary>One framed record written at the end of the file with one call; the caller's answer waits for nothing more.</summary>
    private void Append(string id, ReadOnlySpan<byte> record, bool delete)
    {
        lock (_gate)
        {
            if (WriteLocked(record))
            {
                Appended(id, delete, record.Length);
                CompactIfDueLocked();
            }
        }
    }

    /// <summary>Writes whole records at the end of the file; false (logged) when the journal is closed or the write failed.</summary>
    private bool WriteLocked(ReadOnlySpan<byte> records)
    {
        if (_disposed)
        {
            return false;
        }

        var file = Open();
        try
        {
            RandomAccess.Write(file, records, _end);
            return true;
        }
        catch (IOException ex)
        {
            LogWriteFailed(_logger, Path, ex);
            return false;
        }
    }

    /// <summary>Indexes the record just written at the end of the file and moves the end past it.</summary>
    private void Appended(string id, bool delete, int length)
    {
        Track(_live, ref _liveBytes, id, delete, _end, length);
        _appendedDuringCompaction?.Add((id, delete, _end, length));
        _end += length;
        _unflushed = true;
    }

    private SafeFileHandle Open()
    {
        if (_handle is not null)
        {
            return _handle;
        }

        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        _file = new FileStream(Path, FileOptionsFor(FileMode.OpenOrCreate));
        _handle = _file.SafeFileHandle;
        _end = _file.Length;
        _fsync ??= _time.CreateTimer(_ => FlushOutsideLock(), null, FsyncInterval, FsyncInterval);
        return _handle;
    }

    /// <summary>
    /// The timer's fsync, for machine crashes: run without the journal's lock, so appends (and the answers waiting on
    /// them) never queue behind the disk; a killed process loses nothing the kernel has either way.
    /// </summary>
    private void FlushOutsideLock()
    {
        SafeFileHandle file;
        lock (_gate)
        {
            if (!_unflushed || _handle is null || _disposed)
            {
                return;
            }

            file = _handle;
            _unflushed = false;
        }

        try
        {
            if (!FlushToDisk(file))
            {
                lock (_gate)
                {
                    _unflushed = true;   // the next tick tries again
                }
            }
        }
        catch (ObjectDisposedException)
        {
            // A compaction swapped the file in the meantime: it fsynced its bulk, and marked its tail for the next tick.
        }
    }

    /// <summary>fsync under the lock, when the journal closes.</summary>
    private void Flush()
    {
        if (_unflushed && _handle is not null && FlushToDisk(_handle))
        {
            _unflushed = false;
        }
    }

    /// <summary>One fsync of <paramref name="file"/>; a failure is logged (the data stays in the kernel) and reported.</summary>
    private bool FlushToDisk(SafeFileHandle file)
    {
        try
        {
            RandomAccess.FlushToDisk(file);
            return true;
        }
        catch (IOException ex)
        {
            LogWriteFailed(_logger, Path, ex);
            return false;
        }
    }

    /// <summary>Records in <paramref name="live"/> where a task's latest record is (or that a delete ended it), keeping <paramref name="liveBytes"/> their sum.</summary>
    private static void Track(Dictionary<string, (long Offset, int Length)> live, ref long liveBytes, string id, bool delete, long offset, int length)
    {
        if (live.Remove(id, out var previous))
        {
            liveBytes -= previous.Length;
        }

        if (!delete)
        {
            live[id] = (offset, length);
            liveBytes += length;
        }
    }

    private static FileStreamOptions FileOptionsFor(FileMode mode)
    {
        var options = new FileStreamOptions { Mode = mode, Access = FileAccess.ReadWrite, Share = FileShare.Read, BufferSize = 0 };
        if (!OperatingSystem.IsWindows() && mode != FileMode.Open)
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        return options;
    }

    [LoggerMessage(EventId = 501, Level = LogLevel.Error, Message = "Task journal {Path}: a write failed; tasks are kept in memory only until it succeeds again")]
    private static partial void LogWriteFailed(ILogger logger, string path, Exception exception);

    [LoggerMessage(EventId = 502, Level = LogLevel.Debug, Message = "Task journal {Path} compacted to {Tasks} task(s), {Bytes} bytes")]
    private static partial void LogCompacted(ILogger logger, string path, int tasks, long bytes);
}
