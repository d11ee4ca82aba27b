using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Molecule.Platform.Client;

/// <summary>Sending, and reading the contract's JSON without reflection (trimming and NativeAOT safe).</summary>
public sealed partial class MoleculePlatform
{
    private Task<JsonDocument> SendAsync(string route, HttpMethod method, string path, Action<Utf8JsonWriter>? body, TimeSpan timeout,
        CancellationToken cancellationToken, (string Name, string Value)[]? extraHeaders = null)
    {
        Func<HttpContent?> content = body is null ? () => null : () =>
        {
            var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
            using (var writer = new Utf8JsonWriter(buffer))
            {
                writer.WriteStartObject();
                body(writer);
                writer.WriteEndObject();
            }

            var bytes = new ByteArrayContent(buffer.WrittenSpan.ToArray());
            bytes.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            return bytes;
        };
        return SendContentAsync(route, method, path, content, timeout, cancellationToken, extraHeaders ?? []);
    }

    private async Task<JsonDocument> SendContentAsync(string route, HttpMethod method, string path, Func<HttpContent?> content, TimeSpan timeout,
        CancellationToken cancellationToken, (string Name, string Value)[] extraHeaders)
    {
        using var request = new HttpRequestMessage(method, new Uri(PlatformUrl, path)) { Content = content() };
        PlatformRequests.Identify(request, WorkspaceId, Tokens);

        foreach (var (name, value) in extraHeaders)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var deadline = new CancellationTokenSource(timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new PlatformApiException(route, null, $"no answer within {timeout.TotalSeconds.ToString("0", CultureInfo.InvariantCulture)} s");
        }
        catch (HttpRequestException ex)
        {
            throw new PlatformApiException(route, null, ex.Message);
        }

        using (response)
        {
            var bytes = await response.Content.ReadAsByteArrayAsync(linked.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw new PlatformApiException(route, response.StatusCode, ErrorText(bytes, response));
            }

            try
            {
                return bytes.Length == 0 ? JsonDocument.Parse("{}") : JsonDocument.Parse(bytes);
            }
            catch (JsonException ex)
            {
                throw new PlatformApiException(route, response.StatusCode, $"the platform's answer is not JSON: {ex.Message}");
            }
        }
    }

    private static string ErrorText(byte[] body, HttpResponseMessage response)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.String)
            {
                return error.GetString()!;
            }
        }
        catch (JsonException)
        {
        }

        return response.ReasonPhrase ?? $"HTTP {(int)response.StatusCode}";
    }

    private static IReadOnlyList<JsonElement> Array(JsonElement element) =>
        element.ValueKind == JsonValueKind.Array ? [.. element.EnumerateArray().Select(e => e.Clone())] : [];

    private static string? Text(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static int? Int(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number)
            ? number
            : null;

    private static DateTimeOffset? Time(JsonElement element, string name) =>
        Text(element, name) is { } text && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time) ? time : null;

    private static IReadOnlyList<string> SkillsOf(JsonElement peer) =>
        peer.TryGetProperty("agent_card", out var card) && card.ValueKind == JsonValueKind.Object && card.TryGetProperty("skills", out var skills) &&
        skills.ValueKind == JsonValueKind.Array
            ? [.. skills.EnumerateArray().Select(s => Text(s, "name") ?? Text(s, "id")).OfType<string>()]
            : [];

    private static string ScopeName(MemoryScope scope) => scope switch
    {
        MemoryScope.Team => "TEAM",
        MemoryScope.Global => "GLOBAL",
        _ => "LOCAL",
    };

    private static MemoryScope ParseScope(string? scope) => scope switch
    {
        "TEAM" => MemoryScope.Team,
        "GLOBAL" => MemoryScope.Global,
        _ => MemoryScope.Local,
    };
}
