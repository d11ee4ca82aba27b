using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;
using Molecule.Workspace.Infrastructure;

namespace Molecule.Workspace.Tasks.Journal;

/// <summary>The journal read back at start: every whole record in order, the last state of each task winning, a torn tail cut off.</summary>
internal sealed partial class TaskJournal
{
    public async IAsyncEnumerable<PersistedTask> LoadAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var tasks = new Dictionary<string, PersistedTask>(StringComparer.Ordinal);
        lock (_gate)
        {
            var file = Open();
            _live.Clear();
            var good = ReadAll(file, (offset, length, payload) =>
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
            var length = RandomAccess.GetLength(file);
            if (good < length)
            {
                LogTornTail(_logger, Path, length - good);
                RandomAccess.SetLength(file, good);
            }

            _end = good;
            _liveBytes = _live.Values.Sum(v => (long)v.Length);
        }

        foreach (var task in tasks.Values)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return task;
        }

        await Task.CompletedTask.ConfigureAwait(false);
    }

    /// <summary>Reads every whole record from the start; returns the offset after the last one that is intact.</summary>
    private static long ReadAll(SafeFileHandle file, RecordReader read)
    {
        var length = RandomAccess.GetLength(file);
        var header = new byte[HeaderSize];
        var payload = new byte[64 * 1024];
        long offset = 0;
        while (offset + HeaderSize <= length)
        {
            RandomAccess.Read(file, header, offset);
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
            RandomAccess.Read(file, span, offset + HeaderSize);
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

    [LoggerMessage(EventId = 500, Level = LogLevel.Warning, Message = "Task journal {Path}: cut a torn or unreadable tail of {Bytes} bytes (a write the process did not finish)")]
    private static partial void LogTornTail(ILogger logger, string path, long bytes);
}
