namespace Molecule.Testing;

/// <summary>Every await in the tests is bounded by one of these.</summary>
public static class TestTimeouts
{
    public static readonly TimeSpan Short = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan Start = TimeSpan.FromSeconds(120);

    public static Task<T> DefaultTimeout<T>(this Task<T> task) => task.WaitAsync(Short);

    public static Task DefaultTimeout(this Task task) => task.WaitAsync(Short);

    /// <summary>Polls <paramref name="condition"/> until it holds or <paramref name="timeout"/> passes.</summary>
    public static async Task Eventually(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        using var deadline = new CancellationTokenSource(timeout);
        while (!await condition())
        {
            if (deadline.IsCancellationRequested)
            {
                throw new TimeoutException($"{what}: not within {timeout.TotalSeconds:0} s");
            }

            await Task.Delay(200);
        }
    }
}

/// <summary>A point a polling loop gives up at, on the monotonic clock (the wall clock can step).</summary>
public readonly struct TestDeadline
{
    private readonly long _end;

    private TestDeadline(long end) => _end = end;

    public bool Passed => TimeProvider.System.GetTimestamp() > _end;

    public static TestDeadline In(TimeSpan timeout) =>
        new(TimeProvider.System.GetTimestamp() + (long)(timeout.TotalSeconds * TimeProvider.System.TimestampFrequency));
}
