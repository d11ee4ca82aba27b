using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace Molecule.PlatformEmulator.Tests;

/// <summary>One request to the emulator the way its clients send it: a JSON body, a bearer, a caller id.</summary>
internal static class EmulatorHttp
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    /// <summary>Sends and returns the status and the raw body (the contract's bodies are compared as text).</summary>
    public static async Task<(HttpStatusCode Status, string Body)> SendJsonAsync(this HttpClient client, HttpMethod method, string path,
        string? body = null, string? bearer = null, string? workspaceId = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        if (workspaceId is not null)
        {
            request.Headers.Add("X-Workspace-ID", workspaceId);
        }

        using var response = await client.SendAsync(request).WaitAsync(Timeout);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }
}
