namespace Molecule.Workspace.Tasks.Journal;

/// <summary>The journal's compaction: the live records copied to a new file while appends go on, then swapped in.</summary>
internal sealed partial class TaskJournal
{
    /// <summary>Starts a compaction once the file is over <see cref="CompactAbove"/> and twice the live data. Under the lock.</summary>
    private void CompactIfDueLocked()
    {
        if (_compaction is null && _end > CompactAbove && _end > 2 * _liveBytes)
        {
            _appendedDuringCompaction = [];
            var live = _live.OrderBy(l => l.Value.Offset).ToArray();
            var upTo = _end;
            _compaction = Task.Run(() => Compact(live, upTo));
        }
    }

    /// <summary>
    /// Copies the records that were live at <paramref name="upTo"/> into a new file and fsyncs it (appends go on
    /// meanwhile), then, under the lock, copies what was appended since and renames the new file over the journal
    /// (atomic); the timer's next fsync covers that tail.
    /// </summary>
    private void Compact(KeyValuePair<string, (long Offset, int Length)>[] live, long upTo)
    {
        var temp = Path + ".compact";
        var compacted = false;
        try
        {
            var moved = new Dictionary<string, (long Offset, int Length)>(live.Length, StringComparer.Ordinal);
            using var target = new FileStream(temp, FileOptionsFor(FileMode.Create));
            var source = _file!.SafeFileHandle;
            var buffer = new byte[64 * 1024];
            foreach (var (id, (offset, length)) in live)
            {
                if (buffer.Length < length)
                {
                    buffer = new byte[length];
                }

                RandomAccess.Read(source, buffer.AsSpan(0, length), offset);
                moved[id] = (target.Position, length);
                target.Write(buffer, 0, length);
            }

            // The bulk reaches the disk before the lock is taken: appends wait only for the short tail and the swap.
            target.Flush(flushToDisk: true);
            lock (_gate)
            {
                var tail = new byte[_end - upTo];
                RandomAccess.Read(_file.SafeFileHandle, tail, upTo);
                var tailStart = target.Position;
                target.Write(tail);
                target.Flush(flushToDisk: false);   // the tail is in the kernel; the timer fsyncs it with what follows
                foreach (var (id, delete, offset, length) in _appendedDuringCompaction!)
                {
                    if (delete)
                    {
                        moved.Remove(id);
                    }
                    else
                    {
                        moved[id] = (tailStart + offset - upTo, length);
                    }
                }

                target.Dispose();
                File.Move(temp, Path, overwrite: true);   // atomic; the old file stays open until the swap
                var old = _file;
                _file = new FileStream(Path, FileOptionsFor(FileMode.Open));
                old.Dispose();
                _end = _file.Length;
                _unflushed = true;   // the copied tail
                _live.Clear();
                foreach (var (id, place) in moved)
                {
                    _live[id] = place;
                }

                _liveBytes = _live.Values.Sum(v => (long)v.Length);
                LogCompacted(_logger, Path, _live.Count, _end);
                compacted = true;
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogWriteFailed(_logger, Path, ex);
        }
        finally
        {
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
}
