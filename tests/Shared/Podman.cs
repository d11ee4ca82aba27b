using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text;

namespace Molecule.Testing;

/// <summary>The podman CLI, run as a child process with a bounded wait.</summary>
public static class Podman
{
    /// <summary>
    /// The workspace image the container tests run; deploy/build-image.sh builds it. A reference that names a registry
    /// (CI sets <c>WORKSPACE_IMAGE=127.0.0.1:PORT/molecule-workspace:VERSION</c>) is pulled from it, as the deployment
    /// guide's <c>docker pull</c> does, before the first test uses it.
    /// </summary>
    public static string WorkspaceImage { get; } =
        Environment.GetEnvironmentVariable("WORKSPACE_IMAGE") is { Length: > 0 } image ? image : "localhost/molecule-workspace:dev";

    /// <summary>The emulator image the Compose pair runs.</summary>
    public static string EmulatorImage { get; } =
        Environment.GetEnvironmentVariable("EMULATOR_IMAGE") is { Length: > 0 } image ? image : "localhost/molecule-platform-emulator:dev";

    private static readonly Lazy<string?> Unavailable = new(ProbeAvailability);

    /// <summary>Why the container tests cannot run here, or null when podman works and the image exists.</summary>
    public static string? UnavailableReason => Unavailable.Value;

    public static Task<ProcessResult> RunAsync(TimeSpan timeout, params string[] args) => RunToolAsync("podman", null, timeout, args);

    /// <summary>Runs <paramref name="tool"/> with <paramref name="args"/> and extra environment, killing it past <paramref name="timeout"/>.</summary>
    public static async Task<ProcessResult> RunToolAsync(string tool, IReadOnlyDictionary<string, string>? environment, TimeSpan timeout, params string[] args)
    {
        var info = new ProcessStartInfo(tool)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"{tool} did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{tool} {string.Join(' ', args)} did not finish within {timeout.TotalSeconds:0} s");
        }

        return new ProcessResult(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Runs podman and fails the test with its output when it exits non-zero.</summary>
    public static async Task<string> CheckedAsync(TimeSpan timeout, params string[] args)
    {
        var result = await RunAsync(timeout, args);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"podman {string.Join(' ', args)} exited {result.ExitCode}: {result.StdErr}{result.StdOut}");
        }

        return result.StdOut.Trim();
    }

    private static string? ProbeAvailability()
    {
        try
        {
            var info = RunAsync(TimeSpan.FromSeconds(30), "info", "--format", "{{.Host.OCIRuntime.Name}}").GetAwaiter().GetResult();
            if (info.ExitCode != 0)
            {
                return $"podman is installed but not usable here ({FirstLine(info.StdErr)}); .ci/run sets it up";
            }

            if (NamesRegistry(WorkspaceImage))
            {
                return null;   // pulled by EnsureImagesAsync; a failed pull fails the tests, it never skips them
            }

            var image = RunAsync(TimeSpan.FromSeconds(30), "image", "exists", WorkspaceImage).GetAwaiter().GetResult();
            return image.ExitCode == 0 ? null : $"image {WorkspaceImage} not built: run deploy/build-image.sh";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "podman not found: install it (apt-get install podman runc) and run .ci/setup-podman.sh";
        }
    }

    private static readonly Lazy<Task> Pulled = new(PullAsync);

    /// <summary>
    /// Pulls the images whose references name a registry, once per test run: the local copy is removed first, so what
    /// runs is what the registry serves.
    /// </summary>
    public static Task EnsureImagesAsync() => Pulled.Value;

    /// <summary>True for <c>host[:port]/…</c> references other than podman's own <c>localhost/</c> images.</summary>
    public static bool NamesRegistry(string image) =>
        image.Split('/', 2) is [var host, _] && host != "localhost" && (host.Contains('.', StringComparison.Ordinal) || host.Contains(':', StringComparison.Ordinal));

    private static async Task PullAsync()
    {
        foreach (var image in new[] { WorkspaceImage, EmulatorImage }.Where(NamesRegistry))
        {
            await RunAsync(TimeSpan.FromSeconds(60), "rmi", "--force", image);
            await CheckedAsync(TimeSpan.FromMinutes(3), "pull", "--quiet", image);
        }
    }

    private static string FirstLine(string text) => text.Split('\n', 2)[0].Trim();
}

public sealed record ProcessResult(int ExitCode, string StdOut, string StdErr)
{
    public string Output => new StringBuilder(StdOut).Append(StdErr).ToString();
}

/// <summary>A fact that needs podman and the built workspace image; skipped with the reason otherwise.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class ContainerFactAttribute : FactAttribute
{
    public ContainerFactAttribute([CallerFilePath] string? sourceFilePath = null, [CallerLineNumber] int sourceLineNumber = -1)
        : base(sourceFilePath, sourceLineNumber)
    {
        if (Podman.UnavailableReason is { } reason)
        {
            Skip = reason;
        }
    }
}

/// <summary>A fact that runs deploy/docker-compose.yml with podman-compose; skipped with the reason where it cannot.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class ComposeFactAttribute : FactAttribute
{
    public ComposeFactAttribute([CallerFilePath] string? sourceFilePath = null, [CallerLineNumber] int sourceLineNumber = -1)
        : base(sourceFilePath, sourceLineNumber)
    {
        if (Podman.UnavailableReason is { } reason)
        {
            Skip = reason;
        }
        else if (!ChildProcess.IsOnPath("podman-compose"))
        {
            Skip = "podman-compose not found (apt-get install podman-compose)";
        }
        else if (!Podman.NamesRegistry(Podman.EmulatorImage) && Podman.RunAsync(TimeSpan.FromSeconds(30), "image", "exists", Podman.EmulatorImage).GetAwaiter().GetResult().ExitCode != 0)
        {
            Skip = $"image {Podman.EmulatorImage} not built: run deploy/build-image.sh all";
        }
    }
}
