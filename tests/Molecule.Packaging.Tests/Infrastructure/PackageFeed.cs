namespace Molecule.Packaging.Tests.Infrastructure;

/// <summary>
/// The repository's packages, packed once per test run into a local folder feed with a version of their own (so no
/// earlier pack in the machine's package cache can stand in for them). The packs build into a folder of their own
/// (<c>--artifacts-path</c>), not the projects' <c>bin</c> and <c>obj</c>: the other test projects run at the same
/// time, and one of them publishes the workspace in Release from the same sources.
/// </summary>
public sealed class PackageFeed : IAsyncLifetime
{
    /// <summary>The tests that use the packages: one feed, packed once, and never two packs of a project at a time.</summary>
    public const string Collection = "packages";

    public static readonly string[] Packages = ["Molecule.Platform.Client", "Molecule.Workspace.AspNetCore", "Molecule.Aspire.Hosting", "Molecule.Aspire.Testing"];

    public string Folder { get; } = Directory.CreateTempSubdirectory("molecule-feed-").FullName;

    public string Version { get; } = "0.2.0-outsider." + Guid.NewGuid().ToString("N")[..12];

    private readonly string _artifacts = Directory.CreateTempSubdirectory("molecule-pack-").FullName;

    public async ValueTask InitializeAsync()
    {
        // Molecule.Aspire.Hosting publishes the emulator into its package without referencing it, so no pack restores it.
        await Dotnet.RunAsync(Repo.Root, TimeSpan.FromMinutes(5),
            "restore", Path.Combine(Repo.Root, "Molecule.PlatformEmulator", "Molecule.PlatformEmulator.csproj"), "--artifacts-path", _artifacts, "-nologo");
        foreach (var package in Packages)
        {
            await Dotnet.RunAsync(Repo.Root, TimeSpan.FromMinutes(5),
                "pack", Path.Combine(Repo.Root, package, package + ".csproj"), "-c", "Release", "-o", Folder, "--artifacts-path", _artifacts, $"-p:Version={Version}", "-nologo");
        }
    }

    public ValueTask DisposeAsync()
    {
        Directory.Delete(Folder, recursive: true);
        Directory.Delete(_artifacts, recursive: true);
        return ValueTask.CompletedTask;
    }
}

/// <summary>Runs the .NET CLI and fails with its output when it does not succeed in time.</summary>
public static class Dotnet
{
    public static async Task<string> RunAsync(string workingDirectory, TimeSpan timeout, params string[] args)
    {
        await using var process = ChildProcess.Start("dotnet", args, new Dictionary<string, string?>
        {
            ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
            ["DOTNET_NOLOGO"] = "1",
            ["MSBUILDDISABLENODEREUSE"] = "1",
        }, workingDirectory);
        try
        {
            await process.WaitForExitAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"dotnet {string.Join(' ', args)} did not finish within {timeout}:\n{process.Output}");
        }

        Assert.True(process.ExitCode == 0, $"dotnet {string.Join(' ', args)} exited {process.ExitCode}:\n{process.Output}");
        return process.Output;
    }
}

[CollectionDefinition(PackageFeed.Collection)]
public sealed class PackagesCollection : ICollectionFixture<PackageFeed>;
