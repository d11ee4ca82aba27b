namespace Molecule.Testing;

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
