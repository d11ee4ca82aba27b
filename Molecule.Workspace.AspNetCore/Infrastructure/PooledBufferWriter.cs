using System.Buffers;
using System.Text.Json;

namespace Molecule.Workspace.Infrastructure;

/// <summary>
/// A growable buffer rented from <see cref="ArrayPool{T}.Shared"/> for bytes that live only while one answer, event or
/// journal record is written: the request path allocates no arrays of its own for them. Dispose returns the array.
/// </summary>
internal sealed class PooledBufferWriter(int initialCapacity = 1024) : IBufferWriter<byte>, IDisposable
{
    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(initialCapacity);
    private int _written;

    public int WrittenCount => _written;

    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, _written);

    public Span<byte> WrittenSpan => _buffer.AsSpan(0, _written);

    public void Advance(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, _buffer.Length - _written);
        _written += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Reserve(sizeHint);
        return _buffer.AsMemory(_written);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Reserve(sizeHint);
        return _buffer.AsSpan(_written);
    }

    public void Write(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(GetSpan(bytes.Length));
        _written += bytes.Length;
    }

    public void Dispose()
    {
        var buffer = _buffer;
        _buffer = [];
        _written = 0;
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void Reserve(int sizeHint)
    {
        ObjectDisposedException.ThrowIf(_buffer.Length == 0, this);
        sizeHint = Math.Max(sizeHint, 1);
        if (_buffer.Length - _written >= sizeHint)
        {
            return;
        }

        var larger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _written + sizeHint));
        _buffer.AsSpan(0, _written).CopyTo(larger);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = larger;
    }
}

/// <summary>
/// One <see cref="Utf8JsonWriter"/> per thread, reset onto each output: answers and records are written synchronously,
/// so a writer is never held across an await. A nested rent (a writer already out on this thread) gets a new one.
/// </summary>
internal static class JsonWriterCache
{
    [ThreadStatic]
    private static Utf8JsonWriter? _cached;

    public static Utf8JsonWriter Rent(IBufferWriter<byte> output)
    {
        var writer = _cached;
        if (writer is null)
        {
            return new Utf8JsonWriter(output);
        }

        _cached = null;
        writer.Reset(output);
        return writer;
    }

    /// <summary>Flushes what was written into the output and keeps the writer for the thread's next rent.</summary>
    public static void Return(Utf8JsonWriter writer)
    {
        writer.Flush();
        writer.Reset(EmptyOutput.Instance);   // holds no reference to a pooled buffer after it is returned
        _cached = writer;
    }

    private sealed class EmptyOutput : IBufferWriter<byte>
    {
        public static readonly EmptyOutput Instance = new();

        public void Advance(int count) => throw Returned();

        public Memory<byte> GetMemory(int sizeHint = 0) => throw Returned();

        public Span<byte> GetSpan(int sizeHint = 0) => throw Returned();

        private static InvalidOperationException Returned() => new("A cached JSON writer was written to after it was returned.");
    }
}
