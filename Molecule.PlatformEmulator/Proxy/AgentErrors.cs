using System.Text.Json;

namespace Molecule.PlatformEmulator.Proxy;

/// <summary>How the platform words an agent's own error answer (≥ 300): its <c>error</c> string, else the status's reason phrase.</summary>
internal static class AgentErrors
{
    public static string Text(int status, ReadOnlySpan<byte> body)
    {
        try
        {
            var reader = new Utf8JsonReader(body);
            using var document = JsonDocument.ParseValue(ref reader);
            if (document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("error", out var error) &&
                error.ValueKind == JsonValueKind.String)
            {
                return error.GetString()!;
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
        }

        return Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status) is { Length: > 0 } phrase ? phrase : $"HTTP {status}";
    }

    /// <summary>
    /// Busy class per the contract: the agent accepted the connection but gave no answer (EOF or reset before a
    /// response). A refused connection, DNS or TLS failure is "unreachable" (502) instead.
    /// </summary>
    public static bool IsBusyClass(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case HttpRequestException { HttpRequestError: HttpRequestError.ResponseEnded }:
                    return true;
                case HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError or HttpRequestError.SecureConnectionError }:
                    return false;
                case System.Net.Sockets.SocketException { SocketErrorCode: System.Net.Sockets.SocketError.ConnectionReset or System.Net.Sockets.SocketError.ConnectionAborted }:
                    return true;
            }
        }

        return false;
    }
}
