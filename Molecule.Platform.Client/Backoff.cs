namespace Molecule.Platform.Client;

/// <summary>The contract's retry schedules: attempt n waits <c>min(cap, base·2^(n−1)) × U(0.5, 1.0)</c>.</summary>
internal static class Backoff
{
    /// <summary>Registration after 5xx, 429 without Retry-After, timeouts and connection errors.</summary>
    public static readonly BackoffSchedule Fast = new(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60));

    /// <summary>Registration after 400 and refused tokens: the operator has to act, so ask rarely.</summary>
    public static readonly BackoffSchedule Slow = new(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(300));

    /// <summary>The delay for <paramref name="attempt"/> (1-based) before jitter.</summary>
    public static TimeSpan Ceiling(BackoffSchedule schedule, int attempt)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(attempt, 1);
        var exponent = Math.Min(attempt - 1, 30);
        var ticks = Math.Min(schedule.Cap.Ticks, schedule.Base.Ticks * Math.Pow(2, exponent));
        return TimeSpan.FromTicks((long)ticks);
    }

    /// <summary>The jittered delay for <paramref name="attempt"/>: uniformly in [ceiling/2, ceiling].</summary>
    public static TimeSpan Delay(BackoffSchedule schedule, int attempt, Random random)
    {
        var ceiling = Ceiling(schedule, attempt);
        return TimeSpan.FromTicks((long)(ceiling.Ticks * (0.5 + (random.NextDouble() * 0.5))));
    }

    /// <summary>Heartbeat retry after a failure: <c>min(interval, 2 s·2^(n−1)) × U(0.5, 1.0)</c>, never below 1 s.</summary>
    public static TimeSpan HeartbeatRetry(TimeSpan interval, int attempt, Random random)
    {
        var delay = Delay(new BackoffSchedule(TimeSpan.FromSeconds(2), interval), attempt, random);
        return delay < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : delay;
    }
}

/// <summary>An exponential schedule: base delay of the first retry and the cap.</summary>
internal readonly record struct BackoffSchedule(TimeSpan Base, TimeSpan Cap);
