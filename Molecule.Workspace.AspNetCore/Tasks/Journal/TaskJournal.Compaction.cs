using System.Buffers;

namespace Molecule.Workspace.Tasks.Journal;

/// <summary>The journal's compaction: the live records copied to a new file while appends go on, then swapped in.</summary>
internal sealed partial class TaskJournal
{
    private const int CopyBlock = 1024 * 1024;

    /// <summary>Starts a compaction once the file is over <see cref="CompactAbove"/> and twice the live data. Under the lock.</summary>
    private void CompactIfDueLocked()
    {
        if (_compaction is null && _end > CompactAbove && _end > 2 * _liveBytes)
        {
            _appendedDuringCompaction = [];
            var live = _live.ToArray();   // only a copy under the lock: the sort and the copying run on their own thread
            var upTo = _end;
            _compaction = Task.Run(() => Compact(live, upTo));
        }
    }

    /// <summary>
    /// Copies the records that were live at <paramref name="upTo"/> into a new file and fsyncs it, then what was
    /// appended since (appends go on meanwhile), and, under the lock, only the last few appends before it renames the
    /// new file over the journal (atomic) and swaps in the new index; the timer's next fsync covers the tail.
    /// Adjacent live records are read and written as one block, so a store that ends its tasks in order (the usual
    /// case) is copied in a few large reads and writes, not two system calls per record.
    /// </summary>
    private void Compact(KeyValuePair<string, (long Offset, int Length)>[] live, long upTo)
    {
        var temp = Path + ".compact";
        var compacted = false;
        var buffer = ArrayPool<byte>.Shared.Rent(CopyBlock);
        try
        {
            Array.Sort(live, static (a, b) => a.Value.Offset.CompareTo(b.Value.Offset));
            var moved = new Dictionary<string, (long Offset, int Length)>(live.Length + live.Length / 4, StringComparer.Ordinal);
            long movedBytes = 0;
            using var target = new FileStream(temp, FileOptionsFor(FileMode.Create));
            var source = _handle!;
            var next = 0;
            while (next < live.Length)
            {
                // One run: records that follow each other in the file, up to the buffer's size (one record may need more).
                var first = next;
                var start = live[first].Value.Offset;
                var end = start;
                while (next < live.Length && live[next].Value.Offset == end && end + live[next].Value.Length - start <= buffer.Length)
                {
                    end += live[next].Value.Length;
                    next++;
                }

                if (next == first)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = ArrayPool<byte>.Shared.Rent(live[first].Value.Length);
                    continue;
                }

                var run = buffer.AsSpan(0, (int)(end - start));
                var at = target.Position;
                ReadExactly(source, run, start);
                target.Write(run);
                for (var i = first; i < next; i++)
                {
                    moved[live[i].Key] = (at + live[i].Value.Offset - start, live[i].Value.Length);
                    movedBytes += live[i].Value.Length;
                }
            }

            // The bulk reaches the disk before the lock is taken, and most of the tail is copied and indexed without it.
            target.Flush(flushToDisk: true);
            var tailStart = target.Position;
            long appendedTo;
            (string Id, bool Delete, long Offset, int Length)[] early;
            lock (_gate)
            {
                appendedTo = _end;
                early = [.. _appendedDuringCompaction!];
            }

            var copiedTo = CopyRange(source, target, upTo, appendedTo, ref buffer);
            Index(moved, ref movedBytes, early, tailStart - upTo);
            FileStream old;
            lock (_gate)
            {
                CopyRange(_handle!, target, copiedTo, _end, ref buffer);
                target.Flush(flushToDisk: false);   // the tail is in the kernel; the timer fsyncs it with what follows
                Index(moved, ref movedBytes, System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_appendedDuringCompaction)[early.Length..], tailStart - upTo);
                target.Dispose();
                File.Move(temp, Path, overwrite: true);   // atomic; the old file stays open until the swap
                old = _file!;
                _file = new FileStream(Path, FileOptionsFor(FileMode.Open));
                _handle = _file.SafeFileHandle;
                _end = _file.Length;
                _unflushed = true;   // the copied tail
                _live = moved;
                _liveBytes = movedBytes;
                LogCompacted(_logger, Path, _live.Count, _end);
                compacted = true;
            }

            old.Dispose();   // the last close frees the old file's blocks (a discard on some disks): not under the lock
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogWriteFailed(_logger, Path, ex);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            lock (_gate)
            {
                _compaction = null;
                _appendedDuringCompaction = null;
                if (compacted)
                {
                    CompactIfDueLocked();   // appends go on while the bulk is copied: the tail may be due again
                }
            }
        }
    }

    /// <summary>Indexes records appended to the old file at their place in the new one (<paramref name="shift"/> bytes further on).</summary>
    private static void Index(Dictionary<string, (long Offset, int Length)> moved, ref long movedBytes, ReadOnlySpan<(string Id, bool Delete, long Offset, int Length)> appended, long shift)
    {
        foreach (var (id, delete, offset, length) in appended)
        {
            Track(moved, ref movedBytes, id, delete, offset + shift, length);
        }
    }

    /// <summary>Appends the bytes of <paramref name="source"/> from <paramref name="from"/> to <paramref name="to"/> to <paramref name="target"/>, a block at a time; returns <paramref name="to"/>.</summary>
    private static long CopyRange(Microsoft.Win32.SafeHandles.SafeFileHandle source, FileStream target, long from, long to, ref byte[] buffer)
    {
        while (from < to)
        {
            var block = buffer.AsSpan(0, (int)Math.Min(buffer.Length, to - from));
            ReadExactly(source, block, from);
            target.Write(block);
            from += block.Length;
        }

        return to;
    }

    private static void ReadExactly(Microsoft.Win32.SafeHandles.SafeFileHandle source, Span<byte> destination, long offset)
    {
        while (destination.Length > 0)
        {
            var read = RandomAccess.Read(source, destination, offset);
            if (read == 0)
            {
                throw new IOException($"The journal ended {destination.Length} bytes early at offset {offset}.");
            }

            destination = destination[read..];
            offset += read;
        }
    }
}
