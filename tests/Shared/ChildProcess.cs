using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Molecule.Testing;

/// <summary>
/// A program a test starts for real (the built workspace or emulator, node, …): its output captured line by line,
/// stopped with SIGTERM the way orchestrators stop it, or killed with its children when the test is done.
/// </summary>
public sealed class ChildProcess : IAsyncDisposable
{
    private readonly StringBuilder _output = new();
    private readonly StringBuilder _errors = new();
    private int _disposed;

    private ChildProcess(Process process)
    {
        Process = process;
        process.OutputDataReceived += (_, e) => Append(_output, null, e.Data);
        process.ErrorDataReceived += (_, e) => Append(_output, _errors, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public Process Process { get; }

    public bool HasExited => Process.HasExited;

    public int ExitCode => Process.ExitCode;

    /// <summary>Standard output and error, in arrival order.</summary>
    public string Output => Read(_output);

    /// <summary>Standard error alone.</summary>
    public string Errors => Read(_errors);

    /// <summary>Whether <paramref name="program"/> is an executable in a folder on <c>PATH</c>.</summary>
    public static bool IsOnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Any(folder => File.Exists(Path.Combine(folder, program)));

    /// <summary>
    /// The native workspace binary the workspace suites run instead of <c>dotnet Molecule.Workspace.dll</c> when
    /// <c>MOLECULE_WORKSPACE_BINARY</c> names one (.ci/run points it at the NativeAOT publish the image is built from).
    /// </summary>
    public static string? NativeWorkspace { get; } =
        Environment.GetEnvironmentVariable("MOLECULE_WORKSPACE_BINARY") is { Length: > 0 } path ? Path.GetFullPath(path) : null;

    /// <summary>The built workspace: the native binary when <see cref="NativeWorkspace"/> is set, else its assembly under <c>dotnet</c>.</summary>
    public static ChildProcess StartWorkspace(IReadOnlyDictionary<string, string?> environment, params string[] args) =>
        NativeWorkspace is { } binary
            ? Start(binary, args, environment)
            : StartDotnet("Molecule.Workspace.dll", environment, args);

    /// <summary><c>dotnet &lt;dll&gt; [args]</c> for an assembly in the test output folder.</summary>
    public static ChildProcess StartDotnet(string dll, IReadOnlyDictionary<string, string?> environment, params string[] args) =>
        Start("dotnet", [Path.Combine(AppContext.BaseDirectory, dll), .. args], environment);

    /// <summary>Starts <paramref name="file"/>; a null value in <paramref name="environment"/> removes that variable.</summary>
    public static ChildProcess Start(string file, IEnumerable<string> args, IReadOnlyDictionary<string, string?>? environment = null, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (workingDirectory is not null)
        {
            info.WorkingDirectory = workingDirectory;
        }

        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment.Remove("OTEL_EXPORTER_OTLP_ENDPOINT");   // no dashboard under test: nothing waits on an exporter
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                info.Environment.Remove(key);
            }
            else
            {
                info.Environment[key] = value;
            }
        }

        return new ChildProcess(Process.Start(info) ?? throw new InvalidOperationException($"{file} did not start"));
    }

    public async Task WaitForExitAsync(TimeSpan timeout)
    {
        await Process.WaitForExitAsync().WaitAsync(timeout);
        Process.WaitForExit();   // the redirected streams are drained once this returns
    }

    /// <summary>SIGTERM, as <c>docker stop</c> and Kubernetes send it, then waits for the exit.</summary>
    public async Task TerminateAsync(TimeSpan timeout)
    {
        using (var kill = Process.Start("kill", ["-TERM", Process.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync().WaitAsync(timeout);
        }

        await WaitForExitAsync(timeout);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        if (!Process.HasExited)
        {
            Process.Kill(entireProcessTree: true);
            await Process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        }

        Process.Dispose();
    }

    private static void Append(StringBuilder all, StringBuilder? errors, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (all)
        {
            all.AppendLine(line);
        }

        if (errors is not null)
        {
            lock (errors)
            {
                errors.AppendLine(line);
            }
        }
    }

    private static string Read(StringBuilder text)
    {
        lock (text)
        {
            return text.ToString();
        }
    }
}
