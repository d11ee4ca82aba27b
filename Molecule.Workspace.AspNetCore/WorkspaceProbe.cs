using System.Globalization;

namespace Molecule.Workspace;

/// <summary>
/// The <c>probe</c> command for a container HEALTHCHECK: fetches the agent card from the running server on
/// <c>127.0.0.1:${PORT}</c> and exits 0 on a 2xx answer, 1 otherwise, so an image needs no curl for its own probe.
/// Start your <c>Program.cs</c> with <c>if (WorkspaceProbe.IsProbe(args)) return await WorkspaceProbe.RunAsync();</c>.
/// </summary>
public static class WorkspaceProbe
{
    /// <summary>The command-line argument that runs the probe, <c>probe</c>.</summary>
    public const string Command = "probe";

    /// <summary>True when the process was started as <c>&lt;app&gt; probe</c>.</summary>
    public static bool IsProbe(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        return args is [Command];
    }

    /// <summary>Probes the local workspace; returns the process exit code (0 healthy, 1 not).</summary>
    /// <param name="error">Where the reason for a failure goes (standard error when null).</param>
    public static async Task<int> RunAsync(TextWriter? error = null)
    {
        error ??= Console.Error;
        var portText = Environment.GetEnvironmentVariable("PORT");
        var port = MoleculeWorkspaceOptions.DefaultPort;
        if (!string.IsNullOrWhiteSpace(portText) &&
            (!int.TryParse(portText.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535))
        {
            await error.WriteLineAsync($"probe: PORT must be a TCP port between 1 and 65535; got '{portText}'.").ConfigureAwait(false);
            return 1;
        }

        var url = new Uri($"http://127.0.0.1:{port}/.well-known/agent-card.json");
#pragma warning disable RS0030 // a one-shot process before any host exists: no factory to take a client from
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(4) };   // inside the guide's 5 s probe timeout
#pragma warning restore RS0030
        try
        {
            using var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead).ConfigureAwait(false);
            if (response.IsSuccessStatusCode)
            {
                return 0;
            }

            await error.WriteLineAsync($"probe: {url} answered {(int)response.StatusCode}").ConfigureAwait(false);
            return 1;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            await error.WriteLineAsync($"probe: {url} unreachable: {ex.Message}").ConfigureAwait(false);
            return 1;
        }
    }
}
