using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace Molecule.Workspace.Tasks.Journal;

/// <summary>
/// The default <see cref="ITaskPersistence"/>: an append-only journal (<c>CONFIGS_DIR/.tasks.journal</c>, 0600) of
/// framed records (<c>[length][CRC-32][JSON]</c>). One writer drains a channel, so concurrent saves are group-committed:
/// a batch is one <c>write</c>, and every save in it completes when the batch is in the kernel. That is what an answer
/// waits for: it survives the process being killed (SIGKILL, OOM); a crash of the machine itself may lose the last
/// second, which is fsynced once a second. At start a torn or corrupt tail is cut off; the file is compacted when it
/// holds more than twice the live data.
/// </summary>
internal sealed partial class TaskJournal : ITaskPersistence, IAsyncDisposable
{
    public const string FileName = ".tasks.journal";
    private const int HeaderSize = 8;
    private const long CompactAbove = 4 * 1024 * 1024;
    private static readonly TimeSpan FsyncInterval = TimeSpan.FromSeconds(1);

    private readonly Channel<Pending> _pending = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Dictionary<string, (long Offset, int Length)> _live = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private FileStream? _file;
    private Task? _writer;
    private long _liveBytes;
    private long _lastFsync;

    public TaskJournal(string directory, TimeProvider time, ILogger<TaskJournal> logger)
    {
        Path = System.IO.Path.Combine(directory, FileName);
        _time = time;
        _logger = logger;
    }

    public string Path { get; }

    public async IAsyncEnumerable<PersistedTask> LoadAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var tasks = new Dictionary<string, PersistedTask>(StringComparer.Ordinal);
        Open();
        var good = ReadAll((offset, length, payload) =>
        {
            var (id, task) = JournalCodec.Decode(payload);
            if (task is null)
            {
                tasks.Remove(id);
                _live.Remove(id);
            }
            else
            {
                tasks[id] = task;
                _live[id] = (offset, length);
            }
        });
        if (good < _file!.Length)
        {
            LogTornTail(_logger, Path, _file.Length - good);
            _file.SetLength(good);
        }

        _file.Position = good;
        _liveBytes = _live.Values.Sum(v => (long)v.Length);
        foreach (var task in tasks.Values)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return task;
        }

        await Task.CompletedTask.ConfigureAwait(false);
    }

    public ValueTask SaveAsync(PersistedTask task) => Enqueue(task.Id, JournalCodec.EncodePut(task), delete: false);

    public ValueTask DeleteAsync(string taskId) => Enqueue(taskId, JournalCodec.EncodeDelete(taskId), delete: true);

    public async ValueTask DisposeAsync()
    {
        _pending.Writer.TryComplete();
        if (_writer is not null)
        {
            await _writer.ConfigureAwait(false);
        }

        if (_file is not null)
        {
            _file.Flush(flushToDisk: true);
            await _file.DisposeAsync().ConfigureAwait(false);
        }
    }

    private ValueTask Enqueue(string id, byte[] payload, bool delete)
    {
        Open();
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_pending.Writer.TryWrite(new Pending(id, payload, delete, done)))
        {
            return ValueTask.CompletedTask;   // stopping: the journal is closed
        }

        return new ValueTask(done.Task);
    }

    private void Open()
    {
        if (_file is not null)
        {
            return;
        }

        lock (_pending)
        {
            if (_file is not null)
            {
                return;
            }

            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
            var options = new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.Read, BufferSize = 0 };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            var file = new FileStream(Path, options);
            file.Position = file.Length;
            _lastFsync = _time.GetTimestamp();
            _file = file;
            _writer = Task.Run(WriteLoopAsync);
        }
    }

    /// <summary>Drains whatever is pending into one write, then completes every save of the batch.</summary>
    private async Task WriteLoopAsync()
    {
        var reader = _pending.Reader;
        var batch = new List<Pending>();
        var buffer = new ArrayBufferWriter<byte>(64 * 1024);
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            buffer.ResetWrittenCount();
            var start = _file!.Position;
            while (buffer.WrittenCount < 4 * 1024 * 1024 && reader.TryRead(out var next))
            {
                var offset = start + buffer.WrittenCount;
                var header = buffer.GetSpan(HeaderSize);
                BinaryPrimitives.WriteInt32LittleEndian(header, next.Payload.Length);
                BinaryPrimitives.WriteUInt32LittleEndian(header[4..], Crc32.Compute(next.Payload));
                buffer.Advance(HeaderSize);
                buffer.Write(next.Payload);
                Track(next, offset);
                batch.Add(next);
            }

            try
            {
                _file.Write(buffer.WrittenSpan);
                if (_time.GetElapsedTime(_lastFsync) >= FsyncInterval)
                {
                    _file.Flush(flushToDisk: true);
                    _lastFsync = _time.GetTimestamp();
                }

                foreach (var saved in batch)
                {
                    saved.Done.TrySetResult();
                }

                if (_file.Length > CompactAbove && _file.Length > 2 * _liveBytes)
                {
                    Compact();
                }
            }
            catch (IOException ex)
            {
                LogWriteFailed(_logger, Path, ex);
                foreach (var saved in batch)
                {
                    saved.Done.TrySetException(ex);
                }
            }
        }
    }

    private void Track(Pending record, long offset)
    {
        if (_live.Remove(record.Id, out var previous))
        {
            _liveBytes -= previous.Length;
        }

        if (!record.Delete)
        {
            _live[record.Id] = (offset, HeaderSize + record.Payload.Length);
            _liveBytes += HeaderSize + record.Payload.Length;
        }
    }

    /// <summary>Rewrites the live records into a new file beside the journal, fsyncs it and renames it over (atomic).</summary>
    private void Compact()
    {
        var temp = Path + ".compact";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.ReadWrite, BufferSize = 0 };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        var moved = new Dictionary<string, (long Offset, int Length)>(_live.Count, StringComparer.Ordinal);
        using (var target = new FileStream(temp, options))
        {
            var record = new byte[64 * 1024];
            foreach (var (id, (offset, length)) in _live.OrderBy(l => l.Value.Offset))
            {
                if (record.Length < length)
                {
                    record = new byte[length];
                }

                RandomAccess.Read(_file!.SafeFileHandle, record.AsSpan(0, length), offset);
                moved[id] = (target.Position, length);
                target.Write(record, 0, length);
            }

            target.Flush(flushToDisk: true);
        }

        _file!.Dispose();
        File.Move(temp, Path, overwrite: true);
        var reopen = new FileStreamOptions { Mode = FileMode.Open, Access = FileAccess.ReadWrite, Share = FileShare.Read, BufferSize = 0 };
        _file = new FileStream(Path, reopen);
        _file.Position = _file.Length;
        _live.Clear();
        foreach (var (id, place) in moved)
        {
            _live[id] = place;
        }

        LogCompacted(_logger, Path, _live.Count, _file.Length);
    }

    /// <summary>Reads every whole record from the start; returns the offset after the last one that is intact.</summary>
    private long ReadAll(RecordReader read)
    {
        var file = _file!;
        var length = file.Length;
        var header = new byte[HeaderSize];
        var payload = new byte[64 * 1024];
        long offset = 0;
        while (offset + HeaderSize <= length)
        {
            RandomAccess.Read(file.SafeFileHandle, header, offset);
            var size = BinaryPrimitives.ReadInt32LittleEndian(header);
            var crc = BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(4));
            if (size <= 0 || offset + HeaderSize + size > length)
            {
                break;
            }

            if (payload.Length < size)
            {
                payload = new byte[size];
            }

            var span = payload.AsSpan(0, size);
            RandomAccess.Read(file.SafeFileHandle, span, offset + HeaderSize);
            if (Crc32.Compute(span) != crc)
            {
                break;
            }

            try
            {
                read(offset, HeaderSize + size, span);
            }
            catch (Exception ex) when (ex is System.Text.Json.JsonException or KeyNotFoundException or FormatException or ArgumentException or InvalidOperationException)
            {
                break;   // a record this version cannot read: keep what came before it
            }

            offset += HeaderSize + size;
        }

        return offset;
    }

    private delegate void RecordReader(long offset, int length, ReadOnlySpan<byte> payload);

    private sealed record Pending(string Id, byte[] Payload, bool Delete, TaskCompletionSource Done);

    [LoggerMessage(EventId = 500, Level = LogLevel.Warning, Message = "Task journal {Path}: cut a torn or unreadable tail of {Bytes} bytes (a write the process did not finish)")]
    private static partial void LogTornTail(ILogger logger, string path, long bytes);

    [LoggerMessage(EventId = 501, Level = LogLevel.Error, Message = "Task journal {Path}: a write failed; tasks are kept in memory only until it succeeds again")]
    private static partial void LogWriteFailed(ILogger logger, string path, Exception exception);

    [LoggerMessage(EventId = 502, Level = LogLevel.Debug, Message = "Task journal {Path} compacted to {Tasks} task(s), {Bytes} bytes")]
    private static partial void LogCompacted(ILogger logger, string path, int tasks, long bytes);
}
