using System.Runtime.CompilerServices;

namespace Molecule.Testing;

/// <summary>Runs when Node.js and tests/interop's npm dependencies are installed; skipped with the reason otherwise.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class InteropFactAttribute : FactAttribute
{
    public static readonly string Folder = FindFolder();

    public InteropFactAttribute([CallerFilePath] string? sourceFilePath = null, [CallerLineNumber] int sourceLineNumber = -1)
        : base(sourceFilePath, sourceLineNumber)
    {
        if (!ChildProcess.IsOnPath("node"))
        {
            Skip = "Node.js not found on PATH";
        }
        else if (!File.Exists(Path.Combine(Folder, "node_modules", "@a2a-js", "sdk", "package.json")))
        {
            Skip = $"@a2a-js/sdk not installed: run 'npm ci' in {Folder}";
        }
    }

    /// <summary>Runs tests/interop/interop.mjs against <paramref name="baseUrl"/> and fails with its report unless every check passed.</summary>
    public static async Task RunSuiteAsync(string baseUrl)
    {
        await using var node = ChildProcess.Start("node", [Path.Combine(Folder, "interop.mjs"), baseUrl]);
        await node.WaitForExitAsync(TimeSpan.FromMinutes(3));
        var report = node.Output;

        Assert.True(node.ExitCode == 0, report);
        Assert.Matches(@"(?m)^\d+ passed, 0 failed$", report);
        Assert.DoesNotContain("not ok", report, StringComparison.Ordinal);
    }

    private static string FindFolder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Molecule.Aspire.sln")))
            {
                return Path.Combine(dir.FullName, "tests", "interop");
            }
        }

        return Path.Combine(AppContext.BaseDirectory, "interop");
    }
}
