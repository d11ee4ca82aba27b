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

/// <summary>One attempt of a readiness poll.</summary>
public static class HttpProbe
{
    /// <summary>
    /// The status <paramref name="path"/> answers with, or null while the server cannot answer yet: the connection
    /// refused or reset, or the attempt past the client's timeout (a process still starting on a loaded machine).
    /// The poll around it keeps the overall bound.
    /// </summary>
    public static async Task<System.Net.HttpStatusCode?> StatusAsync(this HttpClient client, string path)
    {
        try
        {
            using var response = await client.GetAsync(path).WaitAsync(TestTimeouts.Short);
            return response.StatusCode;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or TimeoutException)
        {
            return null;
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
