using System.Globalization;

namespace Molecule.Workspace;

/// <summary>
/// <c>Molecule.Workspace probe</c>: the image's HEALTHCHECK. Fetches the agent card from the running server on
/// <c>127.0.0.1:${PORT}</c> and exits 0 on a 2xx answer, 1 otherwise, so the image needs no curl for its own probe.
/// </summary>
public static class HealthProbe
{
    public const string Command = "probe";

    public static async Task<int> RunAsync(TextWriter error)
    {
        var portText = Environment.GetEnvironmentVariable("PORT");
        var port = WorkspaceSettings.DefaultPort;
        if (!string.IsNullOrWhiteSpace(portText) &&
            (!int.TryParse(portText.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535))
        {
            await error.WriteLineAsync($"probe: PORT must be a TCP port between 1 and 65535; got '{portText}'.").ConfigureAwait(false);
            return 1;
        }

        var url = new Uri($"http://127.0.0.1:{port}/.well-known/agent-card.json");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(4) };   // inside the guide's 5 s probe timeout
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
