using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Molecule.Testing;

/// <summary>Small JSON-RPC helpers for the tests.</summary>
public static class Rpc
{
    public static async Task<(int Status, JsonElement Body)> CallAsync(HttpClient client, string method, object? parameters, string? version = null, object? id = null)
    {
        var payload = JsonSerializer.Serialize(new Dictionary<string, object?> { ["jsonrpc"] = "2.0", ["id"] = id ?? 1, ["method"] = method, ["params"] = parameters });
        return await PostAsync(client, payload, version);
    }

    public static async Task<(int Status, JsonElement Body)> PostAsync(HttpClient client, string body, string? version = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        if (version is not null)
        {
            request.Headers.Add("A2A-Version", version);
        }

        using var response = await client.SendAsync(request).DefaultTimeout();
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, JsonDocument.Parse(text).RootElement.Clone());
    }

    public static object Message03(string text, string? taskId = null, string? contextId = null) => new Dictionary<string, object?>
    {
        ["kind"] = "message",
        ["messageId"] = Guid.NewGuid().ToString(),
        ["role"] = "user",
        ["parts"] = new[] { new { kind = "text", text } },
        ["taskId"] = taskId,
        ["contextId"] = contextId,
    };

    public static object Message10(string text, string? taskId = null, string? contextId = null) => new Dictionary<string, object?>
    {
        ["messageId"] = Guid.NewGuid().ToString(),
        ["role"] = "ROLE_USER",
        ["parts"] = new[] { new { text } },
        ["taskId"] = taskId,
        ["contextId"] = contextId,
    };

    /// <summary>Reads an SSE response into (id, data) events until the stream ends.</summary>
    public static async Task<List<(string? Id, JsonElement Data)>> ReadSseAsync(HttpResponseMessage response)
    {
        var events = new List<(string?, JsonElement)>();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        string? id = null;
        while (await reader.ReadLineAsync().WaitAsync(TestTimeouts.Short) is { } line)
        {
            if (line.StartsWith("id: ", StringComparison.Ordinal))
            {
                id = line[4..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                events.Add((id, JsonDocument.Parse(line[6..]).RootElement.Clone()));
            }
        }

        return events;
    }

    public static HttpRequestMessage StreamRequest(string method, object parameters, string? version, string? lastEventId = null)
    {
        var payload = JsonSerializer.Serialize(new Dictionary<string, object?> { ["jsonrpc"] = "2.0", ["id"] = 7, ["method"] = method, ["params"] = parameters });
        var request = new HttpRequestMessage(HttpMethod.Post, "/") { Content = new StringContent(payload, Encoding.UTF8, "application/json") };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        if (version is not null)
        {
            request.Headers.Add("A2A-Version", version);
        }

        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId);
        }

        return request;
    }
}
