namespace Molecule.Deployment.Tests.Infrastructure;

public static class Repo
{
    /// <summary>The repository root: the folder above the test binaries that holds Molecule.Aspire.sln.</summary>
    public static string Root { get; } = Find();

    public static string PathOf(params string[] parts) => Path.Combine([Root, .. parts]);

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Molecule.Aspire.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"Molecule.Aspire.sln not found above {AppContext.BaseDirectory}");
    }
}

public static class TestTimeouts
{
    public static readonly TimeSpan Short = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan Start = TimeSpan.FromSeconds(60);

    public static Task<T> DefaultTimeout<T>(this Task<T> task) => task.WaitAsync(Short);

    /// <summary>Polls <paramref name="condition"/> until it holds or <paramref name="timeout"/> passes.</summary>
    public static async Task Eventually(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{what}: not within {timeout.TotalSeconds:0} s");
            }

            await Task.Delay(200);
        }
    }
}
