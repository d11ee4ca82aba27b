using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Molecule.PlatformEmulator.Infrastructure;

namespace Molecule.PlatformEmulator.Delegations;

/// <summary>The texts the platform derives from a delegation's task and answer (supplement §4).</summary>
public static class DelegationText
{
    /// <summary>Go's <c>truncate(s, n)</c> (<c>handlers/delegation.go</c>): the first <paramref name="bytes"/> bytes and <c>...</c> when it cut.</summary>
    public static string Truncate(string text, int bytes) => Utf8Text.Truncate(text, bytes, "...");

    /// <summary>
    /// The answer's text: the first part with <c>kind == "text"</c> in <c>result.parts</c>, else in
    /// <c>result.artifacts[].parts</c>; otherwise the whole raw body (legacy <c>type</c>-only parts are not recognised).
    /// </summary>
    public static string AnswerText(byte[] body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("result", out var result) &&
                result.ValueKind == JsonValueKind.Object)
            {
                if (FirstText(result) is { } text)
                {
                    return text;
                }

                if (result.TryGetProperty("artifacts", out var artifacts) && artifacts.ValueKind == JsonValueKind.Array)
                {
                    foreach (var artifact in artifacts.EnumerateArray())
                    {
                        if (artifact.ValueKind == JsonValueKind.Object && FirstText(artifact) is { } artifactText)
                        {
                            return artifactText;
                        }
                    }
                }
            }
        }
        catch (JsonException)
        {
        }

        return Encoding.UTF8.GetString(body);
    }

    /// <summary>A JSON value as Postgres renders <c>jsonb</c>: keys by length then bytes, <c>", "</c> and <c>": "</c> separators.</summary>
    public static string Jsonb(JsonNode? node)
    {
        var text = new StringBuilder();
        Write(text, node);
        return text.ToString();
    }

    private static string? FirstText(JsonElement holder)
    {
        if (!holder.TryGetProperty("parts", out var parts) || parts.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        foreach (var part in parts.EnumerateArray())
        {
            if (part.ValueKind == JsonValueKind.Object && part.TryGetProperty("kind", out var kind) && kind.ValueKind == JsonValueKind.String &&
                kind.GetString() == "text" && part.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.String)
            {
                return text.GetString();
            }
        }

        return null;
    }

    private static void Write(StringBuilder text, JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                text.Append('{');
                var first = true;
                foreach (var (key, value) in obj.OrderBy(p => Encoding.UTF8.GetByteCount(p.Key)).ThenBy(p => p.Key, StringComparer.Ordinal))
                {
                    text.Append(first ? "" : ", ").Append(JsonSerializer.Serialize(key, Infrastructure.EmulatorJson.Default.String)).Append(": ");
                    Write(text, value);
                    first = false;
                }

                text.Append('}');
                break;
            case JsonArray array:
                text.Append('[');
                for (var i = 0; i < array.Count; i++)
                {
                    text.Append(i == 0 ? "" : ", ");
                    Write(text, array[i]);
                }

                text.Append(']');
                break;
            case null:
                text.Append("null");
                break;
            default:
                text.Append(node.ToJsonString(Infrastructure.Contract.WireOptions));
                break;
        }
    }
}
