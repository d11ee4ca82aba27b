namespace Molecule.Platform.Client;

/// <summary>
/// The heartbeat's <c>error_rate</c>: errors ÷ units of work over a rolling window (60 s by default), kept in one-second
/// buckets so memory stays constant under any load. Thread-safe.
/// </summary>
public sealed class ErrorRateWindow
{
    private readonly TimeProvider _time;
    private readonly long[] _seconds;
    private readonly int[] _units;
    private readonly int[] _errors;
    private readonly Lock _gate = new();
    private string _sampleError = "";
    private long _sampleSecond = long.MinValue;

    /// <summary>Creates an empty window.</summary>
    /// <param name="time">The clock (the system clock when null).</param>
    /// <param name="window">How far back the rate looks (60 s when null).</param>
    public ErrorRateWindow(TimeProvider? time = null, TimeSpan? window = null)
    {
        _time = time ?? TimeProvider.System;
        var size = (int)Math.Max(1, (window ?? TimeSpan.FromSeconds(60)).TotalSeconds);
        _seconds = new long[size];
        _units = new int[size];
        _errors = new int[size];
        Array.Fill(_seconds, long.MinValue);
    }

    /// <summary>How far back the rate looks.</summary>
    public TimeSpan Window => TimeSpan.FromSeconds(_seconds.Length);

    /// <summary>A unit of work that ended well (or with a client error, which is not ours).</summary>
    public void RecordSuccess() => Record(error: null);

    /// <summary>A unit of work that ended in a server-side failure, a timeout or a dependency's connection error.</summary>
    public void RecordError(string message) => Record(SecretScrubber.Scrub(message ?? "", maxLength: 256));

    /// <summary>The rate in [0, 1] and the most recent error's message within the window (<c>""</c> if none).</summary>
    public (double Rate, string SampleError) Snapshot()
    {
        var now = CurrentSecond();
        lock (_gate)
        {
            long units = 0, errors = 0;
            for (var i = 0; i < _seconds.Length; i++)
            {
                if (now - _seconds[i] < _seconds.Length)
                {
                    units += _units[i];
                    errors += _errors[i];
                }
            }

            var sample = now - _sampleSecond < _seconds.Length ? _sampleError : "";
            return (units == 0 ? 0 : (double)errors / units, sample);
        }
    }

    private void Record(string? error)
    {
        var now = CurrentSecond();
        var slot = (int)(((now % _seconds.Length) + _seconds.Length) % _seconds.Length);
        lock (_gate)
        {
            if (_seconds[slot] != now)
            {
                _seconds[slot] = now;
                _units[slot] = 0;
                _errors[slot] = 0;
            }

            _units[slot]++;
            if (error is not null)
            {
                _errors[slot]++;
                _sampleError = error;
                _sampleSecond = now;
            }
        }
    }

    private long CurrentSecond() => _time.GetUtcNow().ToUnixTimeSeconds();
}
