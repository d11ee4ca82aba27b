using System.Diagnostics;

namespace Molecule.AppHost;

/// <summary>
/// Container mode's build step: <c>dotnet publish</c> of the workspace, self-contained JIT for linux-x64 (a minute,
/// where the NativeAOT image deploy/build-image.sh builds takes several), into <c>artifacts/workspace</c>, which
/// <c>Molecule.Workspace/Dockerfile</c>'s <c>jit</c> target copies. Run before the app model is built, so
/// the image always holds the code on disk.
/// </summary>
internal static class WorkspacePublish
{
    public static void Run(string repositoryRoot)
    {
        var output = Path.Combine(repositoryRoot, "artifacts", "workspace");
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = repositoryRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in (string[])["publish", Path.Combine("Molecule.Workspace", "Molecule.Workspace.csproj"), "-c", "Release", "-r", "linux-x64",
                     "--self-contained", "true", "-p:PublishAot=false", "-p:DebugType=none", "-o", output, "-nologo", "-v", "quiet"])
        {
            info.ArgumentList.Add(arg);
        }

        Console.WriteLine($"Container mode: publishing Molecule.Workspace (self-contained, linux-x64) to {output} …");
        using var process = Process.Start(info) ?? throw new InvalidOperationException("dotnet publish did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(10)))
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException("dotnet publish of Molecule.Workspace did not finish within 10 minutes.");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"dotnet publish of Molecule.Workspace failed ({process.ExitCode}): {stdout.Result}{stderr.Result}");
        }
    }
}
