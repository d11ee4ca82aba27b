using System.Text;
using System.Text.Json;

namespace Molecule.Platform.Client;

/// <summary>Reads a peer's JSON-RPC answer (A2A 0.3 or 1.0 shapes) into its text.</summary>
internal static class A2AAnswers
{
    public static PeerAnswer Read(JsonElement root, string route)
    {
        if (root.TryGetProperty("queued", out var queued) && queued.ValueKind == JsonValueKind.True)
        {
            return new PeerAnswer("", Queued: true, null);
        }

        if (root.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object)
        {
            var message = error.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString()! : error.GetRawText();
            throw new PlatformApiException(route, System.Net.HttpStatusCode.OK, $"the peer answered with an error: {message}");
        }

        if (!root.TryGetProperty("result", out var result) || result.ValueKind != JsonValueKind.Object)
        {
            return new PeerAnswer(root.GetRawText(), Queued: false, null);
        }

        // A 1.0 result wraps the object: {"task":{…}} or {"message":{…}}.
        if (result.TryGetProperty("task", out var task) && task.ValueKind == JsonValueKind.Object)
        {
            result = task;
        }
        else if (result.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.Object && !result.TryGetProperty("parts", out _))
        {
            result = message;
        }

        var state = result.TryGetProperty("status", out var status) && status.ValueKind == JsonValueKind.Object &&
                    status.TryGetProperty("state", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null;
        var text = new StringBuilder();
        if (result.TryGetProperty("artifacts", out var artifacts) && artifacts.ValueKind == JsonValueKind.Array)
        {
            foreach (var artifact in artifacts.EnumerateArray())
            {
                AppendParts(text, artifact);
            }
        }

        if (text.Length == 0)
        {
            AppendParts(text, result);
        }

        if (text.Length == 0 && result.TryGetProperty("status", out var withMessage) && withMessage.ValueKind == JsonValueKind.Object &&
            withMessage.TryGetProperty("message", out var statusMessage))
        {
            AppendParts(text, statusMessage);
        }

        return new PeerAnswer(text.ToString(), Queued: false, state);
    }

    private static void AppendParts(StringBuilder text, JsonElement holder)
    {
        if (holder.ValueKind != JsonValueKind.Object || !holder.TryGetProperty("parts", out var parts) || parts.ValueKind != JsonValueKind.Array)
        {
            return;
        }

        foreach (var part in parts.EnumerateArray())
        {
            if (part.ValueKind == JsonValueKind.Object && part.TryGetProperty("text", out var value) && value.ValueKind == JsonValueKind.String)
            {
                text.Append(value.GetString());
            }
        }
    }
}
