namespace Molecule.Packaging.Tests.Infrastructure;

/// <summary>
/// A new project in a temporary folder outside the repository, as a user creates one: its own csproj and code, a
/// nuget.config with only the local feed of our packages and the normal package source, and a global.json that opts
/// <c>dotnet test</c> into Microsoft.Testing.Platform (the sample's tests are xUnit.net v3 on it, as the repository's).
/// </summary>
public sealed class OutsiderProject : IDisposable
{
    private readonly PackageFeed _feed;

    private OutsiderProject(string folder, string name, PackageFeed feed)
    {
        Folder = folder;
        Name = name;
        _feed = feed;
    }

    public string Folder { get; }

    public string Name { get; }

    /// <summary>The built assembly (Debug).</summary>
    public string Assembly => Path.Combine(Folder, "bin", "Debug", "net10.0", Name + ".dll");

    public static OutsiderProject Create(string name, PackageFeed feed, string sdk, IEnumerable<string> packages, IReadOnlyDictionary<string, string> files)
    {
        var folder = NewFolder(feed);
        var references = string.Join("\n", packages.Select(p => $"""    <PackageReference Include="{p}" Version="{feed.Version}" />"""));
        File.WriteAllText(Path.Combine(folder, name + ".csproj"), $"""
            <Project Sdk="{sdk}">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
              </PropertyGroup>
              <ItemGroup>
            {references}
              </ItemGroup>
            </Project>
            """);
        foreach (var (path, text) in files)
        {
            File.WriteAllText(Path.Combine(folder, path), text);
        }

        return new OutsiderProject(folder, name, feed);
    }

    /// <summary>A copy of a folder of the repository (a sample) outside it, as a user copies it.</summary>
    public static OutsiderProject CopyOf(string source, PackageFeed feed)
    {
        var folder = NewFolder(feed);
        Copy(source, folder);
        return new OutsiderProject(folder, Path.GetFileName(source), feed);
    }

    /// <summary>
    /// Copies of several sibling folders (a sample's projects) side by side outside the repository; the project is the
    /// one in <paramref name="main"/>, in its own folder.
    /// </summary>
    public static OutsiderProject CopyOf(IReadOnlyList<string> sources, string main, PackageFeed feed)
    {
        var root = NewFolder(feed);
        foreach (var source in sources)
        {
            Copy(source, Path.Combine(root, Path.GetFileName(source)));
        }

        return new OutsiderProject(Path.Combine(root, main), main, feed) { Root = root };
    }

    /// <summary>The folder holding the nuget.config (the project's own, or the parent of the copied siblings).</summary>
    public string? Root { get; private init; }

    /// <summary>Runs <c>dotnet test</c> on the project with the feed's version of our packages.</summary>
    public Task<string> TestAsync(TimeSpan timeout) =>
        Dotnet.RunAsync(Folder, timeout, "test", Path.Combine(Folder, Name + ".csproj"), $"-p:MoleculeVersion={_feed.Version}");

    private static void Copy(string source, string destination)
    {
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(source, file);
            if (relative.Split(Path.DirectorySeparatorChar)[0] is "bin" or "obj" or ".molecule")
            {
                continue;
            }

            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(destination, relative))!);
            File.Copy(file, Path.Combine(destination, relative));
        }
    }

    /// <summary>Builds with the feed's version of our packages (<c>MoleculeVersion</c>, which the samples read).</summary>
    public Task<string> BuildAsync() =>
        Dotnet.RunAsync(Folder, TimeSpan.FromMinutes(5), "build", Path.Combine(Folder, Name + ".csproj"), "-nologo", $"-p:MoleculeVersion={_feed.Version}");

    private static string NewFolder(PackageFeed feed)
    {
        var folder = Directory.CreateTempSubdirectory("molecule-outsider-").FullName;
        Assert.False(folder.StartsWith(Repo.Root, StringComparison.Ordinal), "the project must live outside the repository");
        File.WriteAllText(Path.Combine(folder, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="local" value="{feed.Folder}" />
                <add key="nuget.org" value="https://api.nuget.org/v3/index.json" protocolVersion="3" />
              </packageSources>
            </configuration>
            """);
        File.WriteAllText(Path.Combine(folder, "global.json"), """
            {
              "test": { "runner": "Microsoft.Testing.Platform" }
            }
            """);
        return folder;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root ?? Folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
