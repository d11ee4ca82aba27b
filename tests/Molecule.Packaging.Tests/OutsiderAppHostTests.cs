using System.Text;
using Molecule.Packaging.Tests.Infrastructure;

namespace Molecule.Packaging.Tests;

/// <summary>
/// The proof for the Aspire packages: the Summarizer sample's three projects (the agent, its twelve-line AppHost on
/// Molecule.Aspire.Hosting, its tests on Molecule.Aspire.Testing) copied outside the repository, built against the packed
/// packages only, and their tests run: the emulator from the package comes up healthy, the agent online on it, an A2A
/// answer through the proxy, and the dashboard's resource healthy with the platform's status.
/// </summary>
[Trait("Category", "Integration")]
[Collection(PackageFeed.Collection)]
public sealed class OutsiderAppHostTests(PackageFeed feed) : IDisposable
{
    private OutsiderProject? _project;

    public void Dispose() => _project?.Dispose();

    [Fact]
    public async Task The_samples_AppHost_and_its_tests_run_on_the_packages_alone()
    {
        _project = OutsiderProject.CopyOf(
            [Repo.PathOf("samples", "Summarizer"), Repo.PathOf("samples", "Summarizer.AppHost"), Repo.PathOf("samples", "Summarizer.Tests")],
            "Summarizer.Tests", feed);

        var output = await _project.TestAsync(TimeSpan.FromMinutes(10));

        // Microsoft.Testing.Platform's summary of the run.
        Assert.Matches(@"(?m)^\s+failed: 0\s*$", output);
        Assert.Matches(@"(?m)^\s+succeeded: 1\s*$", output);
        // The AppHost runs the emulator the package ships, not one from a source tree.
        var appHost = Path.Combine(_project.Root!, "Summarizer.AppHost", "bin", "Debug", "net10.0", "Summarizer.AppHost.dll");
        var written = Encoding.UTF8.GetString(await File.ReadAllBytesAsync(appHost));
        Assert.Contains($"molecule.aspire.hosting/{feed.Version}/tools/emulator".ToLowerInvariant(), written.ToLowerInvariant(), StringComparison.Ordinal);
    }
}
